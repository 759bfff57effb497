import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithChromium, launchChromium, reportInPage } from './chromium'
import { journey, resetClock, run, step } from './fixtures'

const describeBrowser = describeWithChromium()

/** A run whose only secret is in a header: its bodies hold nothing masked. */
function headersRun() {
  resetClock()
  return run([
    journey('traced', [
      step('login', {
        request: { method: 'GET', url: 'http://127.0.0.1:3000/api/me', headers: { authorization: 'Bearer tok-only-in-a-header' } },
        response: { status: 200, headers: { 'x-trace-id': 'trace-7f3a', 'content-type': 'application/json' }, body: { id: 1 } },
      }),
      step('list'),
    ]),
    journey('plain', [step('health')]),
  ])
}

/** What the filters show: the count, and the names of the steps left visible in visible journeys. */
async function shown(page: Page): Promise<{ count: string | null; steps: string[] }> {
  return {
    count: await page.locator('.controls .count').textContent(),
    steps: await page.locator('details.journey:not([hidden]) li.step:not([hidden]) > .row > .n').allTextContents(),
  }
}

/** Search for `text` and what it shows once the search applied (it waits for typing to settle). */
async function searched(page: Page, text: string, expected: Awaited<ReturnType<typeof shown>>): Promise<void> {
  await page.locator('.controls input[type=search]').fill(text)
  await expect.poll(() => shown(page)).toEqual(expected)
  await page.locator('.controls input[type=search]').fill('')
  await expect.poll(() => shown(page)).toEqual({ count: 'Showing 2 of 2 journeys', steps: ['login', 'list', 'health'] })
}

describeBrowser('search in the HTML report', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("finds a step by its headers' names and values, as shown (masked), never by a masked value", async () => {
    await reportInPage(browser, headersRun(), 'search-headers.html', async (page) => {
      const login = { count: 'Showing 1 of 2 journeys', steps: ['login'] }
      await searched(page, 'trace-7F3A', login)
      await searched(page, 'x-trace-id', login)
      await searched(page, 'REDACTED', login)
      // The secret itself is not in the report, so a search for it finds nothing.
      await searched(page, 'tok-only-in-a-header', { count: 'Showing 0 of 2 journeys', steps: [] })
    })
  })
})
