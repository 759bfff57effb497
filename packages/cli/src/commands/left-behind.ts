import { existsSync } from 'node:fs'
import { type MadeByWorkerSetup, type Reporter, type StateBackend, escapeControlChars, madeByWorkerSetups, redactText } from '@venomqa/core'
import type { PutBackProgress } from '@venomqa/runner'
import { shownPath } from './save-results'

/** Where a run had got to: what quitting leaves behind depends on it. */
export type RunStage = 'setting up' | 'running' | 'reporting' | 'closing' | 'finishing'

interface JourneyInFlight {
  /** Its runs under way: a journey repeated (`--repeat-each`) may run on several workers at once. */
  running: number
  /** Its oldest checkpoint, the one an interrupted journey is put back to, and the backends that took it. */
  checkpoint?: { name: string; backends: string[] }
  /** It was put back (a rollback for the interruption, its timeout, its workers' failure, or its `restore`). */
  putBack: boolean
  /**
   * The backends that have put their part back so far, while it is being put back (they go one after
   * another): a quit in the middle leaves only the others' part in the app's data.
   */
  partsBack: Set<string>
  /** Its put-back failed: it ended with what the other backends hold still in the app's data. */
  putBackFailed: boolean
}

/** What closing tidies, which quitting before it finished leaves in place, before the run's state backends are known. */
const CLOSING_LEAVES =
  "a state backend may keep what it set up in the system under test until the next run connects (a snapshot's tracking tables and triggers, a template's checkpoint copies), and a server a plugin started may still run"
/** What closing tidies beside the state backends, which each say what they leave (see StateBackend.leftWhenQuit). */
const SERVERS_LEFT = 'a server a plugin started may still run'

type KnownBackend = Pick<StateBackend, 'name' | 'undoesOpenCheckpointsWhenLetGo' | 'leftWhenQuit'>

/**
 * What a run leaves behind when it is quit before it finished (a second Ctrl-C): said from where it
 * stopped, so that the user knows what to clean up, instead of a list of everything that might be.
 * Follows the journeys through hooks (started, first checkpoint, put back, ended) and is told the stage.
 */
export class LeftBehind {
  #stage: RunStage = 'setting up'
  readonly #journeys = new Map<string, JourneyInFlight>()
  #outputs: readonly string[] = []
  /** The run's state backends; undefined until the plugins are set up (then nothing is assumed of them). */
  #backends?: readonly KnownBackend[]

  constructor(
    private readonly cwd: string,
    /** The run has workers of its own (their databases and apps). */
    private readonly workers: boolean,
  ) {}

  set stage(stage: RunStage) {
    this.#stage = stage
  }

  /** The files the run is to write (cleared before it started: one that exists now was written by it). */
  set outputs(files: readonly string[]) {
    this.#outputs = files
  }

  /** The run's state backends, once its plugins are set up: which of them put the app's data back themselves. */
  set backends(backends: readonly KnownBackend[]) {
    this.#backends = backends
  }

  /** Hooks only, added to the runner like a live reporter's. */
  readonly reporter: Reporter = {
    name: 'left-behind',
    hooks: {
      journeyStart: (e) => {
        const j = this.#journeys.get(e.journey.name)
        if (j) j.running++
        else this.#journeys.set(e.journey.name, { running: 1, putBack: false, partsBack: new Set(), putBackFailed: false })
      },
      checkpoint: (e) => {
        const j = this.#journeys.get(e.journey)
        // Without a state backend a checkpoint saves nothing, and there is nothing to put back.
        if (j && !j.checkpoint && e.backends.length) j.checkpoint = { name: e.name, backends: e.backends.map((b) => b.backend) }
      },
      rollback: (e) => {
        const j = this.#journeys.get(e.journey)
        if (j && (e.reason === 'interrupt' || e.reason === 'timeout' || e.reason === 'stopped' || e.reason === 'restore')) j.putBack = true
      },
      journeyEnd: (e) => {
        const j = this.#journeys.get(e.journey.name)
        // One whose put-back failed is still not put back once it ended: said as long as the run is quit.
        if (j && --j.running <= 0 && !(j.putBackFailed && !j.putBack && j.checkpoint)) this.#journeys.delete(e.journey.name)
      },
    },
  }

  /**
   * Follows a journey being put back, backend by backend (the runner's onPutBack): a quit in the middle
   * says only the backends that had not put their part back.
   */
  readonly onPutBack = (progress: PutBackProgress): void => {
    const j = this.#journeys.get(progress.journey)
    if (!j) return
    for (const backend of progress.done) j.partsBack.add(backend)
    if (progress.failed) j.putBackFailed = true
  }

