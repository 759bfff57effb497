import { describe, expect, it } from 'vitest'
import { redactRun } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

describe('redactRun', () => {
  it('masks headers, cookies, body fields, query tokens and tokens in free text', () => {
    const run = sampleRun()
    expect(leakedSecrets(JSON.stringify(run)).length).toBeGreaterThan(0)
    const safe = redactRun(run)
    expect(leakedSecrets(JSON.stringify(safe))).toEqual([])
    const login = safe.journeys[0]!.nodes[0] as any
    expect(login.request.headers.authorization).toBe('[REDACTED]')
    expect(login.request.headers.cookie).toBe('sid=[REDACTED]')
    expect(login.request.body.password).toBe('[REDACTED]')
    expect(login.request.body.email).toBe('ada@example.com')
    expect(login.response.headers['set-cookie']).toBe('[REDACTED]')
  })

  it('keeps the result model itself intact (counts named passed are not secrets)', () => {
    const run = sampleRun()
    const safe = redactRun(run)
    expect(safe.summary).toEqual(run.summary)
    expect(safe.journeys[0]!.counts).toEqual(run.journeys[0]!.counts)
    expect(safe.journeys.map((j) => j.status)).toEqual(['failed', 'passed'])
  })

  it('takes extra keys to hide and does not touch the input', () => {
    const run = sampleRun()
    ;(run.journeys[1]!.nodes[0] as any).request.headers['x-tenant'] = 'acme'
    const safe = redactRun(run, { extraKeys: ['x-tenant'] })
    expect((safe.journeys[1]!.nodes[0] as any).request.headers['x-tenant']).toBe('[REDACTED]')
    expect((run.journeys[1]!.nodes[0] as any).request.headers['x-tenant']).toBe('acme')
  })
})
