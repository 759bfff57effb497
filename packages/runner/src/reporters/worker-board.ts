import { HOOK_NAMES, type JourneyResult, type LifecycleHooks } from '@venomqa/core'
import { shownNames } from './format'

/** Visible text of a line: colours take no room on the screen. */
const ANSI = /\x1b\[[0-9;]*m/g

/**
 * The live block at the bottom of a terminal while workers run: one line per worker and a total line,
 * rewritten in place. Everything else is printed above it as whole blocks, so what several workers do
 * at once never interleaves. Lines are cut to the terminal's width: a wrapped line would break the
 * count of lines to go back up over.
 */
export class WorkerBoard {
  readonly #stream: NodeJS.WritableStream
  readonly #workers: string[]
  #total = ''
  /** Lines of the board on the screen now; the cursor is at the end of the last one. */
  #drawn = 0

  constructor(stream: NodeJS.WritableStream, workers: number) {
    this.#stream = stream
    this.#workers = Array.from({ length: workers }, () => '')
  }

  /** What worker `index` is doing ('' when idle). Redrawn only when it changed. */
  setWorker(index: number, text: string): void {
    if (index >= this.#workers.length) this.#workers.length = index + 1
    if (this.#workers[index] === text) return
    this.#workers[index] = text
    this.#write(this.#frame())
  }

  setTotal(text: string): void {
    if (this.#total === text) return
    this.#total = text
    this.#write(this.#frame())
  }

  /** Print whole lines above the board, in one write with the board redrawn under them. */
  print(lines: readonly string[]): void {
    this.#write(`${lines.map((l) => `${l}\n`).join('')}${this.#frame()}`)
  }

  /** Take the board off the screen (the run is over). */
  clear(): void {
    if (!this.#drawn) return
    this.#stream.write(this.#erase())
    this.#drawn = 0
  }

  #write(after: string): void {
    this.#stream.write(`${this.#erase()}${after}`)
    this.#drawn = this.#workers.length + 1
  }

  /** Back to the start of the board's first line, and clear to the end of the screen. */
  #erase(): string {
    if (!this.#drawn) return ''
    return `\r${this.#drawn > 1 ? `\x1b[${this.#drawn - 1}A` : ''}\x1b[J`
  }

  #frame(): string {
    const width = Math.max(20, ((this.#stream as NodeJS.WriteStream).columns || 80) - 1)
    const label = (k: number) => `worker ${k}`.padEnd(`worker ${this.#workers.length - 1}`.length)
    const lines = this.#workers.map((text, k) => `${label(k)}  ${text || 'idle'}`)
    lines.push(this.#total)
    return lines.map((l) => cut(l, width)).join('\n')
  }
}

/** At most `width` visible characters; a cut line ends in an ellipsis. Colours are dropped from cut lines. */
export function cut(line: string, width: number): string {
  const plain = line.replace(ANSI, '')
  if ([...plain].length <= width) return line
  return `${[...plain].slice(0, width - 1).join('')}…`
}

type Hooks = Partial<LifecycleHooks>

export interface BoardOptions {
  stream: NodeJS.WritableStream
  /** A TTY outside CI: elsewhere the plain lines stay as they are. */
  enabled: boolean
  /** A finished journey as the lines it would have printed live, ready for the terminal. */
  journeyLines(result: JourneyResult): string[]
}

/**
 * The console's live lines, with a worker board when several workers run on a TTY: the run's header is
 * printed as usual, then each journey is printed whole when it ends (its lines from several workers
 * would interleave otherwise) while the board shows what every worker does now and the total so far.
 */
export function withWorkerBoard(lines: Hooks, options: BoardOptions): Hooks {
  // No board where it cannot be shown: the lines' own hooks, with nothing in between.
  if (!options.enabled) return lines
  let board: WorkerBoard | undefined
  const journeys = { total: 0, done: 0 }
  const steps = { passed: 0, failed: 0, skipped: 0 }
  /** Workers running a journey now: a path that ends there leaves the line to its journey. */
  const journeyWorkers = new Set<number>()
  /** Paths open on each worker a branch sent paths to: a nested path's end leaves the line to its parent. */
  const openPaths = new Map<number, number>()
  const total = () => {
    const failed = steps.failed ? `, ${steps.failed} failed` : ''
    const skipped = steps.skipped ? `, ${steps.skipped} skipped` : ''
    board?.setTotal(`[${journeys.done}/${journeys.total} journeys] steps: ${steps.passed} passed${failed}${skipped}`)
  }

  // Every event says which worker it comes from (the main line, 0, is left out): two runs of one journey
  // at once (`--repeat-each` with workers) have one name, so a name cannot say which line is whose.
  const boarded: Hooks = {
    journeyStart(e) {
      const w = e.worker ?? 0
      journeyWorkers.add(w)
      board!.setWorker(w, shownNames(e.journey.name))
    },
    pathStart(e) {
      const w = e.worker ?? 0
      if (!journeyWorkers.has(w)) openPaths.set(w, (openPaths.get(w) ?? 0) + 1)
      board!.setWorker(w, shownNames(`${e.journey} › ${e.path}`))
    },
    stepStart(e) {
      const where = e.path === 'main' ? '' : `${e.path} › `
      board!.setWorker(e.worker ?? 0, shownNames(`${e.journey} › ${where}${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`))
    },
    stepEnd(e) {
      steps[e.result.status]++
      total()
    },
    pathEnd(e) {
      // A worker a branch sent a path to is idle once that path, and every path nested in it, has ended.
      const w = e.result.worker
      if (w === undefined || journeyWorkers.has(w)) return
      const open = (openPaths.get(w) ?? 1) - 1
      if (open > 0) return void openPaths.set(w, open)
      openPaths.delete(w)
      board!.setWorker(w, '')
    },
    journeyEnd(e) {
      // An attempt that will be retried is not a journey done: the next attempt is the same journey.
      if (!e.willRetry) journeys.done++
      const w = e.result.worker ?? 0
      journeyWorkers.delete(w)
      board!.setWorker(w, '')
      board!.print(['', ...options.journeyLines(e.result)])
      total()
    },
    runEnd(e) {
      board!.clear()
      board = undefined
      return lines.runEnd?.(e)
    },
  }

  const hooks: Hooks = {
    runStart(e) {
      const r = lines.runStart?.(e)
      if (options.enabled && (e.workers ?? 1) > 1) {
        board = new WorkerBoard(options.stream, e.workers!)
        journeys.total = e.journeys.length
        journeys.done = 0
        total()
      }
      return r
    },
  }
  // Every other event: to the board while there is one (what it does not show is in the journey's block), else the line.
  for (const name of HOOK_NAMES) {
    if (name === 'runStart') continue
    const line = lines[name] as ((e: unknown) => void | Promise<void>) | undefined
    const onBoard = boarded[name] as ((e: unknown) => void | Promise<void>) | undefined
    if (!line && !onBoard) continue
    ;(hooks as Record<string, (e: unknown) => void | Promise<void>>)[name] = (e) => (board ? onBoard?.(e) : line?.(e))
  }
  return hooks
}
