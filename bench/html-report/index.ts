/**
 * How big the HTML report of a 200 journeys x 50 steps run is, how long it takes to render, and how long
 * Chromium takes to open it from disk (load event, first paint, the page's own "ready" mark), plus the
 * worst interactions: "Expand all" on every journey, and a search through every step (names, URLs,
 * errors, headers, bodies). Goal: under 5 MB, open in under 2 s.
 *
 *   pnpm bench html-report                        # needs /usr/bin/chromium (apt-get install -y chromium)
 *   JOURNEYS=60 STEPS=50 pnpm bench html-report   # a smaller run: 3 000 steps
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { renderHtml } from '@venomqa/reporter-html'
import { bigRun } from '@venomqa/fixtures'

const JOURNEYS = Number(process.env.JOURNEYS ?? 200)
const STEPS = Number(process.env.STEPS ?? 50)
const OPENS = 5
const CHROMIUM = '/usr/bin/chromium'

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const result = bigRun(JOURNEYS, STEPS)
const rawBytes = Buffer.byteLength(JSON.stringify(result))

// Render: first call includes warm-up, so time a few.
const renderTimes: number[] = []
let html = ''
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  html = renderHtml(result)
  renderTimes.push(performance.now() - t)
}
const htmlBytes = Buffer.byteLength(html)

console.log(`HTML report, ${JOURNEYS} journeys x ${STEPS} steps (${result.summary.steps.total} steps, ${result.summary.issues.total} issues)`)
console.log(`  results JSON         ${mb(rawBytes)} MB`)
console.log(
  `  HTML report          ${mb(htmlBytes)} MB   (${(htmlBytes / rawBytes).toFixed(2)}x the results JSON; budget 5 MB: ${((htmlBytes / (5 * 1024 * 1024)) * 100).toFixed(0)}% used)`,
)
console.log(`  render (node)        ${median(renderTimes).toFixed(0)} ms median of ${renderTimes.length}`)

if (!existsSync(CHROMIUM)) {
  console.log(`  open in Chromium     not measured: ${CHROMIUM} is missing (apt-get install -y chromium)`)
  process.exit(0)
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-bench-html-'))
const file = path.join(dir, 'report.html')
writeFileSync(file, html)
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
try {
  const loads: number[] = []
  const paints: number[] = []
  const readies: number[] = []
  const wall: number[] = []
  let expandAll = 0
  let failedOnly = 0
  const firstSearches: number[] = []
  const nextSearches: number[] = []
  for (let i = 0; i < OPENS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const t = performance.now()
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    await page.waitForFunction(() => performance.getEntriesByType('paint').length > 0 && document.documentElement.dataset.ready === '1')
    wall.push(performance.now() - t)
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
      const paint = performance.getEntriesByName('first-contentful-paint')[0] ?? performance.getEntriesByName('first-paint')[0]
      return { load: nav.loadEventEnd, paint: paint?.startTime ?? Number.NaN, ready: performance.getEntriesByName('venomqa-ready')[0]?.startTime ?? Number.NaN }
    })
    loads.push(m.load)
    paints.push(m.paint)
    readies.push(m.ready)
    // Text found nowhere: every step is looked at. The first search makes each step's searchable text.
    firstSearches.push(await page.evaluate(searchTime, 'no-such-text-anywhere'))
    nextSearches.push(await page.evaluate(searchTime, 'no-such-text-either'))
    if (i === OPENS - 1) {
      // The worst interactions: filter 10 000 steps, then build every journey's tree at once.
      failedOnly = await page.evaluate(() => {
        const t0 = performance.now()
        ;(document.getElementById('failed-only') as HTMLInputElement).click()
        void document.body.offsetHeight
        return performance.now() - t0
      })
      await page.evaluate(() => (document.getElementById('failed-only') as HTMLInputElement).click())
      expandAll = await page.evaluate(() => {
        const t0 = performance.now()
        ;[...document.querySelectorAll('button')].find((b) => b.textContent === 'Expand all')!.click()
        void document.body.offsetHeight
        return performance.now() - t0
      })
    }
    await page.close()
  }
  const open = median(loads)
  console.log(
    `  open in Chromium     load event ${open.toFixed(0)} ms, first paint ${median(paints).toFixed(0)} ms, page ready ${median(readies).toFixed(0)} ms (median of ${OPENS})`,
  )
  console.log(
    `                       wall clock from goto to painted and ready: ${median(wall).toFixed(0)} ms; ${(2000 / Math.max(open, median(paints))).toFixed(1)}x under the 2 s budget`,
  )
  console.log(
    `  search               first ${median(firstSearches).toFixed(0)} ms, next ${median(nextSearches).toFixed(0)} ms (a text found nowhere; median of ${OPENS})`,
  )
  console.log(
    `  interactions         failed-only filter ${failedOnly.toFixed(0)} ms; expand all ${JOURNEYS} journeys ${expandAll.toFixed(0)} ms (${(expandAll / Math.max(1, median(readies))).toFixed(1)}x the first render)`,
  )
} finally {
  await browser.close()
  rmSync(dir, { recursive: true, force: true })
}

/**
 * In the page: how long a search for `text` takes, from the moment it applies to the page laid out again.
 * The search waits for typing to settle (a timer): the timer's callback is caught and run at once, timed.
 */
function searchTime(text: string): number {
  const input = document.querySelector<HTMLInputElement>('input[type=search]')!
  const setTimer = window.setTimeout
  let apply: (() => void) | undefined
  window.setTimeout = ((callback: () => void) => {
    apply = callback
    return 0
  }) as typeof window.setTimeout
  try {
    input.value = text
    input.dispatchEvent(new Event('input'))
  } finally {
    window.setTimeout = setTimer
  }
  const t0 = performance.now()
  apply!()
  void document.body.offsetHeight
  return performance.now() - t0
}
