import { type RunResult, journey, step } from '@venomqa/core'
import { MemoryState, createRunner, renderJUnit } from '@venomqa/runner'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkJUnit } from './helpers/junit-shape'

// Retried, flaky, skipped and repeated journeys in the junit reporter's output, read back through a
// real XML parser: the elements are those Playwright's JUnit reporter writes for a retried test (Maven
// Surefire's flakyFailure, rerunFailure and rerunError).
let run: RunResult

beforeAll(async () => {
  const state = new MemoryState<{ n: number }>({ n: 0 })
  let confirmCalls = 0
  let paymentCalls = 0
  const runner = createRunner({ stateBackends: [state], repeatEach: 1 })
  run = await runner.run([
    journey('checkout', {
      retries: 2,
      steps: [
        step('cart', () => {}),
        step('confirm', () => {
          if (++confirmCalls <= 2) throw new Error(`confirm failed on call ${confirmCalls}`)
        }),
      ],
    }),
    journey('payment', {
      retries: 2,
      steps: [
        step('pay', () => {
          throw new Error(`card declined (call ${++paymentCalls})`)
        }),
      ],
    }),
    journey.skip('refund', { steps: [step('refund', () => {})] }),
    journey('profile', { steps: [step('read', () => {}), step.skip('edit', () => {})] }),
  ])
  await runner.close()
})

describe('JUnit XML of reruns', () => {
  it('has the JUnit shape', () => {
    const { problems, suites } = checkJUnit(renderJUnit(run))
    expect(problems).toEqual([])
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped])).toEqual([
      ['checkout', 2, 0, 0, 0],
      ['payment', 1, 1, 0, 0],
      ['refund', 1, 0, 0, 1],
      ['profile', 2, 0, 0, 1],
    ])
  })

  it('a flaky journey: its step passes, with a <flakyFailure> for each attempt it failed on', () => {
    const checkout = checkJUnit(renderJUnit(run)).suites[0]!
    const confirm = checkout.cases.find((c) => c.name === 'confirm')!
    expect(confirm.outcome).toBe('passed')
    expect(confirm.flaky).toHaveLength(2)
    expect(confirm.flaky[0]).toContain('confirm failed on call 1')
    expect(confirm.flaky[1]).toContain('confirm failed on call 2')
    expect(checkout.cases.find((c) => c.name === 'cart')).toMatchObject({ outcome: 'passed', flaky: [] })
    expect(checkout.systemOut).toContain('journey checkout (attempt 3): flaky (passed on attempt 3)')
    expect(renderJUnit(run)).toContain('<property name="status" value="flaky"/>')
  })

  it('a journey that failed every attempt: the first failure as <failure>, each retry\'s as <rerunFailure>', () => {
    const payment = checkJUnit(renderJUnit(run)).suites[1]!
    const pay = payment.cases[0]!
    expect(pay.outcome).toBe('failure')
    expect(pay.text).toContain('card declined (call 1)')
    expect(pay.reruns).toHaveLength(2)
    expect(pay.reruns[0]).toContain('card declined (call 2)')
    expect(pay.reruns[1]).toContain('card declined (call 3)')
    expect(pay.flaky).toEqual([])
  })

  it('a skipped journey and a skipped step are <skipped/> testcases', () => {
    const { suites } = checkJUnit(renderJUnit(run))
    expect(suites[2]!.cases).toMatchObject([{ name: 'refund', outcome: 'skipped' }])
    expect(suites[3]!.cases.map((c) => [c.name, c.outcome])).toEqual([
      ['read', 'passed'],
      ['edit', 'skipped'],
    ])
  })

  it('repetitions are suites of their own, named with the repetition', async () => {
    const runner = createRunner({ repeatEach: 2 })
    const repeated = await runner.run(journey('ping', { steps: [step('s', () => {})] }))
    await runner.close()
    const { problems, suites } = checkJUnit(renderJUnit(repeated))
    expect(problems).toEqual([])
    expect(suites.map((s) => s.name)).toEqual(['ping (repeat #1)', 'ping (repeat #2)'])
    expect(suites[1]!.cases[0]!.classname).toBe('ping (repeat #2)')
  })
})
