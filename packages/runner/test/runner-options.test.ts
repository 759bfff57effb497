/** createRunner's own options: one it does not take is refused by name, never ignored. */
import { ConfigError, TIMER_MS_EXPECTED, checkpoint, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, createRunner } from '../src'
import { renderMarkdown } from '../src/reporters'

describe('createRunner options', () => {
  it('refuses an option it does not take, naming it and the one meant', () => {
    // `stateBackend` was ignored: the run took its checkpoints on no backend, and rolled nothing back.
    const misspelt = () => createRunner({ stateBackend: [new MemoryState()] } as never)
    expect(misspelt).toThrow(ConfigError)
    expect(misspelt).toThrow('createRunner: unknown option "stateBackend" (did you mean "stateBackends"?)')
    expect(() => createRunner({ colour: true } as never)).toThrow(/unknown option "colour" \(the options are parallelPaths, workers, .*toolVersion\)/)
  })

  it('refuses a timeout longer than a Node timer keeps (it fired at once, failing every step), or a fraction of a millisecond, as every duration is', () => {
    for (const name of ['stepTimeout', 'journeyTimeout', 'pluginTimeout'] as const) {
      // AbortSignal.timeout(1500.5) throws: the first step to start failed on it, not the option.
      expect(() => createRunner({ [name]: 1500.5 })).toThrow(ConfigError)
      expect(() => createRunner({ [name]: 99_999_999_999 })).toThrow(
        `createRunner: ${name}: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 99999999999`,
      )
      expect(() => createRunner({ [name]: 0 })).toThrow(ConfigError)
      expect(() => createRunner({ [name]: 1500.5 })).toThrow(`createRunner: ${name}: ${TIMER_MS_EXPECTED}, got 1500.5`)
    }
    expect(() => createRunner({ stepTimeout: 2_147_483_647 })).not.toThrow()
  })

  it('takes every option it documents, an undefined one too', async () => {
    const runner = createRunner({ stateBackends: [new MemoryState()], stepTimeout: undefined, http: { redactKeys: ['pin'] } })
    try {
      const run = await runner.run(journey('j', { steps: [step('a', () => {}), checkpoint('c')] }))
      expect(run.status).toBe('passed')
    } finally {
      await runner.close()
    }
  })

  it("knows the run's own secrets before anything is sent: a step that fails first prints them masked", async () => {
    const runner = createRunner({ baseUrl: 'http://admin:Pa55-in-url@127.0.0.1:9', headers: { 'X-Api-Key': 'HeaderKey-7781' } })
    try {
      const run = await runner.run(
        journey('early', {
          steps: [
            step('fails_first', () => {
              throw new Error('saw Pa55-in-url and HeaderKey-7781')
            }),
          ],
        }),
      )
      const text = renderMarkdown(run)
      expect(text).toContain('saw [REDACTED] and [REDACTED]')
      expect(text).not.toMatch(/Pa55-in-url|HeaderKey-7781/)
    } finally {
      await runner.close()
    }
  })
})
