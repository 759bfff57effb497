import type { Reporter, ReporterFactory } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { forwardingHooks, instantiateReporters, parseReporterSpec } from '../src/reporters'

describe('reporter specs', () => {
  it('read name[:file], objects and [name, options]', () => {
    expect(parseReporterSpec('console')).toEqual({ name: 'console', options: {} })
    expect(parseReporterSpec('junit:reports/junit.xml')).toEqual({ name: 'junit', target: 'reports/junit.xml', options: {} })
    expect(parseReporterSpec('json:-')).toEqual({ name: 'json', target: '-', options: {} })
    expect(parseReporterSpec({ name: 'markdown', output: 'r.md', options: { x: 1 } })).toEqual({ name: 'markdown', target: 'r.md', options: { x: 1 } })
    expect(parseReporterSpec(['csv', { rows: 'step', output: 'c.csv' }])).toEqual({ name: 'csv', target: 'c.csv', options: { rows: 'step' } })
  })

  it('an unregistered name says which reporters exist', () => {
    const factories = new Map<string, ReporterFactory>([['console', () => ({ name: 'console' })]])
    expect(() => instantiateReporters([{ name: 'html', options: {} }], factories)).toThrow(
      'unknown reporter "html": no plugin registered it and @venomqa/reporter-html is not installed. Known reporters: console',
    )
  })

  it('hooks reach reporters created after the runner started, and a throwing hook is reported, not thrown', async () => {
    const seen: string[] = []
    const reporters: Reporter[] = []
    const errors: string[] = []
    const hooks = forwardingHooks(() => reporters, (m) => errors.push(m))
    reporters.push({ name: 'a', hooks: { stepStart: () => void seen.push('a') } }, { name: 'b', hooks: { stepStart: () => { throw new Error('boom') } } }, { name: 'c', hooks: { stepStart: () => void seen.push('c') } })
    await hooks.stepStart!({} as never)
    expect(seen).toEqual(['a', 'c'])
    expect(errors).toEqual(['reporter b: stepStart hook failed: boom'])
  })
})
