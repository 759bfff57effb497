import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectWithJourneys } from './helpers/project'

// A step that names the status its refusal must have says it in `venomqa list`: `(expects failure)` alone
// read as if any refusal would do.

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('negatives', { steps: [
  step('any_refusal', () => {}, { expectFailure: true }),
  step('validation', () => {}, { expectFailure: 422 }),
  step('forbidden', () => {}, { expectFailure: [401, 403] }),
] })
`

let p: Project
beforeAll(async () => {
  p = await projectWithJourneys({ 'negatives.journey.ts': JOURNEY })
})
afterAll(async () => {
  await p?.remove()
})

describe('venomqa list and expectFailure with statuses', () => {
  it('shows the statuses a step expects after "expects failure"', async () => {
    const r = await p.venomqa(['list'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('  step any_refusal (expects failure)\n  step validation (expects failure: 422)\n  step forbidden (expects failure: 401, 403)\n')
  })
})
