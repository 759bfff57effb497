/**
 * Writes to a stream gathered into batches, in the order they were made.
 *
 * Why: a write to a pipe or file is a system call, and on a pipe it wakes the reader too; the console
 * reporter's line per step made that the largest cost a `venomqa run` adds to a journey (about 55 µs a
 * line into a pipe on a two-core machine; see bench/runner-overhead). Gathered, 1,500 lines take a few
 * dozen writes.
 *
 * Order: while batching, every other write to this stream, to process.stdout and to process.stderr
 * (a step's own console.log, a plugin's warning, the CLI's last-resort error) first writes out what was
 * gathered, so what reaches a log reads in the order it happened, also when stdout and stderr go to one
 * file. Writes that bypass the stream objects (fs.writeSync(1), a child process's inherited stdout) can
 * land ahead of up to `delayMs` of gathered lines.
 *
 * Loss: the batch is written when it reaches `maxChars`, after `delayMs`, on stop(), and on process exit
 * (process.stdout and stderr write synchronously to files and pipes on POSIX, so nothing is lost when the
 * process exits mid-run).
 */
export interface BatchedWritesOptions {
  /** Longest a gathered write waits. Default 50 ms: live output still reads as live. */
  delayMs?: number
  /** Write the batch out once it holds this many characters. Default 64 KiB. */
  maxChars?: number
}

type WriteFn = NodeJS.WritableStream['write']

interface Interception {
  stream: NodeJS.WritableStream
  /** What `write` was before this batcher replaced it: where the batch goes, and what other writes call. */
  previous: WriteFn
  replacement: WriteFn
}

export class BatchedWrites {
  readonly #stream: NodeJS.WritableStream
  readonly #delayMs: number
  readonly #maxChars: number
  #pending: string[] = []
  #chars = 0
  #timer: NodeJS.Timeout | undefined
  #interceptions: Interception[] = []
  /** Set by stop(): a replacement left in place (something replaced it in turn) only passes writes on. */
  #stopped = true
  readonly #onExit = () => this.flush()

  constructor(stream: NodeJS.WritableStream, options: BatchedWritesOptions = {}) {
    this.#stream = stream
    this.#delayMs = options.delayMs ?? 50
    this.#maxChars = options.maxChars ?? 64 * 1024
  }

  /** Start gathering writes (until stop()). */
  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    const streams = new Set<NodeJS.WritableStream>([this.#stream, process.stdout, process.stderr])
    for (const stream of streams) this.#intercept(stream)
    process.once('exit', this.#onExit)
  }

  /** Write `text` in a later batch, or now when not started. */
  write(text: string): void {
    if (this.#stopped) {
      this.#stream.write(text)
      return
    }
    this.#pending.push(text)
    this.#chars += text.length
    if (this.#chars >= this.#maxChars) this.flush()
    else if (!this.#timer) {
      // Unref'd: a pending batch must not keep the process alive (the exit listener writes it).
      this.#timer = setTimeout(() => this.flush(), this.#delayMs)
      this.#timer.unref()
    }
  }

  /** Write out what was gathered, in one write. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (!this.#pending.length) return
    const text = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('')
    this.#pending = []
    this.#chars = 0
    // Through the stream's write as it is now, so that whoever wraps it after us still sees the batch; our
    // own wrapper's flush finds nothing pending by then.
    this.#stream.write(text)
  }

  /** Write out what was gathered and give the streams their own `write` back. */
  stop(): void {
    if (this.#stopped) return
    this.flush()
    this.#stopped = true
    process.off('exit', this.#onExit)
    for (const i of this.#interceptions) {
      // Put the old write back only if nothing replaced ours since; else ours stays, passing writes on.
      if (i.stream.write === i.replacement) i.stream.write = i.previous
    }
    this.#interceptions = []
  }

  #intercept(stream: NodeJS.WritableStream): void {
    const previous = stream.write
    const batcher = this
    const replacement = function (this: NodeJS.WritableStream, ...args: Parameters<WriteFn>) {
      batcher.flush()
      return (previous as (...a: unknown[]) => boolean).apply(this, args)
    } as WriteFn
    stream.write = replacement
    this.#interceptions.push({ stream, previous, replacement })
  }
}
