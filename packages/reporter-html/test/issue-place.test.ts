/**
 * The page places an issue as the console does (issuePlace from @venomqa/core): journey, path and step,
 * the main path left out, a nested path whole (`pay_by_card > double_refund`), a journey's repetition
 * named; an issue of the run with no journey by its step alone, and one that names no place by its source.
 * The page's data, and the page itself in headless Chromium.
 */
import { type RunResult, makeIssue } from '@venomqa/core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildPageModel, resolveHtmlOptions } from '../src/index'
import { describeWithChromium, launchChromium, reportInPage } from './chromium'
import { checkoutRun } from './fixtures'


function placedRun(): RunResult {
  const result = checkoutRun()
  // The second run of quota (--repeat-each): its issue names the repetition, as its panel does.
  result.journeys[2]!.repeatEachIndex = 1
  result.issues.push(
    makeIssue({ journey: '', path: 'main', step: 'setup memory', severity: 'high', kind: 'crash', error: 'setup threw', source: 'plugin:memory' }),
    // An issue of the run that names a journey (a request cut off after its step) is named as the console names it.
    makeIssue({ journey: 'quota', path: 'main', step: 'create_sixth', severity: 'high', kind: 'transport', error: 'got no answer', source: 'runner' }),
    makeIssue({ journey: '', path: '', step: '', severity: 'medium', kind: 'state', error: 'a backend disconnected late', source: 'state' }),
  )
  return result
}

/** Where each issue is placed, by severity as the page groups them, in the run's order within one. */
const PLACES = [
  'quota (repeat #2) \u203a create_sixth',
  'checkout \u203a pay_by_card > double_refund \u203a refund_again',
  'setup memory',
  'quota \u203a create_sixth',
  'state',
]

it("the page's data holds each issue's place as the console says it", () => {
  const { issues } = buildPageModel(placedRun(), resolveHtmlOptions({}))
  const order = ['critical', 'high', 'medium', 'low', 'info']
  expect([...issues].sort((a, b) => order.indexOf(a.sv) - order.indexOf(b.sv)).map((i) => i.w)).toEqual(PLACES)
})

describeWithChromium()('issue places in the page', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('are the console\'s: (run) no more, a nested path whole, an issue of no place named by its source', async () => {
    await reportInPage(browser, placedRun(), 'issue-places.html', async (page) => {
      expect(await page.locator('#issues .issue .where').allTextContents()).toEqual(PLACES)
    })
  })
})
