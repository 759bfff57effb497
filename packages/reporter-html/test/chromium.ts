import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { isCI } from '@venomqa/test-utils'
import { type Browser, type Page, chromium } from 'playwright-core'
import { describe, expect } from 'vitest'
import { renderHtml } from '../src/index'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * `describe` for tests that need Debian's Chromium. Missing: under CI the suite fails (a browser test that
 * cannot run must not pass); elsewhere it is skipped with a loud warning. Install: apt-get install chromium.
 */
export function describeWithChromium(): typeof describe {
  if (existsSync(CHROMIUM)) return describe
  if (isCI) {
    return ((title: string) =>
      describe(title, () => {
        throw new Error(`${CHROMIUM} is missing and CI is set: these browser tests cannot be skipped (apt-get install -y chromium)`)
      })) as unknown as typeof describe
  }
  console.warn(`\n!!! SKIPPING: ${CHROMIUM} is missing. The HTML report browser tests did NOT run (apt-get install -y chromium).\n`)
  return describe.skip as unknown as typeof describe
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/**
 * How many distinct colours a PNG holds, counted by the browser's own decoder in a blank page (the report's
 * policy forbids images, so this runs elsewhere). Coarse buckets so antialiasing does not inflate it.
 */
export async function colourCount(browser: Browser, png: Buffer): Promise<{ colours: number; width: number; height: number }> {
  const page = await browser.newPage()
  try {
    return await page.evaluate(async (dataUrl) => {
      const img = new Image()
      img.src = dataUrl
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.naturalWidth
      canvas.height = img.naturalHeight
      const g = canvas.getContext('2d')!
      g.drawImage(img, 0, 0)
      const px = g.getImageData(0, 0, canvas.width, canvas.height).data
      const seen = new Set<number>()
      for (let i = 0; i < px.length; i += 4 * 7) seen.add(((px[i]! >> 4) << 8) | ((px[i + 1]! >> 4) << 4) | (px[i + 2]! >> 4))
      return { colours: seen.size, width: canvas.width, height: canvas.height }
    }, `data:image/png;base64,${png.toString('base64')}`)
  } finally {
    await page.close()
  }
}

/** Where the browser tests write the reports they open. */
export const TEST_OUTPUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-output')

/**
 * The HTML report of `result`, written to test-output/`name` and opened in a page of `browser`, for
 * `check` (at `viewport`, or the browser's default); the page must throw nothing meanwhile. The page is closed after, passed or not.
 */
export async function reportInPage(
  browser: Browser,
  result: RunResult,
  name: string,
  check: (page: Page) => Promise<void>,
  viewport?: { width: number; height: number },
): Promise<void> {
  mkdirSync(TEST_OUTPUT, { recursive: true })
  const file = path.join(TEST_OUTPUT, name)
  writeFileSync(file, renderHtml(result))
  const page = await browser.newPage(viewport ? { viewport } : {})
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  try {
    await page.goto(pathToFileURL(file).href)
    await page.waitForSelector('html[data-ready]')
    await check(page)
    expect(problems).toEqual([])
  } finally {
    await page.close()
  }
}
