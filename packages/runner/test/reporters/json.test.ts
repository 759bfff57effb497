import { assertRunResult } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createJsonReporter, renderJson } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

describe('json reporter', () => {
  it('renders the versioned results model, redacted, and it reads back', () => {
    const text = renderJson(sampleRun())
    expect(leakedSecrets(text)).toEqual([])
    const parsed = JSON.parse(text)
    assertRunResult(parsed)
    expect(parsed.schemaVersion).toBe(3)
    expect(parsed.journeys).toHaveLength(2)
    expect(parsed.summary.steps).toEqual({ total: 5, passed: 3, failed: 1, skipped: 1 })
  })

  it('has a default file so CI finds it without a path', () => {
    expect(createJsonReporter().defaultFile).toBe('venomqa-results.json')
  })
})
