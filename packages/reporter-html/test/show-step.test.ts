import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithChromium, launchChromium, reportInPage } from './chromium'
import { checkoutRun } from './fixtures'

const describeBrowser = describeWithChromium()

/** Where the element with focus is, against the sticky filter bar and the window. */
function focusPlace(page: Page) {
  return page.evaluate(() => {
    const focused = document.activeElement as HTMLElement
    const journey = focused.closest('details.journey')?.querySelector(':scope > summary')?.getBoundingClientRect()
    const bar = document.querySelector('.controls')!.getBoundingClientRect()
    return {
      step: focused.closest('li.step')?.id ?? null,
      tag: focused.tagName,
      tabIndex: focused.getAttribute('tabindex'),
      text: focused.textContent,
      top: focused.getBoundingClientRect().top,
      journeyTop: journey?.top ?? Number.NaN,
      journeyBottom: journey?.bottom ?? Number.NaN,
      barBottom: bar.bottom,
      windowHeight: window.innerHeight,
    }
  })
}

describeBrowser('"Show step" from an issue', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  for (const [screen, viewport] of [
    ['a laptop', { width: 1280, height: 720 }],
    ['a phone', { width: 390, height: 844 }],
    // Shorter than the step with its request and response open: centring it put its heading off screen.
    ['a short window', { width: 1280, height: 400 }],
  ] as const) {
    it(`moves focus to the step and shows its heading below the sticky filter bar, on ${screen}`, async () => {
      await reportInPage(
        browser,
        checkoutRun(),
        `show-step-${viewport.width}.html`,
        async (page) => {
          const stepId = await page.locator('li.step', { has: page.locator(':scope > .row > .n', { hasText: /^create_sixth$/ }) }).getAttribute('id')
          await page.locator('.issue', { hasText: 'create_sixth' }).getByRole('button', { name: 'Show step' }).click()
          await page.locator(`#${stepId} pre.body`, { hasText: 'Internal Server Error' }).waitFor({ state: 'visible' })
          const place = await focusPlace(page)
          // Focus is on the step's heading (reachable by script only), not left on the button far above.
          expect(place).toMatchObject({ step: stepId, tabIndex: '-1' })
          expect(place.text).toContain('create_sixth')
          // Scrolled so that the sticky bar does not cover it, and it is on screen.
          expect(place.top).toBeGreaterThanOrEqual(place.barBottom)
          expect(place.top).toBeLessThan(place.windowHeight)
          // Its journey's heading shows whole below the bar when the step fits under it, or is scrolled away, never under the bar.
          if (place.journeyBottom > 0) expect(place.journeyTop).toBeGreaterThanOrEqual(place.barBottom)
          // The next Tab goes on from the step: to its request and response.
          await page.keyboard.press('Tab')
          expect(await page.evaluate(() => [document.activeElement?.tagName, document.activeElement?.closest('li.step')?.id])).toEqual(['SUMMARY', stepId])
        },
        viewport,
      )
    })
  }
})
