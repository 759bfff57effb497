import { statSync } from 'node:fs'
import { lstat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, type Reporter, UserError, errorMessage } from '@venomqa/core'
import { type ResolvedConfig, findConfigFile, outputsNamedBy, readConfigOutputs } from '../config/load'
import type { ConfigOutputs } from '../config/named-outputs'
import type { ReporterSpec, VenomConfigBase } from '../config/types'
import { type Io, warn } from '../exit'
import { parseReporterSpec } from '../reporters'
import { explorationReportFile, explorationReporterSpecs, explorationSaveFile } from './explore-reports'
import { type ReadFile, landsAt, ownFiles, refuseOutputsOverOwnFiles } from './own-files'
import { type ConfigFlags, resolveConfig } from './session'

// The files a command writes (results, HAR, reports): checked before anything runs, and cleared of what an
// earlier run left there. Shared by run, explore, report, merge-reports and doctor.

/**
 * Two outputs that would land in one file, a link to it included: the second would silently replace the
 * first (a JUnit file that is Markdown). Two reporters printing to stdout: one output of the two mixed
 * into the other, which neither reader can parse. An output over one of the user's own files, one of
 * `reads` (the files the command reads) among them: lost when the run starts (see ownFiles).
 * Refused before the run.
 */
export function checkReportFiles(
  targets: readonly { reporter: Reporter; target?: string; where?: string }[],
  save: string | undefined,
  cwd: string,
  har?: string,
  reads: readonly ReadFile[] = [],
  saveWhere = '--save',
): string[] {
  const ownFile = ownFiles(reads)
  const outputs: string[] = []
  /** Who writes where each output lands, links followed. */
  const landings = new Map<string, string>()
  const claim = (file: string | undefined, who: string, where = who) => {
    if (!file || file === '-') return
    const resolved = path.resolve(cwd, file)
    const shown = path.relative(cwd, resolved) || resolved
    // Found only once the run is over, it would lose the run: the results, and the reports after them.
    if (isDirectory(resolved))
      throw new ConfigError(`${who} would write ${shown}, which is a directory; give a file`, { where })
    const inTheWay = fileAbove(resolved)
    if (inTheWay)
      throw new ConfigError(`${who} would write ${shown}, but ${path.relative(cwd, inTheWay) || inTheWay} is a file, not a directory; give another path`, { where })
    refuseOutputsOverOwnFiles([{ file: resolved, who, where }], ownFile, cwd)
    const lands = landsAt(resolved)
    const first = landings.get(lands)
    if (first) {
      const through = lands === resolved ? '' : ` (${path.relative(cwd, lands) || lands}, through a link)`
      throw new UserError('E_REPORT_CLASH', `${first} and ${who} would both write ${shown}${through}; give one of them another file`, { where })
    }
    landings.set(lands, who)
    outputs.push(resolved)
  }
  // `-` is stdout to a reporter (`-r json:-`); to --save it was a file named "-" in the working directory.
  if (save !== undefined && (save === '-' || !save.trim()))
    throw new UserError(
      'E_CONFIG',
      `${saveWhere} needs a file name${save === '-' ? ' (the results are not written to stdout: -r json:- prints them there)' : ''}, e.g. ${saveExample(saveWhere)}`,
      { where: saveWhere },
    )
  if (save) claim(save, saveWhere)
  if (har) claim(har, '--har')
  let onStdout: string | undefined
  for (const { reporter, target, where = '--reporter' } of targets) {
    if (!reporter.render) continue
    const file = target ?? reporter.defaultFile
    const who = `reporter "${reporter.name}"`
    if (file && file !== '-') {
      claim(file, who, where)
      continue
    }
    // A reporter of the config's is given its file there, not with a flag.
    const withFile = where.startsWith('--') ? `-r ${reporter.name}:<file>` : `"${reporter.name}:<file>"`
    if (onStdout)
      throw new UserError('E_REPORT_CLASH', `${onStdout} and ${who} would both print to stdout, one output mixed into the other; give one of them a file (${withFile})`, {
        where,
      })
    onStdout = who
  }
  return outputs
}

/** How `save` is given a file where the user wrote it (see ResolvedConfig.saveWhere). */
function saveExample(saveWhere: string): string {
  if (saveWhere === '--save') return '--save out/results.json'
  if (saveWhere === 'VENOMQA_SAVE') return 'VENOMQA_SAVE=out/results.json'
  return `${saveWhere}: out/results.json`
}

