import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import nodePath from 'node:path'
import { pathToFileURL } from 'node:url'
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner, writeReports } from '@venomqa/runner'
import { listenLocally } from '@venomqa/test-utils'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import htmlPlugin from '../src/index'
import { describeWithChromium, launchChromium } from './chromium'

/** A small API with a login that takes a password and returns a token, and an order route that can conflict. */
function startApi() {
  let orders = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'set-cookie': 'sid=cookie-secret-42' })
        res.end(JSON.stringify(value))
      }
      if (req.url === '/login') return json(200, { token: 'token-secret-99', user: { id: 1 } })
      if (req.url === '/orders' && req.method === 'POST') return ++orders > 1 ? json(409, { error: 'duplicate_order', orders }) : json(201, { id: orders })
      if (req.url === '/orders') return json(200, { orders })
      json(404, { error: 'not_found', path: req.url })
    })
  })
  return listenLocally(server)
}

const describeBrowser = describeWithChromium()

describeBrowser('the html reporter on a real run', () => {
  let browser: Browser
  let api: Awaited<ReturnType<typeof startApi>>
  let dir: string

  beforeAll(async () => {
    ;[browser, api] = await Promise.all([launchChromium(), startApi()])
    dir = mkdtempSync(nodePath.join(os.tmpdir(), 'venomqa-html-'))
  })
  afterAll(async () => {
    await Promise.all([browser?.close(), api?.close()])
    rmSync(dir, { recursive: true, force: true })
  })

  it('is registered by the plugin, written by writeReports, and shows the run in Chromium', async () => {
    const runner = createRunner({ baseUrl: api.url, plugins: [[htmlPlugin, { title: 'Orders' }]] })
    try {
      await runner.init()
      const result = await runner.run(
        journey('orders', {
          tags: ['smoke'],
          steps: [
            step('login', ({ http }) => http.post('/login', { json: { email: 'a@b.c', password: 'pw-secret-7' } })),
            checkpoint('logged_in'),
            branch('logged_in', [
              path('order_twice', [
                step('first_order', ({ http }) => http.post('/orders', { json: { sku: 'A1' } })),
                checkpoint('ordered'),
                branch('ordered', [path('again', [step('second_order', ({ http }) => http.post('/orders', { json: { sku: 'A1' } }))])]),
              ]),
              path('look', [step('list_orders', ({ http }) => http.get('/orders'))]),
            ]),
          ],
        }),
      )
      expect(result.status).toBe('failed')

      const reporter = runner.registry.reporters.get('html')!({ target: 'out/report.html', options: {} })
      const written = await writeReports(result, [{ reporter, target: 'out/report.html' }], { cwd: dir })
      expect(written.failures).toEqual([])
      const file = nodePath.join(dir, 'out/report.html')
      expect(written.files).toEqual([{ reporter: 'html', file }])
      const html = readFileSync(file, 'utf8')
      for (const secret of ['pw-secret-7', 'token-secret-99', 'cookie-secret-42']) expect(html).not.toContain(secret)

      const page = await browser.newPage()
      try {
        await page.goto(pathToFileURL(file).href)
        await page.waitForSelector('html[data-ready="1"]')
        expect(await page.locator('h1').textContent()).toBe('Orders')
        const second = page.locator('li.step.failed', { hasText: 'second_order' })
        expect(await second.isVisible()).toBe(true)
        // The failed step is two branches deep: path order_twice > again.
        expect(await page.locator('li.path.failed > .row > .n').allTextContents()).toEqual(['order_twice', 'again'])
        await second.locator('details.io > summary').click()
        await second.locator('pre.body', { hasText: 'duplicate_order' }).waitFor()
        // Placed as the console places it: the nested path whole, as the results name it.
        expect(await page.locator('.issue .where').first().textContent()).toBe('orders \u203a order_twice > again \u203a second_order')
      } finally {
        await page.close()
      }
    } finally {
      await runner.close()
    }
  })
})
