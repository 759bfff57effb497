/**
 * Where a regression journey reads an id from when one step's exchanges hold its value twice: a create
 * that lists its collection first (what `--openapi` actions do) got `{ data: [], page: 1 }` from the list
 * and `{ id: 1 }` from the create. The journey read `projectId` from the list's `page`, the first exchange
 * holding a 1: on a database whose next id is not 1 it sent every later request to a project nobody made,
 * and failed on a 404 the API was right to answer, not on the bug.
 */
import { action, exploration, invariant } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun } from '../src/contracts'
import { jsonExchange as exchange, journeyWriter, stepRun } from './emit-fixtures'

const projects = exploration('projects', {
  actions: [action('createProject', () => undefined), action('getProject', () => undefined)],
  invariants: [invariant('projects readable', () => true)],
})

const writer = journeyWriter(projects, 'projects readable', 'projects')
afterAll(writer.clean)
const emitText = (run: SequenceRun) => writer.text(run)

describe('an id held by two exchanges of a step', () => {
  it("is read from the create's id, not from the list's page that holds the same number first", async () => {
    const text = await emitText({
      steps: [
        stepRun(
          'createProject',
          [exchange('GET', '/projects', undefined, 200, { data: [], page: 1, total: 0 }), exchange('POST', '/projects', { name: 'a' }, 201, { id: 1, name: 'a' })],
          {},
          { projectId: 1 },
        ),
        stepRun('getProject', [exchange('GET', '/projects/1', undefined, 200, { id: 1, name: 'a' })], { projectId: 1 }, { projectId: 1 }),
      ],
      violation: 'unreadable',
      probes: [],
    })
    expect(text).not.toContain('.page)')
    expect(text).toMatch(/ctx\.set\('projectId', \w+\.json\(\)\.id\)/)
  })

  it('still comes from the first exchange when both hold it under a name that says so', async () => {
    const text = await emitText({
      steps: [
        stepRun(
          'createProject',
          [exchange('GET', '/projects', undefined, 200, [{ id: 1, name: 'a' }]), exchange('POST', '/projects', { name: 'b' }, 201, { id: 1, name: 'b' })],
          {},
          { projectId: 1 },
        ),
      ],
      violation: 'unreadable',
      probes: [],
    })
    expect(text).toMatch(/ctx\.set\('projectId', res\.json\(\)\[0\]\.id\)/)
  })
})