/**
 * The config, with what the command will write removed before anything else can stop it (a config
 * mistake, a journey that does not load): an earlier run's results there would be taken for this one's,
 * by a merge of shards above all. When the config itself is the mistake, what can still be known goes
 * (see clearOutputsDespiteMistake). The rest (plugins' report files) goes once the reporters are made
 * (checkReportFiles, clearOutputs).
 */
export async function configClearingOutputs(
  io: Io,
  flags: OutputFlags,
  values: Partial<VenomConfigBase>,
  extra: { readsOpenapi?: boolean; forExploration?: boolean } = {},
): Promise<ResolvedConfig> {
  const { forExploration, ...resolving } = extra
  const resolved = await resolveConfig(io, flags, values, resolving).catch(async (err: unknown) => {
    await clearOutputsDespiteMistake(io, flags, { configError: err, forExploration })
    throw err
  })
  const config = forExploration ? explorationSaveFile({ ...resolved, reporters: explorationReporterSpecs(resolved.reporters, resolved.reporterWhere) }) : resolved
  const named = namedOutputs({ save: config.save, saveWhere: config.saveWhere, reporters: config.reporters, reporterWhere: config.reporterWhere, har: flags.har }, io.cwd)
  refuseOutputsOverOwnFiles(named, ownFiles(configRead(config.file)), io.cwd)
  await clearOutputs(named.map((o) => o.file), io)
  return config
}

/** The flags that name a command's outputs, and the config flags that say where its config is. */
export type OutputFlags = ConfigFlags & { save?: string; reporter?: string[]; har?: string }

/** A flag that names outputs or the config, given with no value: what it would have named is not known. */
export type UnknownOutputFlag = 'save' | 'har' | 'reporter' | 'config' | 'profile'

/**
 * Remove what an earlier run left where this one would have written, when the command stops on a mistake
 * before its outputs are checked: in a flag's value (the config not read yet), or in the config, the
 * profile or a VENOMQA_* variable (`configError`, what loading the config failed with). What can still be
 * known goes, with the precedence a run gives it: the files the flags name, else those the config names as
 * far as it can be read (outputsAsWritten: a `bogus: 1` beside `save` still leaves `save` known). A file
 * named nowhere clearly is left alone, and so is an output over one of the user's own files (refused on the
 * run after the mistake is fixed). With `unreadableFlags` (`--save --har`: an option where the value goes),
 * what --save and --har would name is not known, and nothing is removed for them. A flag of `unknownFlags`
 * was given with no value (`venomqa run --save`, see usage-mistake.ts): what it would have named is not
 * known, nor is what the config names in its place (for --config and --profile, all the config's outputs);
 * for --reporter, only the reporters the other -r flags name go.
 */
export async function clearOutputsDespiteMistake(
  io: Io,
  flags: OutputFlags,
  {
    configError,
    unreadableFlags = false,
    unknownFlags = [],
    configSave = true,
    keep = [],
    spare,
    forExploration = false,
  }: {
    configError?: unknown
    unreadableFlags?: boolean
    unknownFlags?: readonly UnknownOutputFlag[]
    /** Whether the config's `save` is this command's results file (a run's); a merge's is only ever --save's. */
    configSave?: boolean
    /** Files the command reads (a merge's shards): never removed, whoever names them. */
    keep?: readonly string[]
    /** An output this says to keep, by what the file holds, is not removed either. */
    spare?: (file: string) => Promise<boolean>
    /** `venomqa explore`'s: the config's reports are the exploration's files (see explorationReporterSpecs). */
    forExploration?: boolean
  } = {},
): Promise<void> {
  const configFile = flags.config ? path.resolve(io.cwd, flags.config) : findConfigFile(io.cwd)
  const isUnknown = (flag: UnknownOutputFlag) => unknownFlags.includes(flag)
  const fromConfig: ConfigOutputs =
    isUnknown('config') || isUnknown('profile')
      ? { reporters: [] }
      : configError === undefined
        ? await readConfigOutputs({ cwd: io.cwd, configPath: flags.config, profile: flags.profile, env: io.env }).catch(() => ({ reporters: [] }))
        : (outputsNamedBy(configError) ?? { reporters: [] })
  // The config's file, never --save's (taken above): an exploration's goes beside it (explorationSaveFile).
  const fromConfigSave = fromConfig.save && forExploration ? { ...fromConfig.save, file: explorationReportFile(fromConfig.save.file) } : fromConfig.save
  const save = isUnknown('save') ? undefined : flags.save !== undefined ? (unreadableFlags ? undefined : { file: flags.save, where: '--save' }) : configSave ? fromConfigSave : undefined
  const reporterFlags = (flags.reporter ?? []).map((spec) => ({ spec, where: `--reporter ${spec}` }))
  const reporters = reporterFlags.length || isUnknown('reporter') ? reporterFlags : fromConfig.reporters
  const specs = reporters.map((r) => r.spec)
  const named = namedOutputs(
    {
      save: save?.file,
      saveWhere: save?.where,
      reporters: forExploration ? explorationReporterSpecs(specs, reporters.map((r) => r.where)) : specs,
      reporterWhere: reporters.map((r) => r.where),
      har: unreadableFlags || isUnknown('har') ? undefined : flags.har,
    },
    io.cwd,
  )
  const ownFile = ownFiles([...configRead(configFile), ...keep.map((file) => ({ file, what: 'a file the command reads' }))])
  const outputs = named.filter((o) => !ownFile(o.file)).map((o) => o.file)
  const spared = spare ? await Promise.all(outputs.map(spare)) : []
  await clearOutputs(outputs.filter((_, i) => !spared[i]), io)
}

