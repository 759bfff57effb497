import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { UserError, errorMessage, firstFew, plural } from '@venomqa/core'
import { EXIT, type Io, warn } from '../exit'
import { reporterRequests } from '../reporters'
import { checkShards, leaveOutMerges, mergeShards, type ShardFile } from '../shard/merge'
import { giveDirectoryInstead, holdsMerge, holdsShard } from '../shard/files'
import { checkSameCode } from '../shard/code'
import { missingShardMessage, missingShards } from '../shard/missing'
import { checkOneRun } from '../shard/run-id'
import { explorationReporterSpecs, explorationTargets, holdsExploration } from './explore-reports'
import { MergeInterrupt } from './merge-interrupt'
import { NotAResultsFile, readResults, unreadableShardInput } from './report'
import { checkReportFiles, clearOutputs, clearOutputsDespiteMistake, configRead } from './outputs'
import { RunOutputs } from './run-outputs'
import { type ConfigFlags, openSession, redactOptions, renderingConfig, sessionReporters } from './session'

export interface MergeReportsFlags extends ConfigFlags {
  reporter?: string[]
  save?: string
  /** A flaky journey fails the merged run (exit 1), whatever the shards were run with. */
  failOnFlaky?: boolean
}

/**
 * `venomqa merge-reports <files or dirs...>`: join the shards of one split (`--shard i/n --save`) into
 * one run, check that each shard is there once, and from the same split (exit 2 otherwise), then
 * render it with every reporter as `venomqa report` does and save it. A shard that is not there fails the
 * merged run, which is written all the same (see missingShards). Exit 1 when the merged run failed:
 * judged again as `venomqa run` judges a run, with this command's `failOnFlaky` (flag, env or config).
 * Ctrl-C or SIGTERM stops it with exit 130, leaving none of its outputs (see MergeInterrupt).
 */
export async function mergeReportsCommand(inputs: string[], flags: MergeReportsFlags, io: Io): Promise<number> {
  const interrupt = new MergeInterrupt(io)
  let files: string[] = []
  let exploring = false
  try {
    const found = await resultFiles(inputs, io.cwd, flags.save)
    files = found.files
    const shards = await readShards(found, io, interrupt)
    exploring = shards.exploration
    const code = await merge(found, shards, flags, io, interrupt)
    // A signal while the last output was written (the console's summary, a delivery) or while the session
    // closed: nothing checked for it after, and the merge exited 0 with its outputs, after saying it stops.
    interrupt.check()
    return code
  } catch (err) {
    // Whatever the interrupt cut short (a plugin's setup that stopped on it too): exit 130, no output left.
    if (!interrupt.interrupted) throw err
    return await interrupt.leaveNone(() => clearMergeOutputs(io, flags, files, exploring))
  } finally {
    interrupt.off()
  }
}

/**
 * What the flags and the config name as the merge's outputs, removed when it stops before they are known
 * (see mergeReportsCommand), never a file to merge or a shard's results, and never the config's `save`,
 * which is the runs' results, not the merge's.
 */
function clearMergeOutputs(io: Io, flags: MergeReportsFlags, files: readonly string[], exploration: boolean): Promise<void> {
  return clearOutputsDespiteMistake(io, flags, { configSave: false, keep: files.map((file) => path.resolve(io.cwd, file)), spare: holdsShard, forExploration: exploration }).catch(() => {})
}

/** Each file read, or why it could not be (thrown once the outputs are cleared), and whether the files are an exploration's. */
interface ShardsRead {
  /** Each with the warnings reading it gave, told when the merge comes to it: in the order the files are given. */
  read: (({ file: string; run: ShardFile['run'] } | { file: string; unreadable: unknown }) & { warnings: string[] })[]
  exploration: boolean
}

/**
 * The files to merge, read before anything is written (what reading one warns of is kept with it, and told
 * in the files' order, see merge): an exploration's shards (`explore --shard`) write
 * the config's reports under the exploration's names (`.explore` before the extension), as explore did,
 * and that is known only from the files. One that cannot be read is thrown by the merge after clearing its
 * outputs, as when it read them there, unless it is left out as the merge's own report (leaveOutOwnReports).
 */
async function readShards({ files, listed }: ResultFiles, io: Io, interrupt: MergeInterrupt): Promise<ShardsRead> {
  const read: ShardsRead['read'] = []
  for (const file of files) {
    interrupt.check()
    const warnings: string[] = []
    try {
      read.push({ file, run: await readResults(file, io.cwd, (m) => warnings.push(m)).catch(inDirectory(file, listed)), warnings })
    } catch (err) {
      if (interrupt.interrupted) throw err
      read.push({ file, unreadable: err, warnings })
    }
  }
  return { read, exploration: read.some((r) => 'run' in r && holdsExploration(r.run)) }
}

