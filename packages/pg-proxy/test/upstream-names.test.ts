import { describe, expect, it } from 'vitest'
import { MAX_NAME_BYTES, clipBytes, connectionName } from '../src/upstream-names'

describe('connectionName: a connection\'s name on the shared session', () => {
  const bytes = (s: string) => Buffer.byteLength(s)

  it('is the name behind the connection\'s prefix while that fits in 63 bytes', () => {
    expect(connectionName(3, 'export')).toBe('vq3.export')
    expect(connectionName(3, '')).toBe('')
    const fits = 'n'.repeat(MAX_NAME_BYTES - 'vq3.'.length)
    expect(connectionName(3, fits)).toBe(`vq3.${fits}`)
  })

  it('keeps apart two names that differ only in their last bytes, within 63 bytes and the prefix kept', () => {
    const a = `${'x'.repeat(61)}a`
    const b = `${'x'.repeat(61)}b`
    const [na, nb] = [connectionName(12, a), connectionName(12, b)]
    expect(na).not.toBe(nb)
    for (const n of [na, nb]) {
      expect(bytes(n)).toBeLessThanOrEqual(MAX_NAME_BYTES)
      expect(n.startsWith('vq12.')).toBe(true)
    }
    expect(connectionName(12, a)).toBe(na)
  })

  it('makes one of two names PostgreSQL takes for one: they differ after its 63 bytes', () => {
    const base = 'y'.repeat(MAX_NAME_BYTES)
    expect(connectionName(5, `${base}1`)).toBe(connectionName(5, `${base}2`))
  })

  it('cuts at a character\'s boundary, as PostgreSQL cuts a name', () => {
    const name = `${'z'.repeat(62)}äb`
    expect(clipBytes(name, MAX_NAME_BYTES)).toBe('z'.repeat(62))
    expect(bytes(connectionName(7, `${'ä'.repeat(40)}`))).toBeLessThanOrEqual(MAX_NAME_BYTES)
  })
})