/** The config file as a file the command reads, when there is one. */
export function configRead(file: string | undefined): ReadFile[] {
  return file ? [{ file, what: 'the config file' }] : []
}

/**
 * The files a run names before anything is loaded, and who names each: the results file, the HAR, and
 * each reporter given a file (`junit:out.xml`). A spec that does not parse names nothing here: it is
 * refused later, in its place.
 */
export function namedOutputs(
  {
    save,
    saveWhere = '--save',
    reporters,
    reporterWhere = [],
    har,
  }: { save?: string; saveWhere?: string; reporters: readonly ReporterSpec[]; reporterWhere?: readonly string[]; har?: string },
  cwd: string,
): { file: string; who: string; where: string }[] {
  const targets = reporters.flatMap((spec, i) => {
    try {
      const { name, target } = parseReporterSpec(spec)
      return [{ file: target, who: `reporter "${name}"`, where: reporterWhere[i] ?? '--reporter' }]
    } catch {
      return []
    }
  })
  const named = [
    { file: save, who: saveWhere, where: saveWhere },
    { file: har, who: '--har', where: '--har' },
    ...targets,
  ]
  const files = named
    .filter((o): o is { file: string; who: string; where: string } => !!o.file && !!o.file.trim() && o.file !== '-')
    .map((o) => ({ ...o, file: path.resolve(cwd, o.file) }))
  // Two of them landing on one file (through a link too) is refused once the reporters are made
  // (checkReportFiles): removed now, the file a link points to would be gone, the link left dangling, and
  // the clash no longer seen. Nothing is removed before that refusal.
  const landings = files.map((o) => landsAt(o.file))
  return new Set(landings).size === landings.length ? files : []
}

/**
 * Remove what an earlier run left where this one will write (results, HAR, report files), as the run
 * starts: a run killed before it writes them leaves nothing there, never an older run's files, which a
 * merge of shards or a CI step reading a JUnit file would take for this run's, and call green.
 *
 * Only a regular file is removed. `-r json:/dev/null` names a device: removed as root, the next shell
 * redirect makes /dev/null a plain file for the whole machine. A named pipe is another program's, and a
 * symbolic link the user's (the file it points to is replaced when the run writes).
 */
export async function clearOutputs(files: readonly string[], io: Io): Promise<void> {
  await Promise.all(
    files.map(async (file) => {
      const found = await lstat(file).catch(() => undefined)
      if (!found?.isFile()) return
      await unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT')
          warn(io, `could not remove ${path.relative(io.cwd, file) || file}, which an earlier run wrote: ${errorMessage(err)}; until this run replaces it, it is not this run's`)
      })
    }),
  )
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

/** The nearest existing path above `file`, when it is not a directory: the file's directory could not be made. */
export function fileAbove(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : dir
    } catch {
      // Not there yet: it is made when the file is written; look further up.
    }
  }
  return undefined
}

