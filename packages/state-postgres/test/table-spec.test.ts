import { ConfigError, parseOptions } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { parseTableSpec } from '../src/catalog'
import { postgresStateOptions } from '../src/index'

// Pure parsing: no database needed (the catalog test runs the same names against PostgreSQL).
describe('table names in `tables` and `exclude`', () => {
  it('reads name, schema.name and double-quoted parts as PostgreSQL writes identifiers', () => {
    expect(parseTableSpec('orders')).toEqual({ name: 'orders' })
    expect(parseTableSpec('sales.orders')).toEqual({ schema: 'sales', name: 'orders' })
    expect(parseTableSpec('"my.schema".orders')).toEqual({ schema: 'my.schema', name: 'orders' })
    expect(parseTableSpec('"a.b"')).toEqual({ name: 'a.b' })
    expect(parseTableSpec('"say ""hi""".t')).toEqual({ schema: 'say "hi"', name: 't' })
    expect(parseTableSpec('s."Mixed.Case"')).toEqual({ schema: 's', name: 'Mixed.Case' })
  })

  it.each([
    ['a.b.c', 'more than one dot outside quotes'],
    ['"open.t', 'a quote left open'],
    ['a.', 'an empty part'],
    ['.a', 'an empty part'],
    ['ab"c"', 'a quote in the middle of a name'],
    ['"a"b', 'text after a closing quote'],
  ])('refuses %s: %s', (spec, why) => {
    expect(() => parseTableSpec(spec)).toThrow(why)
  })

  it('a malformed name is an option error naming the key and the entry, at start', () => {
    const parse = () => parseOptions(postgresStateOptions, { url: 'postgres://127.0.0.1/x', exclude: ['ok', 'my.app.orders'] }, 'plugins[0]')
    expect(parse).toThrow(ConfigError)
    expect(parse).toThrow(/plugins\[0\]\.exclude\[1\].*"my\.app\.orders" is not a table name \(more than one dot outside quotes\).*"my\.schema"\.name/)
  })
})
