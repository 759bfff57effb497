/**
 * The issues the run raises about its own work with backends and plugins (a connect, a disconnect, a setup
 * that never finished) get advice about that work. Each had its kind's: "the branch stopped rather than run
 * on unknown state" for a connect before any journey, "give the step a timeout" for a plugin's setup.
 */
import { StateError, definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, createRunner } from '../src/index'

const aJourney = journey('a', { steps: [step('s', () => {})] })

describe('suggestions of the issues about backends and plugins', () => {
  it('a connect that fails: check the service and the connection options, no branch spoken of', async () => {
    const down = Object.assign(new MemoryState({}, 'db'), {
      connect: async () => {
        throw new Error('connection refused')
      },
    })
    const runner = createRunner({ stateBackends: [down] })
    const run = await runner.run(aJourney)
    await runner.close()
    const issue = run.issues.find((i) => i.step === 'connect db')!
    expect(issue.suggestion).toMatch(/^No journey ran: a state backend could not connect\. Check that its service is up/)
    expect(issue.suggestion).not.toMatch(/branch/)
  })

  it("a connect that fails with a suggestion of its own: the journeys not run for it say it too, not a generic one", async () => {
    const misspelt = Object.assign(new MemoryState({}, 'db'), {
      connect: async () => {
        throw new StateError('db', '`exclude`: table(s) sesions (did you mean "sessions"?) not found', { suggestion: 'Fix the table names in the options.' })
      },
    })
    const runner = createRunner({ stateBackends: [misspelt] })
    const run = await runner.run([aJourney, journey('b', { steps: [step('s', () => {})] })])
    await runner.close()
    expect(run.issues.find((i) => i.step === 'connect db')?.suggestion).toBe('Fix the table names in the options.')
    expect(run.journeys.map((j) => [j.name, j.notRun, j.issues.map((i) => i.suggestion)])).toEqual([
      ['a', true, ['Fix the table names in the options.']],
      ['b', true, ['Fix the table names in the options.']],
    ])
  })

  it('a disconnect that fails: what it set up may still be there; a backend that knows better keeps its own', async () => {
    const stuck = Object.assign(new MemoryState({}, 'db'), {
      disconnect: async () => {
        throw new Error('socket closed')
      },
    })
    const runner = createRunner({ stateBackends: [stuck] })
    await runner.run(aJourney)
    await runner.close()
    expect(runner.closeIssues.map((i) => i.suggestion)).toEqual([expect.stringMatching(/^The backend did not disconnect cleanly: what it set up to follow the app's data/)])

    const knowing = Object.assign(new MemoryState({}, 'db'), {
      disconnect: async () => {
        throw Object.assign(new Error('socket closed'), { suggestion: 'Drop the venomqa schema by hand.' })
      },
    })
    const second = createRunner({ stateBackends: [knowing] })
    await second.run(aJourney)
    await second.close()
    expect(second.closeIssues.map((i) => i.suggestion)).toEqual(['Drop the venomqa schema by hand.'])
  })

  it("a plugin's setup past pluginTimeout: nothing ran, check its service or raise pluginTimeout, not a step's timeout", async () => {
    const hangs = definePlugin({ name: 'hangs', version: '1.0.0', apiVersion: 1, setup: () => new Promise<void>(() => {}) })
    const runner = createRunner({ plugins: [hangs], pluginTimeout: 100 })
    const run = await runner.run(aJourney)
    await runner.close()
    const issue = run.issues.find((i) => i.step === 'setup hangs')!
    expect(issue.suggestion).toMatch(/^A plugin's setup never finished, so nothing ran/)
    expect(issue.suggestion).not.toMatch(/give the step a timeout/)
    // The journey's own issue (not run) said "give the step a timeout": no step of it ever ran.
    const notRun = run.journeys[0]!.issues.find((i) => i.error.startsWith('not run: '))!
    expect(notRun.suggestion).toMatch(/^A plugin's setup never finished, so nothing ran/)
  })
})
