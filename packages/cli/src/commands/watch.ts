import { existsSync } from 'node:fs'
import path from 'node:path'
import { ConfigError, errorMessage, firstFew, plural } from '@venomqa/core'
import { isCodeFile } from '../code-files'
import { type ResolvedConfig, findConfigFile } from '../config/load'
import type { VenomConfigBase } from '../config/types'
import { EXIT, type Io, reportError, warn } from '../exit'
import { exitNow } from '../exit-guard'
import { isLiveTerminal } from '../explorations/progress'
import { type LoadedJourney, loadJourneys } from '../journeys/load'
import { forgetUserModules, isNativeEsModule, loadedUserFiles, userModuleTools } from '../load-module'
import { withCode } from '../shard/code'
import { parseShard } from '../shard/split'
import { watchFiles } from '../watch/files'
import { loadTypeScriptThroughJiti } from '../typescript/native'
import { projectImports } from '../watch/imports'
import { parseFlagValues } from './flags'
import { clearOutputsDespiteMistake } from './outputs'
import { type RunFlags, chooseJourneys, executeRun, findJourneyFiles, parseRepeatEach, setAsideRecord } from './run'
import { resolveConfig } from './session'

/** What the watcher knows of the project after a run: which files lead to which journeys. */
export interface WatchGraph {
  /** The config file and the project files it imports: a change reloads the config and reruns everything. */
  config: ReadonlySet<string>
  /** Each journey file and the project files it depends on, itself included. */
  journeys: ReadonlyMap<string, ReadonlySet<string>>
  /** User files the run loaded that no import reaches (a computed `import()`, a plugin file): a change reruns everything. */
  loose: ReadonlySet<string>
}

export interface Affected {
  config: boolean
  /** Every journey file must run again. */
  all: boolean
  /** The journey files that must run again. */
  journeys: Set<string>
  /** Changed names the graph does not know (perhaps a new journey file). */
  unknown: string[]
}

/** Which journeys a set of changed files sends back to run: a journey file runs again when it, or any file it imports, changed. */
export function affectedBy(changed: Iterable<string>, graph: WatchGraph): Affected {
  const out: Affected = { config: false, all: false, journeys: new Set(), unknown: [] }
  for (const file of changed) {
    let known = false
    if (graph.config.has(file)) known = out.config = out.all = true
    if (graph.loose.has(file)) known = out.all = true
    for (const [journeyFile, deps] of graph.journeys)
      if (deps.has(file)) {
        out.journeys.add(journeyFile)
        known = true
      }
    if (!known) out.unknown.push(file)
  }
  return out
}

/**
 * `venomqa run --watch`: run, then watch the journey files, everything they import and the config; on a
 * change, run again exactly the journeys it concerns (all of them, with the config reloaded, when the
 * config changed). Each run loads the user's modules afresh and goes through the same steps as `venomqa
 * run` (`findJourneyFiles`, `chooseJourneys`, `executeRun`). A mistake in a file is printed and the
 * watcher waits for the fix. Ctrl-C during a run interrupts it as usual (rollback, reports, exit 130);
 * q or Ctrl-C while waiting quits with 0: the runs' results are in their reports.
 */
