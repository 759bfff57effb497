import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { type Exploration, UserError, errorMessage, isExploration, isUserError } from '@venomqa/core'
import { JOURNEY_EXTENSIONS } from '../journeys/load'
import { globFiles, hasMagic } from '../journeys/glob'
import { importUserFile } from '../load-module'

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
  const patterns: string[] = []
  const names: string[] = []
  for (const arg of args) {
    const abs = path.resolve(cwd, arg)
    if (hasMagic(arg)) patterns.push(arg)
    else if (existsSync(abs) && statSync(abs).isDirectory()) patterns.push(`${arg.replace(/[\\/]+$/, '')}/**/*.explore.${JOURNEY_EXTENSIONS}`)
    else if (existsSync(abs)) patterns.push(arg)
    else names.push(arg)
  }
  return { patterns, names }
}

export function discoverExplorationFiles(patterns: readonly string[], root: string): Promise<string[]> {
  return globFiles(
    patterns.map((p) => (path.isAbsolute(p) ? path.relative(root, p) : p)),
    root,
  )
}

/** A file's explorations: its default export and every named export that is one or a list of them. */
export function explorationsOf(mod: Record<string, unknown>): Exploration[] {
  const seen = new Set<Exploration>()
  const add = (v: unknown) => {
    if (isExploration(v)) seen.add(v)
    else if (Array.isArray(v)) for (const x of v) if (isExploration(x)) seen.add(x)
  }
  add(mod.default)
  for (const [k, v] of Object.entries(mod)) if (k !== 'default') add(v)
  return [...seen]
}

/**
 * Import each file and collect its explorations. A file that fails to load (a definition mistake
 * throws as the file is imported) or two explorations with one name are user errors naming the file.
 */
export async function loadExplorations(files: readonly string[], root: string, warn: (m: string) => void = () => {}): Promise<LoadedExploration[]> {
  const out: LoadedExploration[] = []
  const byName = new Map<string, string>()
  for (const abs of files) {
    const file = path.relative(root, abs) || abs
    let mod: Record<string, unknown>
    try {
      mod = await importUserFile(abs, root)
    } catch (err) {
      if (isUserError(err)) throw new UserError((err as UserError).code, `${file}: ${errorMessage(err)}`, { where: file, cause: err })
      throw new UserError('E_JOURNEY_LOAD', `could not load ${file}: ${errorMessage(err)}`, { where: file, cause: err })
    }
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
