import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { dropOutputOnClosedPipe } from '../src/closed-pipe'

/** A stream whose reader is gone: every write fails with EPIPE, as a pipe to a `head` that exited. */
function closedPipe(): Writable & { attempts: number } {
  const stream = new Writable({
    write(_chunk, _encoding, callback) {
      stream.attempts++
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    },
  }) as Writable & { attempts: number }
  stream.attempts = 0
  return stream
}

const written = (stream: NodeJS.WritableStream, text: string, encoding?: BufferEncoding) =>
  new Promise<Error | null | undefined>((resolve) => (encoding ? stream.write(text, encoding, resolve) : stream.write(text, resolve)))

describe('dropOutputOnClosedPipe', () => {
  it('a write with a callback that meets EPIPE first is told all went well (the callback comes before the error event)', async () => {
    const stream = closedPipe()
    dropOutputOnClosedPipe(stream)
    expect(await written(stream, 'the summary\n')).toBeNull()
  })

  it('after the first EPIPE, writes are dropped: with or without an encoding, their callbacks still come, nothing throws', async () => {
    const stream = closedPipe()
    dropOutputOnClosedPipe(stream)
    stream.write('a live line\n')
    await new Promise((r) => setImmediate(r))
    expect(stream.attempts).toBe(1)
    expect(await written(stream, 'more\n')).toBeUndefined()
    expect(await written(stream, 'more\n', 'utf8')).toBeUndefined()
    expect(stream.write('no callback\n')).toBe(true)
    expect(stream.attempts).toBe(1)
  })

  it('an open stream gets every write and its callback as before', async () => {
    const chunks: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk))
        callback()
      },
    })
    dropOutputOnClosedPipe(stream)
    expect(await written(stream, 'one\n')).toBeFalsy()
    expect(await written(stream, 'two\n', 'utf8')).toBeFalsy()
    stream.write('three\n')
    expect(chunks).toEqual(['one\n', 'two\n', 'three\n'])
  })
})
