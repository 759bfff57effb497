/**
 * Counts by action name, added up across workers: a name is the user's (`constructor`, `toString`,
 * `__proto__` are names an action may have), and a plain object read one as its prototype's function and
 * added to it, or dropped it.
 */
import { describe, expect, it } from 'vitest'
import { sumByName } from '../src/result'

describe('sumByName', () => {
  it('adds up every action, whatever its name', () => {
    const sum = sumByName([{ constructor: 2, toString: 1, add: 1 }, JSON.parse('{"__proto__": 3, "add": 2}')])
    expect(Object.entries(sum).sort()).toEqual([
      ['__proto__', 3],
      ['add', 3],
      ['constructor', 2],
      ['toString', 1],
    ])
    expect(JSON.parse(JSON.stringify(sum))).toEqual(JSON.parse('{"__proto__": 3, "add": 3, "constructor": 2, "toString": 1}'))
  })
})
