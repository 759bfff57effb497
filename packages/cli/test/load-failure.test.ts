import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadFailure } from '../src/load-module'

/** An error whose stack has these frames under its message line. */
function thrown(message: string, frames: string[]): Error {
  const err = new TypeError(message)
  err.stack = [`TypeError: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n')
  return err
}

describe('loadFailure', () => {
  it("takes jiti's syntax error place from its message, the column counted from 1", () => {
    const err = new Error('ParseError: Unexpected token, expected ","  \n /p/journeys/a.journey.ts:2:78')
    expect(loadFailure(err, '/p/journeys/a.journey.ts')).toEqual({ place: ':2:79', message: 'Unexpected token, expected ","' })
  })

  it('takes the first frame in the file from the stack: the line of a TypeScript file, line and column of a JavaScript one', () => {
    const frames = ['fail (/p/node_modules/lib/index.js:9:9)', '/p/journeys/a.journey.ts:4:28', '/p/journeys/a.journey.ts:9:1']
    expect(loadFailure(thrown('boom', frames), '/p/journeys/a.journey.ts')).toEqual({ place: ':4', message: 'boom' })
    const mjs = pathToFileURL('/p/journeys/b.journey.mjs').href
    expect(loadFailure(thrown('boom', [`${mjs}:3:28`, 'ModuleJob.run (node:internal/modules/esm/module_job:325:25)']), '/p/journeys/b.journey.mjs')).toEqual({
      place: ':3:28',
      message: 'boom',
    })
  })

  it('finds a file whose path has spaces and parentheses, and one imported again by run --watch', () => {
    const abs = '/p a(1)/journeys/a.journey.ts'
    expect(loadFailure(new Error(`ParseError: Missing semicolon.  \n ${abs}:3:23`), abs)).toEqual({ place: ':3:24', message: 'Missing semicolon.' })
    expect(loadFailure(thrown('boom', [`run (${abs}:5:3)`]), abs).place).toBe(':5')
    const mjs = '/p a(1)/journeys/b.journey.mjs'
    const reloaded = `${pathToFileURL(mjs).href}?venomqa-reload=2:3:17`
    expect(loadFailure(thrown('boom', [reloaded]), mjs).place).toBe(':3:17')
  })

  it('names no place when neither the message nor the stack is about the file', () => {
    expect(loadFailure(new Error('ParseError: Unexpected token  \n /p/other.ts:1:0'), '/p/journeys/a.journey.ts')).toEqual({ place: '', message: '/p/other.ts:1:1: Unexpected token' })
    expect(loadFailure(thrown('boom', ['/p/helpers.ts:3:1']), '/p/journeys/a.journey.ts')).toEqual({ place: '', message: 'boom' })
    expect(loadFailure('a string', '/p/a.ts')).toEqual({ place: '', message: 'a string' })
  })
})
