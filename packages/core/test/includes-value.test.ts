import { describe, expect, it } from 'vitest'
import { includesValue } from '../src/index'

// Postman's `pm.expect(x).to.include(y)` is Chai's include, whose meaning depends on what `x` is: the
// import translates it to includesValue, which must mean the same for each kind of `x`.
describe('includesValue, as Chai reads include', () => {
  it('a string: a substring', () => {
    expect(includesValue('hello world', 'lo wo')).toBe(true)
    expect(includesValue('hello', 'bye')).toBe(false)
    expect(includesValue('1234', 23)).toBe(false)
  })

  it('an array: an item, the same one, or an equal one with deep', () => {
    expect(includesValue([1, 'a', null], 'a')).toBe(true)
    expect(includesValue([1, 2], 3)).toBe(false)
    expect(includesValue([{ id: 1 }], { id: 1 })).toBe(false)
    expect(includesValue([{ id: 1, tags: ['x'] }], { id: 1, tags: ['x'] }, true)).toBe(true)
    expect(includesValue([{ id: 1 }], { id: 2 }, true)).toBe(false)
  })

  it("an object: each of the member's properties with the same value, compared deep with deep", () => {
    const todo = { id: 7, title: 'milk', done: false, owner: { name: 'al' } }
    expect(includesValue(todo, { title: 'milk', done: false })).toBe(true)
    expect(includesValue(todo, { title: 'bread' })).toBe(false)
    expect(includesValue(todo, { missing: undefined })).toBe(false)
    expect(includesValue(todo, { owner: { name: 'al' } })).toBe(false)
    expect(includesValue(todo, { owner: { name: 'al' } }, true)).toBe(true)
    expect(includesValue(todo, { owner: { name: 'bo' } }, true)).toBe(false)
    // A member that is no object names no properties: nothing is included.
    expect(includesValue(todo, 'milk')).toBe(false)
  })

  it('nothing else includes anything', () => {
    for (const container of [null, undefined, 5, true]) expect(includesValue(container, 5)).toBe(false)
  })
})
