/**
 * A failed step's requests as curl commands in the HTML report: in the page model (each request, the whole
 * body even where the page cuts it), then in the page itself, in headless Chromium, with its Copy button.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type HttpExchange, type RunResult, curlText, redactRun } from '@venomqa/core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPageModel, renderHtml, resolveHtmlOptions } from '../src/index'
import type { PageStep } from '../src/page-model'
import { describeWithChromium, launchChromium } from './chromium'
import { failedStep, journey, resetClock, run, step } from './fixtures'

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-output')
const LONG = 'y'.repeat(5000)

/** A failed step that sent two requests (a 503, then a 409 for a body longer than the page shows). */
function retriedRun(): RunResult {
  resetClock()
  const last = failedStep('refund', 409, { error: 'already_refunded' })
  const first: HttpExchange = {
    request: { ...last.request!, body: { amount: 1, note: "it's" } },
    response: { status: 503, headers: {} },
    durationMs: 4,
    attempt: 1,
    startedAt: last.startedAt,
  }
  const second: HttpExchange = { request: { ...last.request!, body: { title: 'x', password: 'hunter2', note: LONG } }, response: last.response, durationMs: 5, attempt: 2, startedAt: last.startedAt }
  last.request = second.request
  last.exchanges = [first, second]
  return run([journey('checkout', [step('login'), last])])
}

const steps = (r: RunResult) => buildPageModel(r, resolveHtmlOptions({ maxBodyChars: 1000 })).journeys[0]!.x as PageStep[]

describe('curl in the page model', () => {
  it("gives each request of a failed step its command, whole and redacted; a passed step's none", () => {
    const input = retriedRun()
    const [login, refund] = steps(input)
    expect(login!.rq?.cu).toBeUndefined()
    const redacted = redactRun(input).journeys[0]!.nodes[1]! as typeof input.journeys[0]['nodes'][number] & { exchanges: HttpExchange[] }
    expect(refund!.rq!.cu).toBe(curlText(redacted.exchanges[1]!.request))
    expect(refund!.ex!.map((x) => x.rq.cu)).toEqual([curlText(redacted.exchanges[0]!.request)])
    // The page shows 1000 characters of the body; the command sends all of it.
    expect(refund!.rq!.cu).toContain(LONG)
    expect(refund!.rq!.cu).toContain('# set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report')
    expect(refund!.rq!.cu).toContain(`--data-raw '{"title":"x","password":"'"$VENOMQA_PASSWORD"'","note":"${LONG}"}'`)
    const page = JSON.stringify(buildPageModel(input, resolveHtmlOptions({})))
    for (const secret of ['abc.def.ghi', 'hunter2']) expect(page).not.toContain(secret)
  })
})

const describeBrowser = describeWithChromium()

describeBrowser('curl in the page, in headless Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('shows the command under each request of the failed step, and Copy puts it on the clipboard', async () => {
    mkdirSync(OUT, { recursive: true })
    const file = path.join(OUT, 'curl.html')
    const input = retriedRun()
    writeFileSync(file, renderHtml(input))
    const context = await browser.newContext()
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'])
      const page = await context.newPage()
      const problems: string[] = []
      page.on('pageerror', (e) => problems.push(e.message))
      await page.goto(pathToFileURL(file).href)
      await page.waitForSelector('html[data-ready]')
      const refund = page.locator('li.step').filter({ has: page.locator(':scope > .row > .n', { hasText: /^refund$/ }) })
      await refund.locator('details.io > summary').click()
      const commands = refund.locator('pre.curl')
      await commands.first().waitFor({ state: 'visible' })
      const expected = steps(input)[1]!
      expect(await commands.allTextContents()).toEqual([expected.rq!.cu, expected.ex![0]!.rq.cu])
      expect(await page.locator('li.step', { hasText: 'login' }).locator('pre.curl').count()).toBe(0)
      await refund.locator('.curl-box button.copy').first().click()
      await expect.poll(() => refund.locator('.curl-box button.copy').first().textContent()).toBe('Copied')
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected.rq!.cu)
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })
})