  /** One line per thing left, most urgent first: the app's data, then the files, then what closing tidies. */
  lines(): string[] {
    const lines: string[] = []
    // Names come from journey definitions, which may be built from data: escaped and masked, as the console's.
    const shown = (text: string) => escapeControlChars(redactText(text))
    // While running, the journeys under way; after it, those whose put-back failed are still in the list.
    if (this.#stage !== 'setting up')
      for (const [name, j] of this.#journeys) {
        if (!j.checkpoint || j.putBack) continue
        const line = this.#notPutBack(shown(name), shown(j.checkpoint.name), j.checkpoint.backends, j.partsBack)
        if (line) lines.push(line)
      }
    if (this.#stage === 'setting up') lines.push('no results or report file was written')
    const missing = this.#stage === 'running' || this.#stage === 'reporting' ? this.#outputs.filter((file) => !existsSync(file)) : []
    if (missing.length) lines.push(`not written: ${missing.map((file) => shownPath(this.cwd, file)).join(', ')}`)
    if (this.#stage === 'finishing') {
      // Closed, reports written: what is cut short is their second writing (with what closing found) and the record of the run.
      lines.push('the reports and results were written; a problem closing found may be missing from them, and `--last-failed` has no record of this run')
      return lines
    }
    const closingLeaves = this.#closingLeaves()
    lines.push(`${this.#stage === 'setting up' ? 'setting up did not finish, nor did closing what was set up' : 'closing did not finish'}: ${closingLeaves}`)
    const made = madeByWorkersLines()
    if (made.length) lines.push(...made, "the workers' apps may still be there")
    else if (this.workers) lines.push("the workers' databases and apps may still be there")
    return lines
  }

  /**
   * What closing would have removed: each state backend's own words for what it leaves (one that leaves
   * nothing is not named; one that does not say may leave what it set up), then the servers plugins started.
   */
  #closingLeaves(): string {
    if (!this.#backends) return CLOSING_LEAVES
    const backends = this.#backends.flatMap((b) => {
      const name = escapeControlChars(redactText(b.name))
      if (b.leftWhenQuit) return [`${name} ${escapeControlChars(redactText(b.leftWhenQuit))} until the next run connects`]
      if (b.leftWhenQuit === false || b.undoesOpenCheckpointsWhenLetGo === true) return []
      return [`${name} may keep what it set up in the system under test until the next run connects`]
    })
    return [...backends, SERVERS_LEFT].join('; ')
  }

  /**
   * A journey quit under its checkpoint: what its backends leave in the app's data. A backend that put
   * its part back already (the interrupted journey's rollback got that far) leaves nothing, nor does one
   * that undoes it itself once this process ends (a proxy that rolls back its transaction). Undefined
   * when every backend put its part back (the rollback's hook had not come yet).
   */
  #notPutBack(journey: string, checkpoint: string, backends: readonly string[], partsBack: ReadonlySet<string>): string | undefined {
    const notPutBack = `journey "${journey}" was not put back to its checkpoint "${checkpoint}"`
    const undoesItself = (name: string) => this.#backends?.some((b) => b.name === name && b.undoesOpenCheckpointsWhenLetGo === true) === true
    const back = backends.filter((b) => partsBack.has(b))
    const pending = backends.filter((b) => !partsBack.has(b))
    if (!pending.length) return undefined
    const undoing = pending.filter(undoesItself)
    const left = pending.filter((b) => !undoesItself(b))
    const part = left.length || back.length ? (undoing.length === 1 ? 'its part' : 'their part') : 'it'
    const undone = `${undoing.join(', ')} ${undoing.length === 1 ? 'undoes' : 'undo'} ${part} itself once this process ends`
    if (back.length) {
      // Named both ways: a line that named every backend was taken to mean that none had put its part back.
      const partly = `journey "${journey}" was put back to its checkpoint "${checkpoint}" in ${back.join(', ')} only`
      if (!left.length) return `${partly}, and ${undone}, so the next run does not start from it`
      const stays = `${partly}, not in ${left.join(', ')}: what it wrote there since is still in the app's data, and the next run starts from it`
      return undoing.length ? `${stays}; ${undone}` : stays
    }
    const stays = `what it wrote since is still in the app's data, and the next run starts from it`
    if (!undoing.length) return `${notPutBack} (${left.join(', ')}): ${stays}`
    if (!left.length) return `${notPutBack} by the run, but ${undone}, so the next run does not start from it`
    return `${notPutBack} (${left.join(', ')}): ${stays}; ${undone}`
  }
}

/**
 * What worker setups made and did not remove yet (postgresWorkers' and mysqlWorkers' databases,
 * redisWorkers' keys), or those of `all`, one line per kind, databases first, each thing by name with how
 * to remove it by hand; none when there is nothing. Names only: a URL may hold a password.
 */
export function madeByWorkersLines(all: readonly MadeByWorkerSetup[] = madeByWorkerSetups()): string[] {
  const kinds = new Map<string, MadeByWorkerSetup[]>()
  for (const made of all) kinds.set(made.kind, [...(kinds.get(made.kind) ?? []), made])
  return [...kinds].sort(([a], [b]) => Number(b === 'database') - Number(a === 'database')).map(([kind, made]) => madeLine(kind, made))
}

/**
 * `the worker databases "app_w1", "app_w2" are still there (...): drop them with ...`, or for a kind that
 * is a plural noun already (`Redis keys`), `the worker Redis keys "w1:app:*" (DB 14) are still there...`.
 */
function madeLine(kind: string, made: MadeByWorkerSetup[]): string {
  // By name, w2 before w10: made at once, they come in any order.
  const sorted = [...made].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || (a.where ?? '').localeCompare(b.where ?? '', 'en', { numeric: true }))
  const severalAlready = kind.endsWith('s')
  const one = sorted.length === 1 && !severalAlready
  const verb = kind === 'database' ? 'drop' : 'remove'
  const names = sorted.map((m) => `${JSON.stringify(m.name)}${m.where ? ` (${m.where})` : ''}`).join(', ')
  const removes = sorted.map((m) => m.remove).join('; ')
  const shown = `the worker ${one || severalAlready ? kind : `${kind}s`} ${names} ${one ? 'is' : 'are'} still there (a later run ${verb}s ${severalAlready ? 'them' : 'one'} only if it makes that same worker again): ${verb} ${one ? 'it' : 'them'} with ${removes}`
  return escapeControlChars(shown)
}
