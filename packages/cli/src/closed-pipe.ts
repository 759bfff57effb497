type WriteCallback = (err?: Error | null) => void

const isClosedPipe = (err: unknown) => (err as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE'

/**
 * A reader that went away (`venomqa run | head`): what is left to print has nowhere to go, and that is no
 * fault of the run. Unhandled, the EPIPE fails whatever step is running, ends the process with
 * "unexpected error" before rollback and reports, or fails the reporter whose write saw it first (a write
 * with a callback hears of it there, before the stream's 'error' event). From the first EPIPE on, writes
 * to the stream are dropped, their callbacks told all went well; the run finishes as it would have.
 */
export function dropOutputOnClosedPipe(stream: NodeJS.WritableStream): void {
  let closed = false
  const write = stream.write
  stream.write = function (this: NodeJS.WritableStream, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = (typeof encoding === 'function' ? encoding : callback) as WriteCallback | undefined
    if (closed) {
      if (done) process.nextTick(done)
      return true
    }
    const args: unknown[] = typeof encoding === 'function' || encoding === undefined ? [chunk] : [chunk, encoding]
    if (done)
      args.push((err?: Error | null) => {
        if (isClosedPipe(err)) closed = true
        done(closed ? null : err)
      })
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof stream.write
  stream.on('error', (err: Error) => {
    if (!isClosedPipe(err)) throw err
    closed = true
  })
}
