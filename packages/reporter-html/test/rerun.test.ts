import { type RunResult, journey, step } from '@venomqa/core'
import { mergedRerunRun } from '@venomqa/fixtures'
import { createRunner } from '@venomqa/runner'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPageModel, resolveHtmlOptions } from '../src/index'
import { describeWithChromium, launchChromium, reportInPage } from './chromium'

// A flaky journey (failed, then passed on a retry), a skipped one and a repeated one, in the HTML report:
// the page's data, and the page itself in headless Chromium.
let run: RunResult
/** One journey that fails on each of its two repetitions, alike: two issues but for which run they are. */
let failing: RunResult

beforeAll(async () => {
  const repeating = createRunner({ repeatEach: 2 })
  failing = await repeating.run(
    journey('pay', {
      steps: [
        step('charge', () => {
          throw new Error('card declined')
        }),
      ],
    }),
  )
  await repeating.close()
})

beforeAll(async () => {
  let confirm = 0
  const runner = createRunner({ repeatEach: 2 })
  run = await runner.run([
    journey('checkout', {
      retries: 1,
      steps: [
        step('confirm', () => {
          if (++confirm === 1) throw new Error('confirm <service> down')
        }),
      ],
    }),
    journey.skip('refund', { steps: [step('refund', () => {})] }),
  ])
  await runner.close()
})

describe('page data of reruns', () => {
  it('keeps the flaky status, the attempt, why each earlier attempt failed, the repetition and the counts', () => {
    const data = buildPageModel(run, resolveHtmlOptions({}))
    expect(data.journeys.map((j) => [j.n, j.s, j.rp, j.at])).toEqual([
      ['checkout', 'flaky', 0, 2],
      ['refund', 'skipped', 0, undefined],
      ['checkout', 'passed', 1, undefined],
      ['refund', 'skipped', 1, undefined],
    ])
    expect(data.journeys[0]!.ea).toEqual([{ a: 1, s: 'failed', m: 'confirm: confirm <service> down' }])
    expect(data.run.summary.journeys).toEqual({ total: 4, passed: 1, failed: 0, skipped: 2, flaky: 1 })
  })
})

describe('page data of a run merged with a --last-failed rerun', () => {
  it("names each attempt by the run it was in and says the journey passed in the rerun, in core's words", () => {
    const [checkout, profile] = buildPageModel(mergedRerunRun(), resolveHtmlOptions({})).journeys
    expect([checkout!.al, checkout!.ph, checkout!.rr, checkout!.ea!.map((a) => a.l)]).toEqual(['--last-failed rerun', 'in a --last-failed rerun', 1, ['attempt 1 of 2', 'attempt 2 of 2']])
    // A retry within one run, as before: no run to name.
    expect([profile!.al, profile!.ph, profile!.rr, profile!.ea!.map((a) => a.l)]).toEqual(['attempt 2', 'on attempt 2', undefined, [undefined]])
  })
})

/** j1 passes, j2 fails, and --fail-fast stops the run before j3. */
async function failFastRun(): Promise<RunResult> {
  const runner = createRunner({ failFast: true })
  const result = await runner.run([
    journey('j1', { steps: [step('one', () => {})] }),
    journey('j2', {
      steps: [
        step('two', () => {
          throw new Error('boom')
        }),
      ],
    }),
    journey('j3', { steps: [step('three', () => {})] }),
  ])
  await runner.close()
  return result
}

describe('page data of a journey --fail-fast skipped', () => {
  it("says why it was skipped, in core's words", async () => {
    const j3 = buildPageModel(await failFastRun(), resolveHtmlOptions({})).journeys[2]!
    expect([j3.s, j3.ir, j3.sh]).toEqual(['skipped', 1, '--fail-fast: "j2" failed'])
  })
})

const describeBrowser = describeWithChromium()

