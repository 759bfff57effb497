/** A step's own log lines (`log` in its action) reach the run's logger marked with the step that wrote them. */
import { type Logger, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { type StepAwareLogger, type StepPlace, createRunner } from '../src/index'

const logging = journey('checkout', {
  steps: [
    step('login', ({ log }) => {
      log.info('logged in', { user: 'ann' })
    }),
    checkpoint('cart'),
    branch('cart', [
      path('bad_card', [
        step('pay', ({ log }) => {
          log.warn('card declined')
          log.error('giving up')
        }),
      ]),
    ]),
  ],
})

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const at = (level: string) => (message: string, data?: unknown) => lines.push(`${level} ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`)
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

describe('step log lines', () => {
  it('a logger with forStep gets a logger per step, told the journey, path and step', async () => {
    const places: StepPlace[] = []
    const own = recorder()
    const tool = recorder()
    const logger: StepAwareLogger = {
      ...tool.logger,
      forStep(place) {
        places.push(place)
        return own.logger
      },
    }
    const runner = createRunner({ logger })
    const result = await runner.run(logging)
    await runner.close()
    expect(places).toEqual([
      { journey: 'checkout', path: 'main', step: 'login', label: 'checkout › login' },
      { journey: 'checkout', path: 'bad_card', step: 'pay', label: 'checkout › bad_card › pay' },
    ])
    expect(own.lines).toEqual(['info logged in {"user":"ann"}', 'warn card declined', 'error giving up'])
    // The tool's own message (no state backend for the checkpoint) stays on the logger itself.
    expect(tool.lines.some((l) => l.startsWith('warn no state backend'))).toBe(true)
    expect(tool.lines.some((l) => l.includes('card declined'))).toBe(false)
    // The results keep the lines as the step wrote them.
    expect(result.journeys[0]!.nodes[0]).toMatchObject({ logs: [{ level: 'info', message: 'logged in {"user":"ann"}' }] })
  })

  it('a plain logger gets each step line prefixed with where it came from', async () => {
    const plain = recorder()
    const runner = createRunner({ logger: plain.logger })
    await runner.run(logging)
    await runner.close()
    expect(plain.lines.filter((l) => l.includes('['))).toEqual([
      'info [checkout › login] logged in {"user":"ann"}',
      'warn [checkout › bad_card › pay] card declined',
      'error [checkout › bad_card › pay] giving up',
    ])
  })

  it('masks the data a step logs by key, the run\'s own redactKeys and the built-in secret names both, in the results and on the logger', async () => {
    const plain = recorder()
    const runner = createRunner({ logger: plain.logger, http: { redactKeys: ['ssn'] } })
    const err = new Error('card declined')
    const result = await runner.run(
      journey('private', {
        steps: [
          step('profile', ({ log }) => {
            log.info('profile', { name: 'Ann', ssn: '123-45-6789', nested: { password: 'hunter22' }, at: new Date(Date.UTC(2026, 0, 2)), cause: Object.assign(new Error('no card'), { code: 'E_CARD' }), retry: () => 1 })
            log.error('failed', err)
          }),
        ],
      }),
    )
    await runner.close()
    // A Date and a nested Error are kept as their JSON shows them (masking by key would have made them
    // `{}`), the Error with its own fields; a function is left out, as JSON leaves it.
    const logged =
      '{"name":"Ann","ssn":"[REDACTED]","nested":{"password":"[REDACTED]"},"at":"2026-01-02T00:00:00.000Z","cause":{"code":"E_CARD","name":"Error","message":"no card"}}'
    expect(plain.lines).toContain(`info [private › profile] profile ${logged}`)
    expect(result.journeys[0]!.nodes[0]).toMatchObject({ logs: [{ level: 'info', message: `profile ${logged}` }, { level: 'error' }] })
    // An Error goes on as it is, for the logger to print its message and stack.
    expect(plain.lines.some((l) => l.startsWith('error [private › profile] failed'))).toBe(true)
  })

  it('a step that logs an object in place of a message (a JavaScript journey) has it masked by key, in the results and on the logger', async () => {
    const plain = recorder()
    const runner = createRunner({ logger: plain.logger, http: { redactKeys: ['ssn'] } })
    const result = await runner.run(
      journey('untyped', {
        steps: [
          step('profile', ({ log }) => {
            // What `log.info(res.json())` does: the typed message is a string, but nothing checks it at run time.
            ;(log.info as (message: unknown) => void)({ user: 'ann', password: 'pw-as-message-4d7e1a', ssn: '987-65-4321' })
            ;(log.warn as (message: unknown) => void)(7)
          }),
        ],
      }),
    )
    await runner.close()
    const logged = '{"user":"ann","password":"[REDACTED]","ssn":"[REDACTED]"}'
    expect(result.journeys[0]!.nodes[0]).toMatchObject({ logs: [{ level: 'info', message: logged }, { level: 'warn', message: '7' }] })
    expect(plain.lines).toContain(`info [untyped › profile] ${logged}`)
    expect(JSON.stringify(result)).not.toContain('pw-as-message-4d7e1a')
    expect(plain.lines.join('\n')).not.toContain('987-65-4321')
  })
})
