/**
 * Writes to a stream gathered into batches, in the order they were made.
 *
 * Why: a write to a pipe or file is a system call, and on a pipe it wakes the reader too; the console
 * reporter's line per step made that the largest cost a `venomqa run` adds to a journey (about 55 µs a
 * line into a pipe on a two-core machine; see bench/runner-overhead). Gathered, 1,500 lines take a few
 * dozen writes.
 *
 * Order: while batching, every other write to the batched streams, to process.stdout and to
 * process.stderr (a step's own console.log, a plugin's warning, the CLI's last-resort error) first writes
 * out what was gathered, so what reaches a log reads in the order it happened, also when stdout and stderr
 * go to one file. All batchers of the process share one queue, so two of them (two live reporters) keep
 * one order too. Writes that bypass the stream objects (fs.writeSync(1), a child process's inherited
 * stdout) can land ahead of up to `delayMs` of gathered lines.
 *
 * Lines made late: writeLine(make) keeps the function and calls it when its batch is written, not when the
 * line is given. The console's line per passed step costs several times less made in a run of them (the
 * same code hot, in a loop) than one at a time between a response and the next request, which is where a
 * run waits on it (bench/runner-overhead). What `make` reads must not change before the batch is out: the
 * console gives it a step's finished result.
 *
 * Loss: the batch is written when it reaches `maxChars`, after `delayMs`, on stop(), and on process exit.
 * On Linux, process.stdout and stderr write files and pipes synchronously, so a process that exits
 * mid-run has written every line; on macOS pipes are asynchronous, and an exit can cut the last batch
 * short there, as it can any write still pending.
 */
export interface BatchedWritesOptions {
  /** Longest a gathered write waits. Default 50 ms: live output still reads as live. */
  delayMs?: number
  /** Write the batch out once it holds this many characters. Default 64 KiB. */
  maxChars?: number
}

type WriteFn = NodeJS.WritableStream['write']

interface Interception {
  /** What `write` was before it was replaced: what other writes call after the batch is out. */
  previous: WriteFn
  replacement: WriteFn
}

/** A line given as text, or as the function that makes it when its batch is written. */
type Item = { stream: NodeJS.WritableStream; text: string; make?: undefined } | { stream: NodeJS.WritableStream; text?: undefined; make: () => string }

/** What a line made late is counted as towards `maxChars` until it is made (a step's line is about this long). */
const LATE_LINE_CHARS = 100

/** The queue every batcher of the process writes to, and the stream writes replaced while any batches. */
class SharedQueue {
  #items: Item[] = []
  #chars = 0
  #timer: NodeJS.Timeout | undefined
  #batchers = 0
  readonly #interceptions = new Map<NodeJS.WritableStream, Interception>()
  readonly #onExit = () => this.flush()
  /**
   * A write that threw in the timer's flush, where no caller could be told (it would have been a stray
   * error, failing whichever step was running): thrown to the next push or leave instead, whose caller,
   * a reporter's hook, reports it as the reporter's own failure.
   */
  #failure: { error: unknown } | undefined
  readonly #flushOnTimer = () => {
    try {
      this.flush()
    } catch (error) {
      this.#failure ??= { error }
    }
  }

  join(stream: NodeJS.WritableStream): void {
    if (this.#batchers++ === 0) process.on('exit', this.#onExit)
    for (const s of [stream, process.stdout, process.stderr]) if (!this.#interceptions.has(s)) this.#intercept(s)
  }

  leave(): void {
    try {
      this.flush()
    } finally {
      if (--this.#batchers === 0) this.#release()
    }
    this.#throwFailure()
  }

  #release(): void {
    process.off('exit', this.#onExit)
    for (const [stream, i] of this.#interceptions) {
      // Put the old write back only if nothing replaced ours since; else ours stays, passing writes on.
      if (stream.write === i.replacement) stream.write = i.previous
    }
    this.#interceptions.clear()
  }

  #throwFailure(): void {
    const failure = this.#failure
    this.#failure = undefined
    if (failure) throw failure.error
  }

  push(item: Item, delayMs: number, maxChars: number): void {
    this.#items.push(item)
    this.#chars += item.text?.length ?? LATE_LINE_CHARS
    this.#throwFailure()
    if (this.#chars >= maxChars) this.flush()
    else if (!this.#timer) {
      // Unref'd: a pending batch must not keep the process alive (the exit listener writes it).
      this.#timer = setTimeout(this.#flushOnTimer, delayMs)
      this.#timer.unref()
    }
  }

  /** Write out what was gathered: one write per run of lines for one stream. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (!this.#items.length) return
    const items = this.#items
    this.#items = []
    this.#chars = 0
    let i = 0
    while (i < items.length) {
      const { stream } = items[i]!
      let text = ''
      for (; i < items.length && items[i]!.stream === stream; i++) {
        const item = items[i]!
        text += item.make ? this.#made(item.make) : item.text
      }
      // Through the stream's write as it is now, so that whoever wraps it after us still sees the batch;
      // our own wrapper's flush finds nothing pending by then.
      stream.write(text)
    }
  }

  /**
   * A late line, made: one whose function throws is left out, and the error thrown to the next push or
   * leave (see #failure), so that the lines around it are still written.
   */
  #made(make: () => string): string {
    try {
      return make()
    } catch (error) {
      this.#failure ??= { error }
      return ''
    }
  }

  #intercept(stream: NodeJS.WritableStream): void {
    const previous = stream.write
    const queue = this
    const replacement = function (this: NodeJS.WritableStream, ...args: Parameters<WriteFn>) {
      queue.flush()
      return (previous as (...a: unknown[]) => boolean).apply(this, args)
    } as WriteFn
    stream.write = replacement
    this.#interceptions.set(stream, { previous, replacement })
  }
}

const queue = new SharedQueue()

export class BatchedWrites {
  readonly #stream: NodeJS.WritableStream
  readonly #delayMs: number
  readonly #maxChars: number
  #started = false

  constructor(stream: NodeJS.WritableStream, options: BatchedWritesOptions = {}) {
    this.#stream = stream
    this.#delayMs = options.delayMs ?? 50
    this.#maxChars = options.maxChars ?? 64 * 1024
  }

  /** Start gathering writes (until stop()). */
  start(): void {
    if (this.#started) return
    this.#started = true
    queue.join(this.#stream)
  }

  /** Write `text` in a later batch, or now when not started. */
  write(text: string): void {
    if (this.#started) queue.push({ stream: this.#stream, text }, this.#delayMs, this.#maxChars)
    else this.#stream.write(text)
  }

  /** Write what `make` returns in a later batch, made when the batch is written; made and written now when not started. */
  writeLine(make: () => string): void {
    if (this.#started) queue.push({ stream: this.#stream, make }, this.#delayMs, this.#maxChars)
    else this.#stream.write(make())
  }

  /** Write out what was gathered; the last batcher to stop gives the streams their own `write` back. */
  stop(): void {
    if (!this.#started) return
    this.#started = false
    queue.leave()
  }
}