export async function watchCommand(args: string[], flags: RunFlags, io: Io, input: NodeJS.ReadStream = process.stdin): Promise<number> {
  if (flags.lastFailed)
    throw new ConfigError('--last-failed does not combine with --watch: the watcher reruns the journeys whose files change', { where: '--last-failed' })
  const values: Partial<VenomConfigBase> = parseFlagValues(flags)
  // Each run reloads what changed, which jiti can do and Node's ES module loader cannot.
  loadTypeScriptThroughJiti()
  const shardSpec = flags.shard === undefined ? undefined : parseShard(flags.shard)
  const repeatEach = flags.repeatEach === undefined ? undefined : parseRepeatEach(flags.repeatEach)
  const rel = (file: string) => path.relative(io.cwd, file) || file
  const report = (err: unknown) => void reportError(err, io, !!flags.debug)

  let config: ResolvedConfig | undefined
  let graph: WatchGraph = { config: new Set(), journeys: new Map(), loose: new Set() }
  let watched = new Set<string>()
  // What the next run owes: kept until a run takes it, so a fix after a failed load reruns all it held back.
  let reloadConfig = true
  let runAll = true
  const rerun = new Set<string>()
  const changedSince = new Set<string>()
  /** The last load of the journey files failed: the watcher waits for a fix, wherever it comes from. */
  let loadFailed = false
  /** The config file the watcher has run with: deleted, it is waited for, never run without. */
  let ranWithConfig: string | undefined

  const queue = changeQueue()
  const watcher = watchFiles((changed) => queue.add(changed))
  /**
   * Set while the config and the journeys load. A load cannot be stopped (a journey's top-level `await`
   * that never settles held it for good), so Ctrl-C then ends the process, as `venomqa run` does while it
   * loads: the watcher ignored every Ctrl-C and SIGTERM there, and only a kill -9 ended it.
   */
  let loading = false
  /**
   * Set from "rerunning" until the run's own Ctrl-C handling is in place (executeRun's signalsTaken). The
   * watcher's handler stayed off there, so a Ctrl-C found no listener and killed the process, saying nothing.
   */
  let starting = false
  const idle = idleControls(input, () => {
    if (!loading && !starting) return queue.quit()
    io.stderr.write(`venomqa: interrupted ${starting ? 'before the run started' : 'while the config and journeys loaded'}: nothing ran\n`)
    exitNow(EXIT.INTERRUPTED)
  })
  const live = isLiveTerminal(io.stdout, io.env)

  const configFile = () => config?.file ?? (flags.config ? path.resolve(io.cwd, flags.config) : findConfigFile(io.cwd))
  const rootDir = () => config?.root ?? (configFile() ? path.dirname(configFile()!) : io.cwd)

  /**
   * Find what each journey file (and the config) imports, and watch all of it. A file the graph had that is
   * gone now stays in it (see keepingVanished): its import no longer resolves, so the scan cannot find it.
   */
  const scan = async (journeyFiles: readonly string[]) => {
    const file = configFile()
    const roots = file ? [...journeyFiles, file] : [...journeyFiles]
    const closures = projectImports(roots, await userModuleTools(rootDir()))
    const before = graph
    graph = {
      config: keepingVanished((file && closures.get(file)) || new Set(), before.config),
      journeys: new Map(journeyFiles.map((f) => [f, keepingVanished(closures.get(f)!, before.journeys.get(f))])),
      loose: new Set(),
    }
    arm()
  }
  /** Watch the graph, with the files loading brought in that no import reaches. */
  const arm = () => {
    const reached = new Set([...graph.config, ...[...graph.journeys.values()].flatMap((deps) => [...deps])])
    graph = { ...graph, loose: new Set(loadedUserFiles(rootDir(), reached).filter((f) => !reached.has(f))) }
    watched = new Set([...reached, ...graph.loose])
    watcher.set(watched)
  }

  /** One run: reload what changed, choose the journeys the changes concern, run them. A number is the exit code. */
  const cycle = async (first: boolean): Promise<number | undefined> => {
    loading = true
    try {
      return await reloadAndRun(first)
    } finally {
      loading = false
    }
  }
  /**
   * A rerun that stops before it runs (a journey that does not load, a config with a mistake) leaves none
   * of the outputs, as `venomqa run` does: the last green run's results and JUnit file would read as this
   * change's.
   */
  const stopsBeforeRunning = async (cfg: ResolvedConfig | undefined, configError?: unknown) => {
    await clearOutputsDespiteMistake(io, flags, configError === undefined ? {} : { configError }).catch((err) => warn(io, `could not remove the last run's outputs: ${errorMessage(err)}`))
    if (cfg) await setAsideRecord(cfg.root, io, shardSpec)
  }
  const reloadAndRun = async (first: boolean): Promise<number | undefined> => {
    forgetUserModules(rootDir(), watched)
    if (reloadConfig) {
      // Deleted (a branch switch, a `git stash`): a run without it would have none of its plugins, state
      // backends or reporters, and its branches no rollback. The watcher reran so, and kept running so
      // after the file came back.
      if (ranWithConfig && !existsSync(ranWithConfig)) {
        report(new ConfigError(`${rel(ranWithConfig)} is gone: waiting for it to come back; nothing runs without it (its plugins, state backends and reporters)`))
        await stopsBeforeRunning(config)
        await scan([...graph.journeys.keys()])
        return undefined
      }
      try {
        config = await resolveConfig(io, flags, values)
        reloadConfig = false
        ranWithConfig = config.file
      } catch (err) {
        config = undefined
        report(err)
        await stopsBeforeRunning(undefined, err)
        // Keep watching the journeys known so far: a change there is taken up once the config loads.
        await scan([...graph.journeys.keys()])
        return undefined
      }
    }
    const cfg = config!
    let found: { files: string[]; names: string[] }
    try {
      found = await findJourneyFiles(args, cfg, io)
    } catch (err) {
      report(err)
      await stopsBeforeRunning(cfg)
      await scan([...graph.journeys.keys()])
      return undefined
    }
    // A journey file that was not there before runs as changed.
    if (!first) for (const f of found.files) if (!graph.journeys.has(f)) rerun.add(f)
    // Before loading: a file that fails to load is watched, with its imports, so its fix is seen.
    await scan(found.files)
    let all: LoadedJourney[]
    try {
      all = await loadJourneys(found.files, cfg.root, (m) => warn(io, m))
      loadFailed = false
    } catch (err) {
      report(err)
      loadFailed = true
      arm()
      await stopsBeforeRunning(cfg)
      return undefined
    }
    // Everything loaded: a file still gone is no longer imported, and need not be waited for.
    graph = withoutVanished(graph)
    arm()
    let chosen: ReturnType<typeof chooseJourneys>
    try {
      chosen = chooseJourneys(all, found.names, flags, io, shardSpec)
    } catch (err) {
      report(err)
      await stopsBeforeRunning(cfg)
      return undefined
    }
    const toRun = runAll ? chosen.journeys : chosen.journeys.filter((j) => rerun.has(path.resolve(cfg.root, j.file)))
    runAll = false
    rerun.clear()
    if (!toRun.length) {
      io.stderr.write('venomqa: no selected journey depends on what changed: nothing to rerun\n')
      return undefined
    }
    if (queue.quitting) return EXIT.OK
    if (!first) io.stderr.write(`venomqa: rerunning ${plural(toRun.length, 'journey')}: ${firstFew(toRun.map((j) => j.journey.name), 10)}\n`)
    loading = false
    starting = true
    // Ctrl-C belongs to the run once it listens: it interrupts it the way it interrupts `venomqa run`.
    const signalsTaken = () => {
      starting = false
      idle.signals(false)
    }
    try {
      await setAsideRecord(cfg.root, io, shardSpec)
      const shard = chosen.shard && (await withCode(chosen.shard, chosen.selectedFiles, cfg.root, io.env))
      const code = await executeRun(cfg, toRun, flags, io, { shard, repeatEach, signalsTaken })
      return code === EXIT.INTERRUPTED ? code : undefined
    } catch (err) {
      report(err)
      return undefined
    } finally {
      starting = false
      idle.signals(true)
      // Plugin files the session loaded are user files too.
      arm()
    }
  }

  /** Take a batch of changes into what the next run owes; false when none of it concerns a journey. */
  const take = async (changed: Set<string>): Promise<boolean> => {
    const roots = new Set([...graph.journeys.keys(), configFile()])
    const stuck = [...changed].filter((f) => watched.has(f) && !roots.has(f) && isNativeEsModule(f))
    for (const f of stuck)
      warn(io, `${rel(f)} changed, but Node keeps the first version of a JavaScript ES module another file imports: restart the watcher to load it (TypeScript, CommonJS and JSON files reload)`)
    const affected = affectedBy([...changed].filter((f) => !stuck.includes(f)), graph)
    let concerns = affected.config || affected.all || affected.journeys.size > 0
    if (affected.config) reloadConfig = true
    if (affected.all) runAll = true
    for (const f of affected.journeys) rerun.add(f)
    if (!concerns && affected.unknown.length && config) {
      // A name the graph does not know in a watched directory: a new journey file, or anything else.
      const found = await findJourneyFiles(args, config, io).catch(() => undefined)
      const fresh = found?.files.filter((f) => !graph.journeys.has(f)) ?? []
      for (const f of fresh) rerun.add(f)
      // While a journey cannot load, a file that appears may be the import it lacks (deleted, then put
      // back by a `git stash pop` or a branch switch): its import no longer resolved, so the graph lost it.
      // Only a file an import can name: a log or the watcher's own output redirected into the project
      // (`venomqa run --watch > watch.log`) changed with every failed reload, and reloaded it, in a loop.
      const mayBeImport = loadFailed ? affected.unknown.filter(isImportable) : []
      concerns = fresh.length > 0 || mayBeImport.length > 0
      for (const f of mayBeImport) changedSince.add(f)
    }
    if (concerns) for (const f of changed) if (!stuck.includes(f) && (watched.has(f) || rerun.has(f))) changedSince.add(f)
    return concerns
  }

  try {
    for (let first = true; ; first = false) {
      if (!first) {
        // Each run on a clean screen, on a terminal a person watches (not in CI, not when piped).
        if (live) io.stdout.write('\x1b[2J\x1b[H')
        const list = [...changedSince].map(rel)
        changedSince.clear()
        io.stderr.write(`venomqa: ${firstFew(list)} changed${reloadConfig ? ': reloading the config' : ''}\n`)
      }
      const exit = await cycle(first)
      if (exit !== undefined) return exit
      io.stderr.write(`venomqa: watching ${plural(watched.size, 'file')}\n`)
      io.stderr.write(`Waiting for file changes... press ${idle.keypresses ? 'q or ' : ''}Ctrl-C to quit\n`)
      for (;;) {
        idle.keys(true)
        const changed = await queue.next()
        idle.keys(false)
        if (changed === 'quit') return EXIT.OK
        if (await take(changed)) break
      }
    }
  } finally {
    watcher.close()
    idle.stop()
  }
}

