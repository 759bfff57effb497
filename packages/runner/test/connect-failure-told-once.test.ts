/**
 * A state backend that cannot connect: the console's summary tells why once, on the run's `connect` issue,
 * naming the journeys not run for it, not the same words again on every journey.
 */
import { type StateBackend, checkpoint, journey, step } from '@venomqa/core'
import { expect, it } from 'vitest'
import { createConsoleReporter, createRunner } from '../src/index'

const refusing: StateBackend = {
  name: 'pg-b',
  mechanism: 'snapshot',
  parallelSafe: false,
  connect: async () => {
    throw new Error('the database "missing" does not exist')
  },
  checkpoint: async () => {},
  rollback: async () => {},
  release: async () => {},
  disconnect: async () => {},
}

it('a backend that could not connect is told once in the summary, with the journeys not run for it', async () => {
  const reporter = createConsoleReporter({ stream: new (await import('node:stream')).PassThrough() })
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [refusing], reporters: [reporter] })
  try {
    const saved = (name: string) => journey(name, { steps: [checkpoint('start'), step('noop', () => {})] })
    const result = await runner.run([saved('saved'), saved('listed')])
    expect(result.status).toBe('failed')
    // Every report file keeps each journey's issue.
    expect(result.journeys.map((j) => j.status)).toEqual(['failed', 'failed'])
    const text = (await reporter.render!(result, {} as never)) as string
    const summary = text.slice(text.indexOf('\nIssues\n'))
    expect(summary.match(/does not exist/g)).toHaveLength(1)
    expect(summary).toContain('connect pg-b [critical] state:pg-b')
    expect(summary).toContain('      not run for it: 2 journeys: saved, listed\n')
  } finally {
    await runner.close()
  }
})
