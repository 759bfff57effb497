import { PassThrough } from 'node:stream'
import { journey, step } from '@venomqa/core'
import { expect, it } from 'vitest'
import { createRunner } from '../../src/index'
import { createConsoleReporter } from '../../src/reporters'

// A journey marked skip in its definition never starts: the console prints it as one line, `↷ later
// skipped`, live and after the fact (`venomqa report`), as it does a journey Ctrl-C never started. Its
// `▶ later (skipped)` header, then `↷ later skipped 0 ms`, read as if it had run for no time.

it('a journey marked skip is one line in the console, live and after the fact', async () => {
  const out = new PassThrough()
  let live = ''
  out.on('data', (d) => (live += d))
  const runner = createRunner({ reporters: [createConsoleReporter({ stream: out, color: false, progress: false })] })
  const result = await runner.run([
    journey('first', { steps: [step('one', () => {})] }),
    journey.skip('later', { tags: ['wip'], steps: [step('not_yet', () => {})] }),
    journey('last', { steps: [step('two', () => {})] }),
  ])
  await runner.close()
  expect(result.journeys[1]).toMatchObject({ name: 'later', status: 'skipped' })
  const rendered = String(createConsoleReporter({ color: false, progress: false }).render!(result, {} as never))
  for (const text of [live, rendered]) {
    const lines = text.split('\n')
    // Its one line, standing apart from the journey before, as a header would.
    expect(lines.filter((l) => l.includes('later'))).toEqual(['↷ later skipped'])
    expect(lines[lines.indexOf('↷ later skipped') - 1]).toBe('')
    expect(text).not.toContain('not_yet')
    // The journeys around it print as before.
    expect(text).toContain('▶ first')
    expect(text).toContain('▶ last')
  }
})