async function merge({ files, listed, missing }: ResultFiles, read: ShardsRead, flags: MergeReportsFlags, io: Io, interrupt: MergeInterrupt): Promise<number> {
  // A mistake found before the outputs are checked (an unknown reporter, a config or profile that is not
  // there) fails the merge too: what the flags and the config name goes, as `venomqa run` removes its own.
  const clearingOutputs = async (err: unknown): Promise<never> => {
    await clearMergeOutputs(io, flags, files, read.exploration)
    throw err
  }
  const rendering = await renderingConfig(io, flags, {
    ...(flags.reporter?.length ? { reporters: flags.reporter } : {}),
    ...(flags.failOnFlaky ? { failOnFlaky: true } : {}),
  }).catch(clearingOutputs)
  const config = read.exploration ? { ...rendering, reporters: explorationReporterSpecs(rendering.reporters, rendering.reporterWhere) } : rendering
  const requests = reporterRequests(config, io.cwd)
  interrupt.check()
  const session = await openSession(io, config, { reporters: requests, debug: flags.debug, signal: interrupt.signal }).catch(clearingOutputs)
  const redact = redactOptions(config.redactKeys)
  try {
    interrupt.check()
    const made = await sessionReporters(session, requests, (name) => (name === 'console' ? { stream: io.stdout } : {})).catch(clearingOutputs)
    const targets = read.exploration ? explorationTargets(made) : made
    await leaveOutOwnReports({ files, listed }, targets, io.cwd)
    // An earlier merge among the files (a glob over the shards' directory takes in the merge saved there): said so.
    const inputs = await Promise.all(
      files.map(async (file) => ({
        file,
        what: (await holdsMerge(path.resolve(io.cwd, file)))
          ? `one of the files to merge, though it is the output of an earlier merge-reports (${giveDirectoryInstead(file)})`
          : 'one of the files to merge',
      })),
    )
    const outputFiles = checkReportFiles(targets, flags.save, io.cwd, undefined, [...inputs, ...configRead(config.file)])
    interrupt.outputs = outputFiles
    // Before the shards are read: a merge that fails on them (of two splits) leaves no earlier merge's
    // reports behind, which a CI step would take for this one's, as `venomqa run` does.
    await clearOutputs(outputFiles, io)
    // Only now: a shard's artifact that never arrived is a failed merge like any other, and must not leave
    // the last merge's reports in place either.
    if (missing) throw missing

    const shards: ShardFile[] = []
    // Each file's warnings, then its error: a later file's are not told before an earlier one stops the merge.
    for (const r of read.read.filter((r) => files.includes(r.file))) {
      for (const m of r.warnings) warn(io, m)
      if ('unreadable' in r) throw r.unreadable
      shards.push(r)
    }
    const toMerge = leaveOutMerges(shards, (file) => listed.has(file), (m) => warn(io, m))
    const checked = checkShards(toMerge)
    const unknownRun = checkOneRun(toMerge)
    checkSameCode(toMerge)
    if (unknownRun) warn(io, unknownRun)
    // Merged all the same: the reports show what the shards there found, and the run fails for the rest.
    for (const m of missingShards(checked)) io.stderr.write(`venomqa: ${missingShardMessage(m, checked)}\n`)
    const merged = mergeShards(checked, { failOnFlaky: config.failOnFlaky })
    const reruns = toMerge.filter((s) => s.run.rerunOf).length
    io.stderr.write(
      `venomqa: merged ${plural(checked.length, 'shard')}${reruns ? ` and ${plural(reruns, '--last-failed rerun')}` : ''}: ${plural(merged.journeys.length, 'journey')}, ${plural(merged.explorations?.length ?? 0, 'exploration')}\n`,
    )
    const { writeReports } = await import('@venomqa/runner')
    // As `venomqa run` writes them: the files, then the console's summary with the final verdict. Once
    // interrupted, no report is started: the one under way finishes, and the merge removes them all.
    const outputs = new RunOutputs(io, {
      ...(flags.save ? { save: { file: path.resolve(io.cwd, flags.save), where: '--save', what: 'merged results' } } : {}),
      targets,
      writeReports: (run, some, ctx) => {
        interrupt.check()
        return writeReports(run, some, ctx)
      },
      reportCtx: { cwd: io.cwd, stdout: io.stdout, warn: (m) => warn(io, m), redact, timeoutMs: session.runner.pluginTimeoutMs },
      redact,
    })
    interrupt.check()
    await outputs.writeFiles(merged)
    interrupt.check()
    await outputs.finish(merged)
    if (merged.interrupted) return EXIT.INTERRUPTED
    return merged.status === 'passed' ? EXIT.OK : EXIT.FAILED
  } finally {
    await session.runner.close().catch(() => {})
  }
}

