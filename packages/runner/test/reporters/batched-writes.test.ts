import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { BatchedWrites } from '../../src/reporters/batched-writes'

/** A stream that keeps what reached it, one entry per write that reached it. */
function sink() {
  const stream = new PassThrough()
  const writes: string[] = []
  stream.on('data', (d) => writes.push(String(d)))
  return { stream, writes }
}

const started: BatchedWrites[] = []
afterEach(() => {
  for (const b of started.splice(0)) b.stop()
})
function batcher(stream: NodeJS.WritableStream, options?: ConstructorParameters<typeof BatchedWrites>[1]) {
  const b = new BatchedWrites(stream, options)
  started.push(b)
  return b
}

/** A sink and a batcher on it, already gathering. */
function gathering(options: ConstructorParameters<typeof BatchedWrites>[1]) {
  const { stream, writes } = sink()
  const b = batcher(stream, options)
  b.start()
  return { stream, writes, b }
}

describe('BatchedWrites', () => {
  it('gathers writes into one, written after the delay', async () => {
    const { writes, b } = gathering({ delayMs: 20 })
    b.write('one\n')
    b.write('two\n')
    b.write('three\n')
    expect(writes).toEqual([])
    await new Promise((r) => setTimeout(r, 60))
    expect(writes).toEqual(['one\ntwo\nthree\n'])
  })

  it('writes the batch once it holds maxChars', () => {
    const { writes, b } = gathering({ delayMs: 10_000, maxChars: 10 })
    b.write('12345')
    expect(writes).toEqual([])
    b.write('67890')
    expect(writes).toEqual(['1234567890'])
  })

  it('any other write to the stream first writes out what was gathered, so the order is kept', () => {
    const { stream, writes, b } = gathering({ delayMs: 10_000 })
    b.write('✓ step one\n')
    b.write('✓ step two\n')
    stream.write('a step printed this\n')
    b.write('✓ step three\n')
    b.stop()
    expect(writes.join('')).toBe('✓ step one\n✓ step two\na step printed this\n✓ step three\n')
  })

  it('a write to stderr (a warning, an error) first writes out what was gathered for stdout', () => {
    const log: string[] = []
    const { stream } = sink()
    stream.on('data', (d) => log.push(`out: ${d}`))
    const stderrWrite = process.stderr.write
    // Stands in for the terminal: what reaches stderr goes to the same log as the stream, in order.
    process.stderr.write = ((chunk: string) => {
      log.push(`err: ${chunk}`)
      return true
    }) as typeof process.stderr.write
    try {
      const b = batcher(stream, { delayMs: 10_000 })
      b.start()
      b.write('line 1\n')
      process.stderr.write('warning\n')
      b.write('line 2\n')
      b.stop()
    } finally {
      process.stderr.write = stderrWrite
    }
    expect(log).toEqual(['out: line 1\n', 'err: warning\n', 'out: line 2\n'])
  })

  it('stop() writes out the rest and gives the streams their write back; not started, writes go straight through', () => {
    const { stream, writes } = sink()
    const own = stream.write
    const stdoutWrite = process.stdout.write
    const b = batcher(stream, { delayMs: 10_000 })
    b.write('before start\n')
    expect(writes).toEqual(['before start\n'])
    b.start()
    expect(stream.write).not.toBe(own)
    b.write('gathered\n')
    b.stop()
    expect(writes).toEqual(['before start\n', 'gathered\n'])
    expect(stream.write).toBe(own)
    expect(process.stdout.write).toBe(stdoutWrite)
    b.write('after stop\n')
    expect(writes.at(-1)).toBe('after stop\n')
  })

  it('leaves a write someone put over its own in place at stop(), and still passes writes on', () => {
    const { stream, writes, b } = gathering({ delayMs: 10_000 })
    const ours = stream.write
    const theirs = function (this: unknown, ...args: unknown[]) {
      return (ours as (...a: unknown[]) => boolean).apply(stream, args)
    } as typeof stream.write
    stream.write = theirs
    b.write('gathered\n')
    stream.write('theirs\n')
    b.stop()
    expect(stream.write).toBe(theirs)
    stream.write('after\n')
    expect(writes.join('')).toBe('gathered\ntheirs\nafter\n')
  })

  it("a write that throws in the timer's flush is thrown to the next write, not left to become a stray error", async () => {
    const stray: unknown[] = []
    const onStray = (err: unknown) => void stray.push(err)
    process.on('uncaughtException', onStray)
    try {
      const { stream, writes } = sink()
      const write = stream.write.bind(stream)
      let broken = true
      stream.write = ((...args: Parameters<typeof write>) => {
        if (broken) throw new Error('stream is gone')
        return write(...args)
      }) as typeof stream.write
      const b = batcher(stream, { delayMs: 5 })
      b.start()
      b.write('lost with the broken write\n')
      await new Promise((r) => setTimeout(r, 40))
      expect(stray).toEqual([])
      broken = false
      // The caller of the next write (a reporter's hook) is told, and its line is kept.
      expect(() => b.write('kept\n')).toThrow('stream is gone')
      b.stop()
      expect(writes.join('')).toBe('kept\n')
    } finally {
      process.off('uncaughtException', onStray)
    }
  })

  it('writes what was gathered when the process exits mid-batch', () => {
    const { stream, writes } = sink()
    const before = process.listeners('exit')
    const b = batcher(stream, { delayMs: 10_000 })
    b.start()
    const added = process.listeners('exit').filter((l) => !before.includes(l))
    expect(added).toHaveLength(1)
    b.write('the last line before exit\n')
    // What process.exit() would call: the listener, synchronously (not the real exit, in a test worker).
    added[0]!.call(process, 0)
    expect(writes).toEqual(['the last line before exit\n'])
    b.stop()
    expect(process.listeners('exit')).toEqual(before)
  })

  it('two batchers keep one order between them, and once both stopped no write is left replaced', () => {
    const log: string[] = []
    const a = new PassThrough()
    const b = new PassThrough()
    a.on('data', (d) => log.push(`a: ${d}`))
    b.on('data', (d) => log.push(`b: ${d}`))
    const writes = { a: a.write, b: b.write, stdout: process.stdout.write, stderr: process.stderr.write }
    const first = batcher(a, { delayMs: 10_000 })
    const second = batcher(b, { delayMs: 10_000 })
    first.start()
    second.start()
    first.write('1\n')
    second.write('2\n')
    second.write('3\n')
    first.write('4\n')
    expect(log).toEqual([])
    // Stopped in the order they started (as hooks run), not the reverse.
    first.stop()
    expect(log).toEqual(['a: 1\n', 'b: 2\n3\n', 'a: 4\n'])
    second.write('5\n')
    second.stop()
    expect(log.at(-1)).toBe('b: 5\n')
    expect({ a: a.write, b: b.write, stdout: process.stdout.write, stderr: process.stderr.write }).toEqual(writes)
  })

  it('a line given as a function is made when its batch is written, in its place among the others', () => {
    const { stream, writes, b } = gathering({ delayMs: 10_000 })
    let made = 0
    b.write('first\n')
    b.writeLine(() => `late ${++made}\n`)
    b.write('third\n')
    expect(made).toBe(0)
    // Another write to the stream writes the batch out, the late line made first.
    stream.write('other\n')
    expect(made).toBe(1)
    expect(writes.join('')).toBe('first\nlate 1\nthird\nother\n')
  })

  it('not started, a late line is made and written at once', () => {
    const { stream, writes } = sink()
    batcher(stream).writeLine(() => 'now\n')
    expect(writes).toEqual(['now\n'])
  })

  it('a late line whose function throws is left out, the lines around it are written, and the error comes back at stop()', () => {
    const { writes, b } = gathering({ delayMs: 10_000 })
    b.write('before\n')
    b.writeLine(() => {
      throw new Error('no line')
    })
    b.write('after\n')
    expect(() => b.stop()).toThrow('no line')
    expect(writes.join('')).toBe('before\nafter\n')
  })

  it('counts a late line towards maxChars before it is made', () => {
    const { writes, b } = gathering({ delayMs: 10_000, maxChars: 250 })
    b.writeLine(() => 'a\n')
    b.writeLine(() => 'b\n')
    expect(writes).toEqual([])
    b.writeLine(() => 'c\n')
    expect(writes).toEqual(['a\nb\nc\n'])
  })
})