describeBrowser('reruns in the HTML report in headless Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  const inPage = (result: RunResult, name: string, check: (page: Page) => Promise<void>) => reportInPage(browser, result, name, check)

  it('marks the flaky journey, lists its failed attempt as text, and shows skipped journeys and repetitions', async () => {
    await inPage(run, 'reruns.html', async (page) => {
      expect(await page.locator('.card', { hasText: 'Journeys' }).locator('.detail').textContent()).toBe('1 passed \u00b7 0 failed \u00b7 1 flaky \u00b7 2 skipped')
      const panels = page.locator('details.journey')
      expect(await panels.count()).toBe(4)
      const flaky = panels.nth(0)
      expect(await flaky.getAttribute('class')).toContain('flaky')
      expect(await flaky.locator(':scope > summary').textContent()).toMatch(/checkout[\s\S]*repeat #1[\s\S]*flaky[\s\S]*attempt 2/)
      // Opened as a reader would (it may be open already: only a click on a closed panel opens it).
      if ((await flaky.getAttribute('open')) === null) await flaky.locator(':scope > summary').click()
      const attempts = flaky.locator('ul.attempts > li')
      await attempts.first().waitFor()
      expect(await attempts.count()).toBe(1)
      // What the API said stays text: the angle brackets are shown, not parsed.
      expect(await attempts.first().textContent()).toContain('attempt 1 failed: confirm: confirm <service> down')
      expect(await panels.nth(1).locator(':scope > summary').textContent()).toMatch(/refund[\s\S]*repeat #1[\s\S]*skipped/)
      expect(await panels.nth(2).locator(':scope > summary').textContent()).toMatch(/checkout[\s\S]*repeat #2/)
      // The journey filter and the run timeline tell the repetitions apart.
      expect(await page.locator('select[aria-label="Journey"] option').allTextContents()).toEqual([
        'All journeys',
        'checkout (repeat #1)',
        'refund (repeat #1)',
        'checkout (repeat #2)',
        'refund (repeat #2)',
      ])
    })
  })

  it('the search finds journeys by what their summary line shows: the repetition, flaky, the attempt', async () => {
    await inPage(run, 'reruns-search.html', async (page) => {
      const search = page.locator('.controls input[type=search]')
      const count = page.locator('.controls .count')
      const shown = () => page.locator('details.journey:not([hidden]) > summary .name').allTextContents()
      await search.fill('Repeat #2')
      await page.waitForFunction(() => document.querySelector('.controls .count')?.textContent === 'Showing 2 of 4 journeys')
      expect(await shown()).toEqual(['checkout', 'refund'])
      // Each shown is the second repetition, as its summary says.
      for (const summary of await page.locator('details.journey:not([hidden]) > summary').allTextContents()) expect(summary).toContain('repeat #2')
      await search.fill('flaky')
      await page.waitForFunction(() => document.querySelector('.controls .count')?.textContent === 'Showing 1 of 4 journeys')
      expect(await shown()).toEqual(['checkout'])
      await search.fill('attempt 2')
      await page.waitForFunction(() => document.querySelector('.controls .count')?.textContent === 'Showing 1 of 4 journeys')
      await search.fill('')
      await page.waitForFunction(() => document.querySelector('.controls .count')?.textContent === 'Showing 4 of 4 journeys')
      expect(await count.textContent()).toBe('Showing 4 of 4 journeys')
    })
  })

  it('says of a journey merged from a --last-failed rerun that it passed in the rerun, each attempt by its run; a retry as before', async () => {
    await inPage(mergedRerunRun(), 'merged-rerun.html', async (page) => {
      const panels = page.locator('details.journey')
      const [checkout, profile] = [panels.nth(0), panels.nth(1)]
      expect(await checkout.locator(':scope > summary > .flag').allTextContents()).toEqual(['--last-failed rerun'])
      expect(await profile.locator(':scope > summary > .flag').allTextContents()).toEqual(['attempt 2'])
      expect(await checkout.locator('.badge.flaky').getAttribute('title')).toBe('failed, then passed in a --last-failed rerun')
      expect(await profile.locator('.badge.flaky').getAttribute('title')).toBe('failed, then passed on attempt 2')
      for (const panel of [checkout, profile]) if ((await panel.getAttribute('open')) === null) await panel.locator(':scope > summary').click()
      await checkout.locator('ul.attempts > li').first().waitFor()
      expect(await checkout.locator('.jmeta', { hasText: 'Ran ' }).textContent()).toBe('Ran 3 times; the steps below are attempt 3 (--last-failed rerun), which passed in a --last-failed rerun: flaky.')
      expect((await checkout.locator('ul.attempts > li').allTextContents()).map((t) => t.trim())).toEqual([
        '\u2717 attempt 1 (attempt 1 of 2) failed: confirm: confirm service down (try 1)',
        '\u2717 attempt 2 (attempt 2 of 2) failed: confirm: confirm service down (try 2)',
      ])
      expect(await profile.locator('.jmeta', { hasText: 'Ran ' }).textContent()).toBe('Ran 2 times; the steps below are attempt 2, which passed: flaky.')
      expect((await page.locator('details.journey').allTextContents()).join('\n')).not.toContain('on a retry')
    })
  })

  it('says of a journey --fail-fast skipped why it was, not that the run was interrupted', async () => {
    await inPage(await failFastRun(), 'fail-fast.html', async (page) => {
      const j3 = page.locator('details.journey').nth(2)
      expect(await j3.locator(':scope > summary > .flag').allTextContents()).toEqual(['--fail-fast: "j2" failed'])
      if ((await j3.getAttribute('open')) === null) await j3.locator(':scope > summary').click()
      expect((await page.locator('details.journey').allTextContents()).join('\n')).not.toContain('interrupted')
    })
  })

  it('names the repetition in each issue, as the journey filter does', async () => {
    await inPage(failing, 'repeated-issues.html', async (page) => {
      expect(await page.locator('#issues .issue .where').allTextContents()).toEqual(['pay (repeat #1) \u203a charge', 'pay (repeat #2) \u203a charge'])
    })
  })
})
