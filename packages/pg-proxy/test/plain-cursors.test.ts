import { describe, expect, it } from 'vitest'
import { PlainCursors } from '../src/plain-cursors'

describe('PlainCursors: the names of cursors without HOLD that may still be open', () => {
  const open = (p: PlainCursors, names: string[]) => names.filter((n) => p.has(n))

  it('a ROLLBACK TO closes the cursors declared after its savepoint, the newest of that name, and keeps it set', () => {
    const p = new PlainCursors()
    p.declared('a')
    p.savepoint('SAVEPOINT', 's')
    p.declared('b')
    p.savepoint('SAVEPOINT', 's')
    p.declared('c')
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(open(p, ['a', 'b', 'c'])).toEqual(['a', 'b'])
    // Still set: declared after it, rolled back to it again.
    p.declared('d')
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(open(p, ['a', 'b', 'd'])).toEqual(['a', 'b'])
    // Released, the outer `s` is the one named next.
    p.savepoint('RELEASE SAVEPOINT', 's')
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(open(p, ['a', 'b'])).toEqual(['a'])
  })

  it('a RELEASE moves the cursors declared inside it to the savepoint around it', () => {
    const p = new PlainCursors()
    p.savepoint('SAVEPOINT', 'outer')
    p.declared('kept')
    p.savepoint('SAVEPOINT', 'inner')
    p.declared('moved')
    p.savepoint('RELEASE SAVEPOINT', 'inner')
    expect(open(p, ['kept', 'moved'])).toEqual(['kept', 'moved'])
    // Now declared inside `outer`, before `again`: a rollback to `again` keeps it open.
    p.savepoint('SAVEPOINT', 'again')
    p.savepoint('ROLLBACK TO SAVEPOINT', 'again')
    expect(open(p, ['kept', 'moved'])).toEqual(['kept', 'moved'])
    p.savepoint('ROLLBACK TO SAVEPOINT', 'outer')
    expect(open(p, ['kept', 'moved'])).toEqual([])
  })

  it('once the transaction failed, a ROLLBACK TO goes back to the oldest savepoint of its name: a newer one may never have run', () => {
    const p = new PlainCursors()
    p.savepoint('SAVEPOINT', 's')
    p.declared('c')
    p.transactionFailed()
    // Refused by the server in the failed transaction, but read here.
    p.savepoint('SAVEPOINT', 's')
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(p.has('c')).toBe(false)
    // Until the transaction ends; then the newest again.
    p.transactionEnded()
    p.savepoint('SAVEPOINT', 's')
    p.declared('d')
    p.savepoint('SAVEPOINT', 's')
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(p.has('d')).toBe(true)
  })

  it('forgets every name at a ROLLBACK TO it cannot place, at CLOSE ALL and when the transaction ends; a CLOSE frees one', () => {
    const p = new PlainCursors()
    p.declared('a')
    p.declared('b')
    p.closed('a')
    expect(open(p, ['a', 'b'])).toEqual(['b'])
    p.savepoint('ROLLBACK TO SAVEPOINT', 'never_set')
    expect(open(p, ['b'])).toEqual([])
    p.declared('c')
    p.closedAll()
    expect(p.has('c')).toBe(false)
    p.savepoint('SAVEPOINT', 's')
    p.declared('d')
    p.transactionEnded()
    p.declared('e')
    // The savepoint went with the transaction: a ROLLBACK TO it now is one it cannot place.
    p.savepoint('ROLLBACK TO SAVEPOINT', 's')
    expect(open(p, ['d', 'e'])).toEqual([])
  })

  it('takes two names for one where PostgreSQL does: they differ after its 63 bytes', () => {
    const p = new PlainCursors()
    const long = 'c'.repeat(63)
    p.declared('before')
    p.savepoint('SAVEPOINT', `${long}_one`)
    p.savepoint('SAVEPOINT', 'inner')
    p.declared(`${long}_x`)
    expect(p.has(`${long}_y`)).toBe(true)
    p.savepoint('ROLLBACK TO SAVEPOINT', `${long}_two`)
    expect([p.has('before'), p.has(long)]).toEqual([true, false])
  })
})
