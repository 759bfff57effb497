import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type BranchResult, type ExplorationResult, type RunResult, summarize } from '@venomqa/core'
import { backendFailingRollbackTo, explorationRun, leakedExplorationSecrets, runWithBackendDown } from '@venomqa/fixtures'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { branch as coreBranch, checkpoint as coreCheckpoint, journey as coreJourney, path as corePath, step as coreStep } from '@venomqa/core'
import { MemoryState, createRunner } from '@venomqa/runner'
import { renderHtml } from '../src/index'
import { colourCount, describeWithChromium, launchChromium } from './chromium'
import { branch, checkoutRun, checkpoint, failedStep, journey, path as pathResult, resetClock, run, step } from './fixtures'

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-output')
const SCRIPT_PAYLOAD = '<script>window.__xss=1</script>'
const IMG_PAYLOAD = '<img src=x onerror="window.__xss=2">'

/** Write a report under test-output/ and open it from disk, recording page errors and every request made. */
async function openReport(browser: Browser, name: string, result: RunResult, viewport = { width: 1280, height: 900 }) {
  mkdirSync(OUT, { recursive: true })
  const file = path.join(OUT, `${name}.html`)
  writeFileSync(file, renderHtml(result))
  const page = await browser.newPage({ viewport })
  const problems: string[] = []
  const requests: string[] = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('request', (r) => requests.push(r.url()))
  await page.goto(pathToFileURL(file).href)
  await page.waitForSelector('html[data-ready]')
  expect(await page.getAttribute('html', 'data-ready')).toBe('1')
  return { page, problems, requests, url: pathToFileURL(file).href }
}

const stepRow = (page: Page, name: string) => page.locator('li.step').filter({ has: page.locator(':scope > .row > .n', { hasText: new RegExp(`^${name}$`) }) })
const pathRow = (page: Page, name: string) => page.locator('li.path').filter({ has: page.locator(':scope > .row > .n', { hasText: new RegExp(`^${name}$`) }) })
const journeyPanel = (page: Page, name: string) => page.locator('details.journey').filter({ has: page.locator(':scope > summary > .name', { hasText: new RegExp(`^${name}$`) }) })

const describeBrowser = describeWithChromium()

