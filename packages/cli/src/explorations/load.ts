import { type Exploration, UserError, isExploration } from '@venomqa/core'
import { discoverJourneyFiles, exportsOf, importDefinitionFile, splitRunArgs } from '../journeys/load'
import { keepSharedWithJiti } from '../typescript/native'

export interface LoadedExploration {
  exploration: Exploration
  /** Relative to the project root, for reports and the emitted journeys' imports. */
  file: string
}

/**
 * `venomqa explore` arguments: an existing file, a directory or a glob selects files; anything else is
 * an exploration's name.
 */
export function splitExploreArgs(args: readonly string[], cwd: string): { patterns: string[]; names: string[] } {
  return splitRunArgs(args, cwd, 'explore')
}

/** The exploration files the patterns select, relative to `root`: found as journey files are. */
export const discoverExplorationFiles = discoverJourneyFiles

/** A file's explorations: its default export and every named export that is one or a list of them. */
export function explorationsOf(mod: Record<string, unknown>): Exploration[] {
  return exportsOf(mod, isExploration)
}

/**
 * Import each file and collect its explorations. A file that fails to load (a definition mistake
 * throws as the file is imported) or two explorations with one name are user errors naming the file.
 */
export async function loadExplorations(files: readonly string[], root: string, warn: (m: string) => void = () => {}): Promise<LoadedExploration[]> {
  const out: LoadedExploration[] = []
  const byName = new Map<string, string>()
  keepSharedWithJiti(files)
  for (const abs of files) {
    const { file, mod } = await importDefinitionFile(abs, root, warn)
    const found = explorationsOf(mod)
    if (!found.length) warn(`${file} exports no exploration (export default exploration(...))`)
    for (const exploration of found) {
      const other = byName.get(exploration.name)
      if (other) throw new UserError('E_DEFINITION', `two explorations are named "${exploration.name}" (${other} and ${file}); exploration names must be unique`, { where: file })
      byName.set(exploration.name, file)
      out.push({ exploration, file })
    }
  }
  return out
}

/** Keep the named explorations (all when none is named); an unknown name is a user error. */
export function selectExplorations(all: readonly LoadedExploration[], names: readonly string[]): LoadedExploration[] {
  const unknown = names.filter((n) => !all.some((x) => x.exploration.name === n))
  if (unknown.length)
    throw new UserError(
      'E_UNKNOWN_JOURNEY',
      `no exploration named ${unknown.map((n) => `"${n}"`).join(', ')} (and no such file); known explorations: ${all.map((x) => x.exploration.name).join(', ') || 'none'}`,
      { where: unknown[0] },
    )
  return names.length ? all.filter((x) => names.includes(x.exploration.name)) : [...all]
}