/**
 * `found`, with the files of `before` that no longer exist. An imported file deleted (a `git stash`, a
 * branch switch) does not resolve, so a new scan loses it, and with it the watch on its directory when it
 * was the only file watched there (a helper in a directory of its own): put back, it went unnoticed until
 * the journey itself changed. Kept, it is watched for, and its return reruns the journeys that imported it.
 */
export function keepingVanished(found: Set<string>, before: ReadonlySet<string> | undefined): Set<string> {
  for (const file of before ?? []) if (!found.has(file) && !existsSync(file)) found.add(file)
  return found
}

/** The graph without the files that do not exist (see keepingVanished), once the journeys load without them. */
export function withoutVanished(graph: WatchGraph): WatchGraph {
  const present = (files: ReadonlySet<string>) => new Set([...files].filter((f) => existsSync(f)))
  return { config: present(graph.config), journeys: new Map([...graph.journeys].map(([f, deps]) => [f, present(deps)])), loose: graph.loose }
}

/** Batches of changed files, and the request to quit, for a loop that waits on them. */
function changeQueue() {
  let pending = new Set<string>()
  let quitting = false
  let wake: (() => void) | undefined
  return {
    get quitting() {
      return quitting
    },
    add(files: Iterable<string>) {
      for (const f of files) pending.add(f)
      wake?.()
    },
    quit() {
      quitting = true
      wake?.()
    },
    async next(): Promise<Set<string> | 'quit'> {
      // Waiting on a promise holds no handle: with nothing watched (a config that failed before any
      // file was known) Node would end the process, so a timer keeps it up while the loop waits.
      const keepAlive = setInterval(() => {}, 2 ** 30)
      try {
        while (!quitting && !pending.size) await new Promise<void>((resolve) => (wake = resolve))
      } finally {
        clearInterval(keepAlive)
        wake = undefined
      }
      if (quitting) return 'quit'
      const out = pending
      pending = new Set()
      return out
    },
  }
}

