import { lstatSync, readlinkSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '@venomqa/core'
import { isCodeFile } from '../code-files'
import { CONFIG_FILES } from '../config/load'

/** A file the command reads, which none of its outputs may replace, and how a refusal names it. */
export interface ReadFile {
  file: string
  /** e.g. `the config file`, `the results file to render`. */
  what: string
}

/**
 * What tells why an output (a report file, `--save`, `--har`) must not be written where it would land, or
 * undefined when it may. Outputs are removed as a run starts (see clearOutputs) and replaced when it ends, so an
 * output that names one of the user's own files loses it: `-r junit:journeys/a.journey.ts` deleted the
 * journey, `--save venomqa.yaml` replaced the config with results, `venomqa report r.json -r json:r.json`
 * the run it was rendering.
 *
 * Refused: a file the command reads (links followed, as a write would follow them), and, read or not, an
 * existing JavaScript or TypeScript file, VenomQA config file or package.json: a report never is one, and
 * the command may read it without knowing it yet (a journey's helper, the config a broken config stands
 * in for). A file that does not exist yet is anyone's to write.
 */
export function ownFiles(reads: readonly ReadFile[]): (output: string) => string | undefined {
  // Where each read file lands, resolved once for every output asked about.
  const readAt = new Map(reads.map(({ file, what }) => [landsAt(file), what]))
  return (output) => {
    const lands = landsAt(output)
    const read = readAt.get(lands)
    if (read) return read
    let isFile = false
    try {
      isFile = lstatSync(lands).isFile()
    } catch {
      return undefined
    }
    if (!isFile) return undefined
    const name = path.basename(lands)
    if (isCodeFile(name)) return 'a JavaScript or TypeScript file'
    if (CONFIG_FILES.includes(name)) return 'a VenomQA config file'
    if (name === 'package.json') return "the project's package.json"
    return undefined
  }
}

/**
 * Refuse (exit 2) the first output that would replace one of the user's own files, naming both; `where`
 * is where the output was named (`reporters[1]`, `save`), else `who` says it (`--save`).
 */
export function refuseOutputsOverOwnFiles(
  outputs: readonly { file: string; who: string; where?: string }[],
  problemOf: (output: string) => string | undefined,
  cwd: string,
): void {
  for (const { file, who, where = who.startsWith('reporter') ? '--reporter' : who } of outputs) {
    const problem = problemOf(file)
    if (!problem) continue
    const shown = path.relative(cwd, file) || file
    throw new UserError('E_OUTPUT_OVER_INPUT', `${who} would write ${shown}, ${problem}, which it would replace; give it another file`, { where })
  }
}

/**
 * Where a write to `file` lands: symbolic links followed, the file's own and those of the directories
 * above it. A link to a file that does not exist yet (dangling) is followed too: a write through it
 * creates its target, so `out/junit.xml -> out/results.json` lands where `--save out/results.json` does.
 */
export function landsAt(file: string, hops = 0): string {
  try {
    return realpathSync(file)
  } catch {
    let target: string | undefined
    try {
      target = readlinkSync(file)
    } catch {
      // Not a link (no file there yet): where its directory is.
    }
    if (target !== undefined && hops < 32) return landsAt(path.resolve(path.dirname(file), target), hops + 1)
    try {
      return path.join(realpathSync(path.dirname(file)), path.basename(file))
    } catch {
      return file
    }
  }
}