/** The files to merge, the directory each was listed from, and an input that could not be read. */
interface ResultFiles {
  files: string[]
  listed: Map<string, string>
  missing?: UserError
}

/**
 * The files given, with each directory standing for the .json files directly in it (sorted, so the order
 * is stable), except the --save file: merging again into the same directory must not read the last merge.
 * An input that cannot be read is handed back as `missing`, not thrown, for the command to throw once it
 * has removed its outputs; it stays among the files, so an output over it is still refused.
 */
async function resultFiles(inputs: readonly string[], cwd: string, save: string | undefined): Promise<ResultFiles> {
  const saved = save && path.resolve(cwd, save)
  const files: string[] = []
  /** The files a directory stood for, with that directory as it was given. */
  const listed = new Map<string, string>()
  let missing: UserError | undefined
  for (const input of inputs) {
    const abs = path.resolve(cwd, input)
    let names: string[] | undefined
    try {
      if ((await stat(abs)).isDirectory()) names = await readdir(abs)
    } catch (err) {
      missing ??= unreadableShardInput(err, input)
      files.push(input)
      continue
    }
    if (!names) files.push(input)
    else {
      const json = names.filter((n) => n.endsWith('.json')).sort()
      for (const name of json)
        if (path.join(abs, name) !== saved || (await holdsShard(saved))) {
          files.push(path.join(input, name))
          listed.set(path.join(input, name), input)
        }
      if (!json.length) missing ??= await nestedOnly(input, abs, names)
    }
  }
  return missing ? { files, listed, missing } : { files, listed }
}

/**
 * The files a directory stood for that a reporter of this merge writes (`-r json:out/merged.json`, with
 * `out` given): the last merge's report, left out as the --save file is (see resultFiles), so that the same
 * command runs again on the same directory. Taken out of `found.files` itself, which the command also
 * keeps from removal on an interrupt. A shard's file stays, and writing over it is refused.
 */
async function leaveOutOwnReports(found: Pick<ResultFiles, 'files' | 'listed'>, targets: readonly { target?: string }[], cwd: string): Promise<void> {
  const written = new Set(targets.flatMap((t) => (t.target && t.target !== '-' ? [path.resolve(cwd, t.target)] : [])))
  for (let i = found.files.length - 1; i >= 0; i--) {
    const file = found.files[i]!
    if (found.listed.has(file) && written.has(path.resolve(cwd, file)) && !(await holdsShard(path.resolve(cwd, file)))) {
      found.files.splice(i, 1)
      found.listed.delete(file)
    }
  }
}

/**
 * A file a directory stood for that is no results file (a package-lock.json beside the shards'): the error
 * says where it came from and what to give instead. Told only "it is not a results file", a user was left
 * to wonder why a file they never named was read.
 */
function inDirectory(file: string, listed: ReadonlyMap<string, string>): (err: unknown) => never {
  return (err) => {
    const dir = listed.get(file)
    // A shard's own file that is broken (cut short, of a newer version) is not to be moved out: said as it is.
    if (!dir || !(err instanceof NotAResultsFile)) throw err
    throw new UserError('E_RESULTS', `${errorMessage(err)}; it was read as one of the shards because it is a .json file in ${dir}: give the shards' files themselves, or move it out of ${dir}`, { where: file })
  }
}

/**
 * A directory with no .json file of its own whose subdirectories hold some: what a CI download of each
 * shard's artifact into a directory of its own makes (GitHub's download-artifact without merge-multiple).
 * Its files are not merged unasked (a directory stands for the files directly in it), but the mistake is
 * said with what to give instead; undefined when no subdirectory holds one.
 */
async function nestedOnly(input: string, abs: string, names: readonly string[]): Promise<UserError | undefined> {
  const holding: string[] = []
  for (const name of [...names].sort()) {
    const sub = path.join(abs, name)
    try {
      if ((await stat(sub)).isDirectory() && (await readdir(sub)).some((n) => n.endsWith('.json'))) holding.push(name)
    } catch {
      // Not readable: not one to point at.
    }
  }
  if (!holding.length) return undefined
  const dir = input.replace(/[\\/]+$/, '')
  return new UserError(
    'E_MERGE',
    `${input} holds no results file, but its ${holding.length === 1 ? 'subdirectory' : 'subdirectories'} ${firstFew(holding, 5)} ${holding.length === 1 ? 'does' : 'do'}: give ${holding.length === 1 ? 'it' : 'them'} (venomqa merge-reports ${dir}/*/), as a download of each shard's artifact into a directory of its own lays them out`,
    { where: input },
  )
}