/**
 * Quitting while no run is going on: SIGINT and SIGTERM (switched off during a run, which has its own
 * handling), and on a terminal the q key or Ctrl-C, read in raw mode while waiting for changes only, so
 * that during a run Ctrl-C is the terminal's signal as usual.
 */
function idleControls(input: NodeJS.ReadStream, quit: () => void) {
  const keypresses = !!input.isTTY && typeof input.setRawMode === 'function'
  const onSignal = () => quit()
  const onData = (data: Buffer | string) => {
    for (const key of String(data)) if (key === 'q' || key === 'Q' || key === '\u0003') quit()
  }
  let signalsOn = false
  let keysOn = false
  const signals = (on: boolean) => {
    if (on === signalsOn) return
    signalsOn = on
    for (const signal of ['SIGINT', 'SIGTERM'] as const) on ? process.on(signal, onSignal) : process.off(signal, onSignal)
  }
  const keys = (on: boolean) => {
    if (!keypresses || on === keysOn) return
    keysOn = on
    if (on) {
      input.setRawMode(true)
      input.on('data', onData)
      input.resume()
    } else {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
    }
  }
  signals(true)
  return {
    keypresses,
    signals,
    keys,
    stop() {
      keys(false)
      signals(false)
    },
  }
}

/** A file an import may name: a module (JavaScript, TypeScript) or JSON, as a journey or its helpers import them. */
function isImportable(file: string): boolean {
  return isCodeFile(file) || file.toLowerCase().endsWith('.json')
}
