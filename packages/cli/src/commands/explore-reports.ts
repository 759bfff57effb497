import path from 'node:path'
import type { Reporter, RunResult } from '@venomqa/core'
import type { ReporterSpec } from '../config/types'
import { parseReporterSpec } from '../reporters'

// `venomqa run` and `venomqa explore` read the same config: written to the same report files, either
// command replaced (and, clearing them as it started, removed) the other's reports. An exploration writes
// each report of the config beside the run's, `.explore` before the extension; a reporter given its file
// on the explore command line (`-r html:x.html`) writes that file, as asked. Every place the explore
// command names its report files (clearing them on a mistake, as it starts, and writing them) goes
// through the two functions below; so do `venomqa report` and `merge-reports` of an exploration's results.

/**
 * `reports/venomqa.html` as an exploration writes it: `reports/venomqa.explore.html`. A file the config
 * names so already (`x.explore.html`) is the exploration's as it is, not `x.explore.explore.html`.
 */
export function explorationReportFile(file: string): string {
  const ext = path.extname(file)
  const stem = file.slice(0, file.length - ext.length)
  return stem.endsWith('.explore') ? file : `${stem}.explore${ext}`
}

/**
 * Whether results are an exploration's (`venomqa explore`'s, a shard's of it): `venomqa report` and
 * `merge-reports` then write the config's reports under the exploration's names, as explore did.
 */
export function holdsExploration(run: Pick<RunResult, 'journeys' | 'explorations'>): boolean {
  return !!run.explorations?.length && !run.journeys.length
}

/** Whether the reporter was named on the command line (`--reporter html:x.html`), where its file is the user's word for this command. */
const givenOnCommandLine = (where: string | undefined) => !!where?.startsWith('--reporter')

const isFile = (file: string | undefined): file is string => !!file && !!file.trim() && file !== '-'

/**
 * The reporters an exploration writes, as specs: each one of the config's (or a profile's, or
 * VENOMQA_REPORTERS') that names its file, with the exploration's file (explorationReportFile). One that
 * names none writes its default file, renamed once the reporter is made (explorationTargets); one that
 * does not parse is left as it is, refused later in its place.
 */
export function explorationReporterSpecs(reporters: readonly ReporterSpec[], where: readonly (string | undefined)[] = []): ReporterSpec[] {
  return reporters.map((spec, i) => {
    if (givenOnCommandLine(where[i])) return spec
    let parsed: ReturnType<typeof parseReporterSpec>
    try {
      parsed = parseReporterSpec(spec)
    } catch {
      return spec
    }
    return isFile(parsed.target) ? { name: parsed.name, output: explorationReportFile(parsed.target), options: parsed.options } : spec
  })
}

/**
 * The reporters made for an exploration, each that writes its default file given the exploration's
 * instead: given no file, `-r html` on the explore command line too would replace the run's.
 */
export function explorationTargets<T extends { reporter: Reporter; target?: string }>(targets: readonly T[]): T[] {
  return targets.map((t) => (t.target === undefined && t.reporter.render && isFile(t.reporter.defaultFile) ? { ...t, target: explorationReportFile(t.reporter.defaultFile) } : t))
}

/**
 * The results file an exploration saves: the config's `save` (or VENOMQA_SAVE, or a profile's) with
 * `.explore` before the extension, as its reports (`results.json` -> `results.explore.json`), so that an
 * exploration leaves the run's results where they are; `--save` on the explore command line, as given.
 */
export function explorationSaveFile<T extends { save?: string; saveWhere?: string }>(config: T): T {
  return config.save && config.saveWhere !== '--save' ? { ...config, save: explorationReportFile(config.save) } : config
}