describeBrowser('HTML report in headless Chromium', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("says a rollback's wait for requests that outlived their steps apart from its backends' times", async () => {
    const result = checkoutRun()
    const cart = result.journeys[0]!.nodes.find((n): n is BranchResult => n.kind === 'branch')!
    cart.paths[0]!.rollback = { ...cart.paths[0]!.rollback!, durationMs: 990, waitedMs: 980 }
    cart.finalRollback = { durationMs: 5, backends: [], waitedMs: 3 }
    result.journeys[1]!.restored = { durationMs: 7, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 1 }], waitedMs: 6 }
    const { page, problems } = await openReport(browser, 'waited', result)
    try {
      await expect.poll(() => pathRow(page, 'pay_by_card').locator('> .row .flag').textContent()).toBe('rollback 990 ms, 980 ms waiting for requests that outlived their steps')
      expect(await pathRow(page, 'bad_card').locator('> .row .flag').textContent()).toBe('rollback 4 ms')
      const flags = journeyPanel(page, 'checkout').locator('li.branch', { has: page.locator('> .row .n', { hasText: 'from cart_ready' }) }).locator('> .row .flag')
      expect(await flags.allTextContents()).toEqual(['rollback before the workers 3 ms', 'final rollback 5 ms, 3 ms waiting for requests that outlived their steps'])
      const restored = journeyPanel(page, 'todos').locator('.body > .row.restore')
      expect(await restored.locator('.muted').textContent()).toBe('postgres (snapshot, 1 ms), 6 ms waiting for requests that outlived their steps')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('says which worker each path of a parallel branch ran on, and nothing of workers for a branch run on one line', async () => {
    const result = checkoutRun()
    const cart = result.journeys[0]!.nodes.find((n): n is BranchResult => n.kind === 'branch')!
    // pay_by_card ran on the run's own app (worker 0, left out of the results), bad_card on worker 2.
    cart.paths[1]!.worker = 2
    const { page, problems } = await openReport(browser, 'path-workers', result)
    try {
      await expect.poll(() => pathRow(page, 'bad_card').locator('> .row .worker').textContent()).toBe('on worker 2')
      expect(await pathRow(page, 'pay_by_card').locator('> .row .worker').textContent()).toBe("on worker 0 (the run's own app)")
      // The branch inside pay_by_card ran its paths one after another: no worker is named there.
      expect(await pathRow(page, 'refund').locator('> .row .worker').count()).toBe(0)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('shows a run with failures and a nested branch: expand a failed step, filter to failures', async () => {
    const { page, problems, requests, url } = await openReport(browser, 'checkout', checkoutRun())
    try {
      // Summary cards.
      await expect.poll(() => page.locator('.card', { hasText: 'Steps failed' }).locator('.value').textContent()).toBe('2')
      expect(await page.locator('.card', { hasText: 'Journeys' }).locator('.detail').textContent()).toBe('1 passed \u00b7 2 failed')

      // The nested branch is in the tree, pass and fail marked on every level.
      const checkout = journeyPanel(page, 'checkout')
      expect(await checkout.getAttribute('open')).not.toBeNull()
      await expect.poll(() => pathRow(page, 'double_refund').getAttribute('class')).toContain('failed')
      expect(await pathRow(page, 'refund').getAttribute('class')).toContain('passed')
      expect(await pathRow(page, 'pay_by_card').locator('li.branch').first().locator('> .row .n').textContent()).toBe('from paid')
      // A branch whose paths ran on workers shows the rollback of its own line before them, then the final one.
      const onWorkers = checkout.locator('li.branch', { has: page.locator('> .row .n', { hasText: 'from cart_ready' }) }).locator('> .row .flag')
      expect(await onWorkers.allTextContents()).toEqual(['rollback before the workers 3 ms', 'final rollback 2 ms'])

      // Request and response are collapsed until the failed step is expanded.
      const failed = stepRow(page, 'refund_again')
      expect(await failed.locator('.err').textContent()).toBe('POST /api/refund_again answered 409')
      const responseBody = failed.locator('pre.body', { hasText: 'already_refunded' })
      expect(await responseBody.count()).toBe(0)
      await failed.locator('details.io > summary').click()
      await responseBody.waitFor({ state: 'visible' })
      expect(await responseBody.textContent()).toContain('"error": "already_refunded"') // pretty-printed JSON
      const detailText = await failed.locator('details.io').textContent()
      expect(detailText).toContain('[REDACTED]')
      expect(detailText).not.toContain('hunter2')
      expect(detailText).not.toContain('abc.def.ghi')
      expect(detailText).not.toContain('s3cr3t')

      // Failed only: passing journeys, steps and paths disappear; failures and the branches holding them stay.
      await page.locator('#failed-only').check()
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 2 of 3 journeys')
      expect(await journeyPanel(page, 'todos').isVisible()).toBe(false)
      expect(await journeyPanel(page, 'quota').isVisible()).toBe(true)
      expect(await stepRow(page, 'login').isVisible()).toBe(false)
      expect(await stepRow(page, 'cart_still_there').isVisible()).toBe(false)
      expect(await pathRow(page, 'refund').isVisible()).toBe(false)
      expect(await pathRow(page, 'bad_card').isVisible()).toBe(false)
      expect(await pathRow(page, 'double_refund').isVisible()).toBe(true)
      expect(await failed.isVisible()).toBe(true)
      expect(await stepRow(page, 'create_sixth').isVisible()).toBe(true)
      expect(await stepRow(page, 'create_five').isVisible()).toBe(false)
      await page.locator('#failed-only').uncheck()
      await expect.poll(() => stepRow(page, 'login').isVisible()).toBe(true)

      // Search narrows journeys and steps; a tag narrows journeys.
      await page.locator('.controls input[type=search]').fill('create_sixth')
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 1 of 3 journeys')
      expect(await stepRow(page, 'create_sixth').isVisible()).toBe(true)
      expect(await stepRow(page, 'create_five').isVisible()).toBe(false)
      await page.locator('.controls input[type=search]').fill('')
      await page.locator('.controls select[aria-label=Tag]').selectOption('payments')
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 1 of 3 journeys')
      expect(await journeyPanel(page, 'checkout').isVisible()).toBe(true)
      await page.locator('.controls select[aria-label=Tag]').selectOption('')
      await page.locator('.controls select[aria-label=Journey]').selectOption({ label: 'todos' })
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 1 of 3 journeys')
      expect(await journeyPanel(page, 'todos').isVisible()).toBe(true)
      await page.locator('.controls select[aria-label=Journey]').selectOption('')
      // A journey the tag filter hides: the filter is cleared to show it, and the page says so.
      const status = page.locator('.controls [role=status]')
      await page.locator('.controls select[aria-label=Tag]').selectOption('payments')
      await page.locator('.controls select[aria-label=Journey]').selectOption({ label: 'todos' })
      await expect.poll(() => status.textContent()).toBe('Cleared the tag filter "payments" to show journey "todos".')
      expect(await status.isVisible()).toBe(true)
      expect(await page.locator('.controls select[aria-label=Tag]').inputValue()).toBe('')
      expect(await journeyPanel(page, 'todos').isVisible()).toBe(true)
      // The next filter the reader sets is theirs: the note goes.
      await page.locator('.controls select[aria-label=Journey]').selectOption('')
      expect(await status.isVisible()).toBe(false)

      // An issue jumps to its step and opens its request and response.
      const critical = page.locator('.issue', { hasText: 'create_sixth' })
      expect(await critical.locator('.suggestion').textContent()).toContain('Server error')
      await critical.getByRole('button', { name: 'Show step' }).click()
      await stepRow(page, 'create_sixth').locator('pre.body', { hasText: 'Internal Server Error' }).waitFor({ state: 'visible' })

      // Screenshot, and proof it is not blank: many colours, unlike a blank page of the same size.
      mkdirSync(OUT, { recursive: true })
      await page.evaluate(() => window.scrollTo(0, 0))
      const shot = await page.screenshot({ path: path.join(OUT, 'checkout.png'), fullPage: true })
      const blankPage = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const blank = await blankPage.screenshot()
      await blankPage.close()
      const report = await colourCount(browser, shot)
      const empty = await colourCount(browser, blank)
      expect(empty.colours).toBeLessThanOrEqual(2)
      expect(report.colours).toBeGreaterThan(20)
      expect(report.height).toBeGreaterThan(900)
      expect(shot.length).toBeGreaterThan(blank.length * 5)

      // Nothing but the file itself was requested, and the page logged no error (the CSP hashes match).
      expect(requests).toEqual([url])
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('renders script and onerror payloads from names and bodies as text, running none of them', async () => {
    resetClock()
    const hostile = run([
      journey(
        SCRIPT_PAYLOAD,
        [
          step(IMG_PAYLOAD, { response: { status: 200, headers: { 'x-note': IMG_PAYLOAD }, body: { note: SCRIPT_PAYLOAD, html: IMG_PAYLOAD } } }),
          checkpoint(`cp ${IMG_PAYLOAD}`),
          branch(`cp ${IMG_PAYLOAD}`, [
            pathResult(SCRIPT_PAYLOAD, [
              failedStep(SCRIPT_PAYLOAD, 500, `</script><script>window.__xss=3</script>${IMG_PAYLOAD}`, {
                error: { kind: 'http-status', message: `failed ${IMG_PAYLOAD}` },
              }),
            ]),
          ]),
        ],
        { tags: [SCRIPT_PAYLOAD], description: IMG_PAYLOAD },
      ),
    ])
    hostile.explorations = [hostileExploration()]
    hostile.summary = summarize(hostile.journeys, hostile.issues, hostile.explorations)
    const { page, problems } = await openReport(browser, 'xss', hostile)
    try {
      // Open everything that holds data.
      for (const summary of await page.locator('details.io > summary').all()) await summary.click()
      for (const summary of await page.locator('details.violation > summary').all()) await summary.click()
      await page.locator('details.violation .part').first().waitFor({ state: 'visible' })
      await page.locator('.controls input[type=search]').fill('window.__xss')
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 1 of 1 journey')
      await page.locator('.controls input[type=search]').fill('')

      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
      expect(await page.locator('img').count()).toBe(0)
      expect(await page.locator('script').count()).toBe(2)

      // The payloads are on screen as text.
      await expect.poll(() => page.locator('.journey > summary > .name').first().textContent()).toBe(SCRIPT_PAYLOAD)
      expect(await page.locator('.journey > summary > .name').getByText(SCRIPT_PAYLOAD, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('.journey > summary > .tag').getByText(SCRIPT_PAYLOAD, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('li.step > .row > .n').getByText(IMG_PAYLOAD, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('li.path > .row > .n').getByText(SCRIPT_PAYLOAD, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('.jmeta').getByText(IMG_PAYLOAD, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('li.step .err').getByText(`failed ${IMG_PAYLOAD}`, { exact: true }).isVisible()).toBe(true)
      expect(await page.locator('.issue .where').getByText(`${SCRIPT_PAYLOAD} \u203a ${SCRIPT_PAYLOAD} \u203a ${SCRIPT_PAYLOAD}`).isVisible()).toBe(true)
      const failedBody = await stepRow(page, SCRIPT_PAYLOAD.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).locator('pre.body').last().textContent()
      expect(failedBody).toBe(`</script><script>window.__xss=3</script>${IMG_PAYLOAD}`)
      const okBody = await stepRow(page, IMG_PAYLOAD.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).locator('pre.body').last().textContent()
      expect(JSON.parse(okBody!)).toEqual({ note: SCRIPT_PAYLOAD, html: IMG_PAYLOAD })
      const exploration = page.locator('details.exploration')
      expect(await exploration.locator(':scope > summary > .name').textContent()).toBe(SCRIPT_PAYLOAD)
      expect(await exploration.locator(':scope > summary > .tag').textContent()).toBe(IMG_PAYLOAD)
      expect(await exploration.locator('.violation .inv').textContent()).toBe(IMG_PAYLOAD)
      expect(await exploration.locator('.violation .msg').textContent()).toBe(`broke ${SCRIPT_PAYLOAD}`)
      expect(await exploration.locator('.sequence .n').textContent()).toBe(SCRIPT_PAYLOAD)
      expect(await exploration.locator('.violation .title', { hasText: 'equence' }).textContent()).toBe('Sequence as the search found it, not shrunk')
      expect(await exploration.locator('.sequence .muted').textContent()).toBe(` ${JSON.stringify({ note: IMG_PAYLOAD })}`)
      expect(await exploration.locator('.violation pre.body').last().textContent()).toBe(`</script><script>window.__xss=4</script>${IMG_PAYLOAD}`)
      expect(await exploration.locator('.violation .facts').last().textContent()).toBe(`Regression journey: ${IMG_PAYLOAD}`)
      expect(await exploration.locator('table.coverage td').first().textContent()).toBe(SCRIPT_PAYLOAD)
      expect(await exploration.locator('table.timings td').nth(1).textContent()).toBe(IMG_PAYLOAD)
      expect(await exploration.locator('.note', { hasText: 'Never enabled' }).textContent()).toContain(SCRIPT_PAYLOAD)
      expect(await page.title()).toBe('VenomQA report \u2014 failed')
      expect(problems).toEqual([])
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
    } finally {
      await page.close()
    }
  })

  it('shows explorations: summary, truncation, coverage and timings; a violation opens to its minimal requests and responses', async () => {
    const { page, problems, requests, url } = await openReport(browser, 'explorations', explorationRun())
    try {
      await expect.poll(() => page.locator('.card', { hasText: 'Violations' }).locator('.value').textContent()).toBe('2')
      expect(await page.locator('.card', { hasText: 'Violations' }).locator('.detail').textContent()).toBe('1 flaky')
      expect(await page.locator('.card', { hasText: 'Explorations' }).locator('.detail').textContent()).toBe('1 passed \u00b7 1 failed')
      // The issues' heading counts as the card does: the violations are issues, shown with their explorations.
      const issuesCard = await page.locator('.card', { hasText: 'Issues' }).locator('.value').textContent()
      expect(await page.locator('section.issues > h2').textContent()).toBe(`Issues (${issuesCard})`)
      expect(Number(issuesCard)).toBeGreaterThan(0)
      expect(await page.locator('section.issues > .empty').allTextContents()).toEqual([expect.stringMatching(/^\d+ of them (?:is a broken invariant|are broken invariants), shown with (?:its|their) explorations?\.$/)])
      // A run of explorations only: no journey cards, no journey list.
      expect(await page.locator('.card', { hasText: 'Journeys' }).count()).toBe(0)
      expect(await page.locator('.journeys-section').isVisible()).toBe(false)

      const shop = page.locator('details.exploration', { has: page.locator(':scope > summary > .name', { hasText: /^shop$/ }) })
      expect(await shop.getAttribute('open')).not.toBeNull()
      expect(await shop.locator(':scope > summary .stats').textContent()).toBe('2 violations (1 flaky) \u00b7 412 transitions \u00b7 57 states \u00b7 4.21 s')
      expect(await shop.locator('.xmeta').textContent()).toBe('seed 1234 \u00b7 strategy dfs \u00b7 depth 5 \u00b7 dedupe on')

      const stock = shop.locator('details.violation', { hasText: 'stock_never_negative' })
      const refund = shop.locator('details.violation', { hasText: 'no_5xx' })
      expect(await stock.locator('.flag').count()).toBe(0)
      expect(await refund.locator('.flag').textContent()).toBe('flaky')
      expect(await stock.locator('summary .msg').textContent()).toBe('product 7 has stock -1 after 2 orders <b>|oversold|</b> (sent Bearer [REDACTED])')

      // The requests are built and shown only once the violation is opened.
      const firstRequest = stock.locator('.part', { hasText: '1. create_product \u00b7 request' })
      expect(await firstRequest.count()).toBe(0)
      await stock.locator(':scope > summary').click()
      await firstRequest.waitFor({ state: 'visible' })
      expect(await stock.locator('ol.sequence > li').allInnerTexts()).toEqual([
        expect.stringMatching(/^create_product \{"name":"Lamp <script>","stock":1\}\s+POST http:\/\/127\.0\.0\.1:4010\/api\/products \u2192 201$/),
        expect.stringMatching(/^create_order \{"productId":7\}\s+POST http:\/\/127\.0\.0\.1:4010\/api\/products\/7\/orders \u2192 201$/),
        expect.stringMatching(/^create_order \{"productId":7\}\s+POST http:\/\/127\.0\.0\.1:4010\/api\/products\/7\/orders \u2192 201$/),
      ])
      expect(await firstRequest.locator('pre.body').textContent()).toContain('"name": "Lamp <script>"')
      const lastResponse = stock.locator('.part', { hasText: 'Response \u00b7 201' }).nth(2)
      expect(JSON.parse((await lastResponse.locator('pre.body').textContent())!)).toMatchObject({ id: 2, stock: -1 })
      expect(await stock.locator('.part', { hasText: 'Probe \u00b7 request' }).locator('.mono').textContent()).toBe('GET http://127.0.0.1:4010/api/products/7')
      expect(await stock.locator('.title', { hasText: 'equence' }).textContent()).toBe('Minimal sequence')
      expect(await stock.locator('.facts').allTextContents()).toEqual([
        'Reproduced 3 of 3 attempts from the root. Shrunk from 5 actions to 3.',
        'Regression journey: journeys/regressions/stock_never_negative-3f9a2c.journey.ts',
      ])

      // The flaky one, with its login: every secret of the exchange is masked on screen.
      await refund.locator(':scope > summary').click()
      await refund.locator('.part', { hasText: '2. refund_order \u00b7 request' }).waitFor({ state: 'visible' })
      expect(await refund.locator('.facts').first().textContent()).toBe('Reproduced 2 of 5 attempts from the root: flaky, it broke on some attempts only.')
      const loginRequest = await refund.locator('.part', { hasText: '1. login \u00b7 request' }).textContent()
      expect(loginRequest).toContain('[REDACTED]')
      expect(leakedExplorationSecrets((await page.locator('body').textContent()) ?? '')).toEqual([])

      const catalog = page.locator('details.exploration', { has: page.locator(':scope > summary > .name', { hasText: /^catalog$/ }) })
      expect(await catalog.locator(':scope > summary .flag').textContent()).toBe('truncated')
      // Dedupe off: nothing merged, so the count is of the distinct states seen.
      expect(await catalog.locator(':scope > summary .stats').textContent()).toBe('no violation \u00b7 3000 transitions \u00b7 3001 distinct states seen \u00b7 1 min 0 s')
      expect(await catalog.locator('.note').first().textContent()).toBe(
        'Truncated: the time budget of 1 min 0 s ran out before the search covered depth 8; the invariants held only on what was explored.',
      )
      expect(await catalog.locator('.empty').textContent()).toBe('No invariant was broken.')
      expect(await catalog.locator('table.coverage tbody tr').allInnerTexts()).toEqual(['list_categories\t1500\t1500\t0', 'create_category\t1500\t1500\t0', 'delete_category\t0\t0\t0'])
      expect(await catalog.locator('.note', { hasText: 'Never enabled' }).textContent()).toBe(
        'Never enabled: delete_category (their when allowed them in no state the search reached before it was cut short).',
      )
      expect(await shop.locator('table.timings tbody tr').allInnerTexts()).toEqual([
        'Rollback\tpostgres\t412\t3.1 ms\t7.8 ms\t21 ms',
        'Rollback\tcontext\t412\t0.1 ms\t0.2 ms\t1.0 ms',
        'Observe\tpostgres\t413\t1.2 ms\t2.9 ms\t9.0 ms',
      ])

      mkdirSync(OUT, { recursive: true })
      await page.screenshot({ path: path.join(OUT, 'explorations.png'), fullPage: true })
      expect(requests).toEqual([url])
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('says the verdict, the counts and what failed where with JavaScript off (a CI viewer that blocks scripts)', async () => {
    mkdirSync(OUT, { recursive: true })
    const file = path.join(OUT, 'no-script.html')
    writeFileSync(file, renderHtml(checkoutRun(), { title: 'Nightly <API> run' }))
    const context = await browser.newContext({ javaScriptEnabled: false })
    try {
      const page = await context.newPage()
      await page.goto(pathToFileURL(file).href)
      // biome-ignore lint/performance/useDomNodeTextContent: what the page shows, laid out, is what is tested
      const text = await page.locator('body').innerText()
      expect(text).toContain('Nightly <API> run')
      expect(text).toMatch(/\bfailed\b/)
      expect(text).toContain('Journeys: 1 passed, 2 failed of 3')
      expect(text).toContain('critical quota › create_sixth: POST /api/create_sixth answered 500')
      expect(text).toContain('high checkout › pay_by_card > double_refund › refund_again: POST /api/refund_again answered 409')
      // The critical issue comes first, as on the page with scripts.
      expect(text.indexOf('critical quota › create_sixth')).toBeLessThan(text.indexOf('high checkout › pay_by_card'))
      // Each failed journey, in run order, with the steps that failed in it (a path's named before its step).
      expect(text).toContain('Failed journeys\ncheckout: pay_by_card > double_refund › refund_again\nquota: create_sixth')
      expect(text).not.toContain('tok-SECRET-1')
    } finally {
      await context.close()
    }
    // With scripts on, the page says it once, in its own cards and issue list.
    const { page } = await openReport(browser, 'with-script', checkoutRun())
    try {
      // biome-ignore lint/performance/useDomNodeTextContent: the hidden <noscript> text is in textContent, not on the screen
      expect(await page.locator('body').innerText()).not.toContain('Journeys: 1 passed')
    } finally {
      await page.close()
    }
  })

  it('fits a phone screen and prints without its controls', async () => {
    const { page } = await openReport(browser, 'phone', checkoutRun(), { width: 390, height: 844 })
    try {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      expect(await page.locator('.controls').isVisible()).toBe(true)
      await page.screenshot({ path: path.join(OUT, 'phone.png'), fullPage: true })
      await page.emulateMedia({ media: 'print' })
      expect(await page.locator('.controls').isVisible()).toBe(false)
      expect(await stepRow(page, 'refund_again').isVisible()).toBe(true)
    } finally {
      await page.close()
    }
  })

  it('expands and collapses all, jumps from both timelines, focuses search on /, opens failed steps for print', async () => {
    const { page, problems } = await openReport(browser, 'navigation', checkoutRun())
    try {
      const openJourneys = () => page.locator('details.journey[open]').count()
      expect(await openJourneys()).toBe(3)
      await page.getByRole('button', { name: 'Collapse all' }).click()
      expect(await openJourneys()).toBe(0)
      await page.getByRole('button', { name: 'Expand all' }).click()
      expect(await openJourneys()).toBe(3)

      // The run timeline opens a collapsed journey.
      await page.getByRole('button', { name: 'Collapse all' }).click()
      await page.locator('details.panel', { hasText: 'Run timeline' }).locator('button.label', { hasText: /^quota$/ }).click()
      expect(await journeyPanel(page, 'quota').getAttribute('open')).not.toBeNull()
      expect(await openJourneys()).toBe(1)

      // A journey timeline opens the step's request and response.
      await page.getByRole('button', { name: 'Expand all' }).click()
      const refundAgain = stepRow(page, 'refund_again')
      expect(await refundAgain.locator('details.io').getAttribute('open')).toBeNull()
      await journeyPanel(page, 'checkout').locator('.tl button.label', { hasText: 'pay_by_card \u203a double_refund \u203a refund_again' }).click()
      await refundAgain.locator('pre.body', { hasText: 'already_refunded' }).waitFor({ state: 'visible' })

      // "/" focuses the search box, but not while typing in it.
      await page.locator('body').click({ position: { x: 2, y: 2 } })
      await page.keyboard.press('/')
      const search = page.locator('.controls input[type=search]')
      expect(await search.evaluate((e) => e === document.activeElement)).toBe(true)
      await page.keyboard.type('a/b')
      expect(await search.inputValue()).toBe('a/b')
      await search.fill('')
      // The search applies 150 ms after the last keystroke: once "a/b" has hidden every journey, printing
      // before the emptied search applies would see none to open. Wait for the filter to let them back.
      await expect.poll(() => page.locator('.controls .count').textContent()).toBe('Showing 3 of 3 journeys')
      // From the "Failed only" box just ticked too: a checkbox takes no text, so "/" is not typing there.
      await page.locator('#failed-only').focus()
      await page.keyboard.press('/')
      expect(await search.evaluate((e) => e === document.activeElement)).toBe(true)
      expect(await page.locator('#failed-only').isChecked()).toBe(false)

      // Before printing: every visible journey open, failed steps' details open (with content), passed ones not.
      await page.getByRole('button', { name: 'Collapse all' }).click()
      await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')))
      expect(await openJourneys()).toBe(3)
      const sixth = stepRow(page, 'create_sixth').locator('details.io')
      expect(await sixth.getAttribute('open')).not.toBeNull()
      expect(await sixth.locator('pre.body', { hasText: 'Internal Server Error' }).count()).toBe(1)
      expect(await stepRow(page, 'login').locator('details.io').getAttribute('open')).toBeNull()
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('shows a restored journey put back after its steps, as the console does: the checkpoint, each backend, the time', async () => {
    // A real run: a memory state backend, the run restoring every journey but the one that says not to.
    const state = new MemoryState<{ users: string[] }>({ users: [] })
    const signUp = (name: string, restore?: boolean) =>
      coreJourney(name, { ...(restore === undefined ? {} : { restore }), steps: [coreStep('sign_up', () => void state.data.users.push(name))] })
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true })
    const result = await runner.run([signUp('alice'), signUp('kept', false)])
    await runner.close()
    expect(result.journeys[0]!.restored).toBeDefined()
    const { page, problems } = await openReport(browser, 'restore', result)
    try {
      const alice = journeyPanel(page, 'alice')
      expect(await alice.locator(':scope > summary .flag').allTextContents()).toEqual(['restored'])
      await alice.locator(':scope > summary').click()
      const row = alice.locator('.body > .row.restore')
      expect(await row.count()).toBe(1)
      expect(await row.locator('.kind').textContent()).toBe('rollback')
      expect(await row.locator('.n').textContent()).toBe('to venomqa:before-journey')
      expect(await row.locator('.flag').textContent()).toBe('restore')
      expect(await row.locator('.muted').textContent()).toMatch(/^memory \(memory, [\d.]+ ms\)$/)
      expect(await row.locator('.ms').textContent()).toMatch(/^[\d.]+ ms$/)
      // After the steps, as the journey is put back once it is over.
      expect(await alice.locator('.body > *').evaluateAll((els) => els.map((e) => e.className))).toEqual(expect.arrayContaining(['tree', 'row restore']))
      expect(await alice.locator('.body > .tree + .row.restore').count()).toBe(1)
      // The search finds it by what its summary line says.
      await page.fill('input[type=search]', 'restored')
      await expect.poll(() => page.locator('details.journey:visible').count()).toBe(1)
      const kept = journeyPanel(page, 'kept')
      expect(await kept.isVisible()).toBe(false)
      await page.fill('input[type=search]', '')
      await kept.locator(':scope > summary').click()
      expect(await kept.locator('.row.restore').count()).toBe(0)
      expect(await kept.locator(':scope > summary .flag').count()).toBe(0)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('never heads an interrupted run as passed, even when every journey had passed before Ctrl-C', async () => {
    // What `venomqa run` saves when it is interrupted after the journeys ran (in a runEnd hook, a report):
    // status "passed" from the journeys, interrupted because the run did not finish.
    const cut = { ...run([journey('checkout', [step('health')])]), interrupted: true }
    expect(cut.status).toBe('passed')
    const { page, problems } = await openReport(browser, 'interrupted-after-journeys', cut)
    try {
      expect(await page.title()).toBe('VenomQA report \u2014 interrupted')
      expect(await page.locator('header .badge.big').allTextContents()).toEqual(['interrupted'])
      expect(await page.locator('header .badge.passed').count()).toBe(0)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('says a journey the interrupted run never got to did not run, not that it has no steps', async () => {
    const interrupted = run([
      journey('slow', [step('health')], { interrupted: true, status: 'failed' }),
      journey('never', [], { interrupted: true, status: 'skipped' }),
      journey('empty', []),
    ])
    const { page, problems } = await openReport(browser, 'interrupted', interrupted)
    try {
      expect(await journeyPanel(page, 'never').locator('.body > .empty').first().textContent()).toBe('The run was interrupted before this journey ran.')
      expect(await journeyPanel(page, 'empty').locator('.body > .empty').first().textContent()).toBe('This journey has no steps.')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('heads a sequence whose shrinking a limit cut short as such, and says an exploration the interrupted run never started did not run', async () => {
    const [shop, catalog] = explorationRun().explorations!
    const stock = shop!.violations.find((v) => !v.flaky)!
    const never: ExplorationResult = { ...catalog!, status: 'failed', interrupted: true, notStarted: true, truncated: undefined }
    const explorations = [{ ...shop!, violations: [{ ...stock, shrinkLimit: { reason: 'attempts' as const, limit: 500 } }] }, never]
    const result = explorationRun({ interrupted: true, explorations, summary: summarize([], [], explorations) })
    const { page, problems } = await openReport(browser, 'explorations-unfinished', result)
    try {
      const panel = (name: string) => page.locator('details.exploration', { has: page.locator(':scope > summary > .name', { hasText: new RegExp(`^${name}$`) }) })
      const violation = panel('shop').locator('details.violation', { hasText: 'stock_never_negative' })
      await violation.locator(':scope > summary').click()
      expect(await violation.locator('.io-body > .title').first().textContent()).toBe('Shrunk until its limit (500 replays), may not be minimal')
      const catalogPanel = panel('catalog')
      expect(await catalogPanel.locator(':scope > summary .flag').allTextContents()).toEqual(['interrupted', 'not run'])
      expect(await catalogPanel.locator(':scope > summary .stats').count()).toBe(0)
      expect(await catalogPanel.locator('.body > .empty').textContent()).toBe('The run was interrupted before this exploration started.')
      expect(await catalogPanel.locator('.xmeta').count()).toBe(0)
      expect(await page.locator('.card', { hasText: 'Explorations' }).locator('.detail').textContent()).toBe('0 passed \u00b7 2 failed')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it("says an exploration that stopped before its first action explored nothing, and names the action whose when() threw", async () => {
    const [shop] = explorationRun().explorations!
    const threw = "when() threw in the state at the root (before any action): Cannot read properties of undefined (reading 'lines')"
    const stopped: ExplorationResult = {
      ...shop!,
      violations: [],
      stats: { ...shop!.stats, transitions: 0, states: 1, merged: 0, maxDepthReached: 0, transitionsPerSecond: 0 },
      coverage: shop!.coverage.map((c, i) => (i === 0 ? { ...c, taken: 0, enabled: 0, threw } : c)),
    }
    const result = explorationRun({ explorations: [stopped], summary: summarize([], [], [stopped]) })
    const { page, problems } = await openReport(browser, 'explorations-nothing', result)
    try {
      const panel = page.locator('details.exploration', { has: page.locator(':scope > summary > .name', { hasText: /^shop$/ }) })
      expect(await panel.locator(':scope > summary .stats').textContent()).toBe('no violation \u00b7 explored nothing \u00b7 4.21 s')
      expect(await panel.locator('.note', { hasText: 'Explored nothing' }).textContent()).toBe('Explored nothing: it stopped before its first action (see its issues).')
      // Its zero counts and "No invariant was broken" would read as a search that passed.
      await panel.locator('table.coverage').waitFor()
      expect(await panel.locator('table', { hasText: 'Transitions/s' }).count()).toBe(0)
      expect(await panel.locator('.body > .empty').count()).toBe(0)
      expect(await panel.locator('.note', { hasText: 'Not explored' }).textContent()).toBe(`Not explored: ${shop!.coverage[0]!.action}'s ${threw}`)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('shows an exploration whose only violation no replay reproduced (0/3) as failed, saying only the search broke it', async () => {
    const [shop] = explorationRun().explorations!
    const flaky = shop!.violations.find((v) => v.flaky)!
    const never = { ...flaky, reproduced: { attempts: 3, failures: 0 }, notShrunk: 'no replay from the root reproduced it, so it is reported as the search met it' }
    const explorations = [{ ...shop!, violations: [never] }]
    const result = explorationRun({ explorations, summary: summarize([], [], explorations) })
    const { page, problems } = await openReport(browser, 'explorations-never-reproduced', result)
    try {
      const panel = page.locator('details.exploration', { has: page.locator(':scope > summary > .name', { hasText: /^shop$/ }) })
      expect(await panel.getAttribute('class')).toContain('failed')
      const violation = panel.locator('details.violation', { hasText: 'no_5xx' })
      await violation.locator(':scope > summary').click()
      expect(await violation.locator('.facts').first().textContent()).toBe(
        'Reproduced 0 of 3 attempts from the root: flaky, only the search broke it, no replay did. Not shrunk: no replay from the root reproduced it, so it is reported as the search met it.',
      )
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it("numbers a retried step's earlier requests, where each said `attempt 1` (the HTTP client's try, not the step's)", async () => {
    const url = 'http://127.0.0.1:3000/api/flaky'
    const exchange = (status: number, attempt: number, durationMs: number) => ({
      request: { method: 'GET', url, headers: {} },
      response: { status, headers: {}, body: { status } },
      attempt,
      durationMs,
      startedAt: new Date(0).toISOString(),
    })
    // As the runner records a step run three times: every request its client's first try, but the second
    // one retried by the HTTP client itself (a 503 on a GET), which is its try 2.
    const s = step('pay', {
      attempts: 3,
      request: { method: 'GET', url, headers: {} },
      response: { status: 200, headers: {}, body: { status: 200 } },
      exchanges: [exchange(503, 1, 1), exchange(503, 1, 2), exchange(503, 2, 3), exchange(200, 1, 4)],
    })
    const { page, problems } = await openReport(browser, 'earlier-requests', run([journey('payments', [s])]))
    try {
      const row = stepRow(page, 'pay')
      await row.locator('details.io > summary').click()
      const titles = row.locator('details.io .io-body .part > .title')
      await titles.first().waitFor({ state: 'visible' })
      expect(await titles.allTextContents()).toEqual([
        'Request',
        'Response \u00b7 200',
        'Earlier request 1 of 3 \u00b7 1 ms',
        'Earlier request 2 of 3 \u00b7 2 ms',
        "Earlier request 3 of 3 \u00b7 the HTTP client's try 2 \u00b7 3 ms",
      ])
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it("shows why a failed step's request got no response, where it said only that none arrived", async () => {
    const refused = 'GET http://127.0.0.1:1/things?api_key=[REDACTED]: connection refused (ECONNREFUSED)'
    const s = step('fetch', {
      status: 'failed',
      error: { kind: 'transport', message: refused },
      request: { method: 'GET', url: 'http://127.0.0.1:1/things?api_key=[REDACTED]', headers: {} },
      response: undefined,
      requestError: refused,
    })
    const { page, problems } = await openReport(browser, 'request-error', run([journey('refused', [s])]))
    try {
      const row = stepRow(page, 'fetch')
      await row.locator('details.io > summary').click()
      const body = row.locator('details.io .io-body')
      await body.waitFor({ state: 'visible' })
      expect(await body.locator('.part', { has: page.locator('.title', { hasText: /^Response$/ }) }).locator('.err').textContent()).toBe(refused)
      expect(await body.textContent()).not.toContain('No response arrived.')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it("shows the steps of a path whose rollback failed as skipped in the journey's timeline, saying why, with no bar", async () => {
    // A real run: the state backend's second rollback to `cp` fails, so path `second` never runs its steps.
    const noop = () => {}
    const held = coreJourney('held', {
      steps: [coreStep('hold', noop), coreCheckpoint('cp'), coreBranch('cp', [corePath('first', [coreStep('write', noop)]), corePath('second', [coreStep('read', noop)])])],
    })
    const runner = createRunner({ stateBackends: [backendFailingRollbackTo('cp', 1)] })
    const result = await runner.run([held])
    await runner.close()
    const { page, problems } = await openReport(browser, 'failed-rollback', result)
    try {
      const rows = journeyPanel(page, 'held').locator('details.timeline .tl-row')
      await expect.poll(() => rows.count()).toBe(3)
      const ran = rows.filter({ hasText: 'first \u203a write' })
      expect(await ran.locator('.bar.passed').count()).toBe(1)
      const read = rows.filter({ hasText: 'second \u203a read' })
      // Never run: no bar at the moment the runner skipped it, no time, and the failed rollback as the reason.
      expect(await read.locator('.bar').count()).toBe(0)
      expect(await read.locator('.t').textContent()).toBe('skipped')
      expect(await read.locator('.track').textContent()).toMatch(/^rollback to checkpoint "cp" failed, so the branch stops here .*uncommitted writes after 300 ms \(lockTimeoutMs\): pid 42$/)
      expect(await read.getAttribute('title')).toMatch(/^second › read · skipped: rollback to checkpoint "cp" failed/)
      // The tree says the same: the path failed with the rollback's error, its step skipped.
      expect(await pathRow(page, 'second').locator(':scope > .err').textContent()).toMatch(/^rollback to checkpoint "cp" failed/)
      expect(await stepRow(page, 'read').getAttribute('class')).toBe('node step skipped')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('says so on the page when the data block cannot be read', async () => {
    mkdirSync(OUT, { recursive: true })
    const file = path.join(OUT, 'broken.html')
    const html = renderHtml(checkoutRun())
    writeFileSync(file, html.replace(/(<script type="application\/json" id="venomqa-data">)[^<]*/, '$1{"truncated":'))
    const page = await browser.newPage()
    try {
      await page.goto(pathToFileURL(file).href)
      await page.waitForSelector('html[data-ready]')
      expect(await page.getAttribute('html', 'data-ready')).toBe('error')
      expect(await page.locator('#app pre.err').textContent()).toMatch(/^This report could not be displayed: .*JSON/)
    } finally {
      await page.close()
    }
  })

  it('tells a state backend that could not connect once, naming the journeys not run for it', async () => {
    const { page, problems } = await openReport(browser, 'backend-down', await runWithBackendDown(createRunner))
    try {
      expect(await page.locator('.issue').count()).toBe(1)
      expect(await page.locator('.issue .not-run').textContent()).toBe('Not run for it: a, b')
      expect(await page.locator('#issues h2').textContent()).toBe('Issues (1)')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('opens a big run with most journeys collapsed and truncated bodies noted', async () => {
    resetClock()
    const journeys = Array.from({ length: 40 }, (_, i) =>
      journey(`journey-${i}`, [step('a'), i % 10 === 3 ? failedStep('b', 422, { error: 'x'.repeat(50_000) }) : step('b')]),
    )
    const { page } = await openReport(browser, 'big', run(journeys))
    try {
      // Only failed journeys start open (40 journeys: too many to open them all).
      expect(await page.locator('details.journey[open]').count()).toBe(4)
      const failed = stepRow(page, 'b').and(page.locator('.failed')).first()
      await failed.locator('details.io > summary').click()
      await expect.poll(() => failed.locator('.note').textContent()).toMatch(/^Body truncated: showing the first 16,000 of 50,0\d\d characters\.$/)
    } finally {
      await page.close()
    }
  })
})

/** An exploration whose every field from the definition or the API holds markup that would run if parsed. */
function hostileExploration(): ExplorationResult {
  const x = explorationRun().explorations![0]!
  const exchange = x.violations[0]!.sequence[0]!.exchanges[0]!
  return {
    ...x,
    name: SCRIPT_PAYLOAD,
    tags: [IMG_PAYLOAD],
    description: IMG_PAYLOAD,
    coverage: [{ action: SCRIPT_PAYLOAD, taken: 1, enabled: 1, refused: 0 }],
    neverEnabled: [SCRIPT_PAYLOAD],
    timings: { rollback: { [IMG_PAYLOAD]: { count: 1, p50: 1, p95: 1, max: 1 } }, observe: {} },
    violations: [
      {
        ...x.violations[0]!,
        invariant: IMG_PAYLOAD,
        message: `broke ${SCRIPT_PAYLOAD}`,
        emittedFile: IMG_PAYLOAD,
        probes: [],
        // Met but never shrunk nor confirmed, as when the exploration is interrupted.
        foundLength: 1,
        reproduced: { attempts: 0, failures: 0 },
        sequence: [
          {
            action: SCRIPT_PAYLOAD,
            input: { note: IMG_PAYLOAD },
            exchanges: [{ ...exchange, response: { status: 500, headers: { 'x-note': IMG_PAYLOAD }, body: `</script><script>window.__xss=4</script>${IMG_PAYLOAD}` } }],
          },
        ],
      },
    ],
    issues: [],
  }
}
