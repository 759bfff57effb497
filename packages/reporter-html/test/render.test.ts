import { createHash } from 'node:crypto'
import { ConfigError, PLUGIN_API_VERSION, type PluginApi, type ReporterFactory, type RunResult } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import htmlPlugin, { DEFAULT_HTML_FILE, type PageData, buildPageModel, htmlReporter, jsonForScript, renderHtml, resolveHtmlOptions } from '../src/index'
import { PAGE_SCRIPT } from '../src/generated/page-script'
import { PAGE_STYLES } from '../src/assets/styles'
import { bigRun, explorationRun, leakedExplorationSecrets } from '@venomqa/fixtures'
import { checkoutRun, failedStep, journey, resetClock, run, step } from './fixtures'

/** The data block of a rendered page, parsed back. */
function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="venomqa-data">([^<]*)<\/script>/.exec(html)
  if (!m) throw new Error('no data block')
  return JSON.parse(m[1]!) as PageData
}

describe('renderHtml', () => {
  it('is one self-contained file: no external resource, no network, a strict content policy', () => {
    const html = renderHtml(checkoutRun())
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/\b(src|href|action)\s*=/i)
    expect(html).not.toMatch(/@import/i)
    expect(PAGE_STYLES).not.toMatch(/url\(/i)
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/) // the only URLs are the recorded requests
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'/)
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html.match(/<\/script>/g)).toHaveLength(2)
  })

  it('never builds DOM from strings in the page script', () => {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setAttribute(\'style\'', 'srcdoc', 'DOMParser', 'createContextualFragment'])
      expect(PAGE_SCRIPT, sink).not.toContain(sink)
    expect(PAGE_STYLES).not.toContain('</style')
  })

  it('inlines the bundled page code as the one script the policy allows, by its hash', () => {
    const html = renderHtml(checkoutRun())
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1]
    expect(script).toBe(PAGE_SCRIPT)
    // The bundle of src/page: its modules are all there, and nothing of the build tool's module system.
    for (const part of ['readPageData', 'ReportPage', 'TreeRenderer', 'Matcher', 'journeyTimeline', 'renderIssues'])
      expect(PAGE_SCRIPT, part).toContain(part)
    expect(PAGE_SCRIPT).not.toMatch(/\b(require|import)\s*\(|^\s*(import|export)\s/m)
    expect(PAGE_SCRIPT).not.toMatch(/<\/script|<!--/i)
    const hash = createHash('sha256').update(script!, 'utf8').digest('base64')
    expect(html).toContain(`script-src 'sha256-${hash}'`)
  })

  it('keeps </script>, <!-- and line separators in data from breaking out, and reads them back intact', () => {
    const nasty = '</script><script>alert(1)</script><!-- \u2028\u2029 & > </SCRIPT >'
    resetClock()
    const result = run([journey(nasty, [step(nasty, { response: { status: 200, headers: { 'x-a': nasty }, body: nasty } })], { tags: [nasty] })])
    const html = renderHtml(result, { title: nasty })
    const dataBlock = /<script type="application\/json" id="venomqa-data">([\s\S]*?)<\/script>/.exec(html)![1]!
    expect(dataBlock).not.toMatch(/[<>&\u2028\u2029]/)
    const data = pageData(html)
    expect(data.title).toBe(nasty)
    expect(data.journeys[0]!.n).toBe(nasty)
    expect(data.journeys[0]!.tags).toEqual([nasty])
    const s = data.journeys[0]!.x[0]!
    expect(s.k === 's' && s.n).toBe(nasty)
    expect(s.k === 's' && s.rs?.b).toEqual({ t: nasty })
    expect(data.hd).toContainEqual(['x-a', nasty])
    // The title is rendered on the server: escaped.
    expect(html).toContain('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- \u2028\u2029 &amp; &gt; &lt;/SCRIPT &gt; \u2014 passed</title>')
    expect(jsonForScript({ a: '</script>' })).toBe('{"a":"\\u003c/script\\u003e"}')
  })

  it('shows the bidirectional overrides and terminal escapes of names as escapes: the page reads as the run', () => {
    // "refund\u202E" + "kcehc" displays as "refundcheck", and reversed the issue line after it.
    const spoofed = 'refund\u202Ekcehc'
    resetClock()
    const data = pageData(renderHtml(run([journey(spoofed, [step(`pay\u2066\x1b[2J`, { response: { status: 200, headers: {} } })])])))
    expect(data.journeys[0]!.n).toBe('refund\\u202ekcehc')
    const s = data.journeys[0]!.x[0]!
    expect(s.k === 's' && s.n).toBe('pay\\u2066\\x1b[2J')
  })

  it('redacts secrets again: headers, body fields, bearer tokens in text, issue copies', () => {
    const result = checkoutRun()
    // A results file written by something that did not redact.
    const quota = result.journeys[2]!
    const sixth = quota.nodes[1]!
    if (sixth.kind !== 'step') throw new Error('fixture changed')
    sixth.error = { kind: 'http-status', message: 'answered 500 for Authorization: Bearer sk_live_abcdef123456' }
    sixth.logs = [{ level: 'info', message: 'login with ?token=tok-in-log' }]
    result.issues.push({ ...quota.issues[0]!, journey: '', step: 'runEnd', error: 'hook failed with Bearer zzz-run-level' })
    const html = renderHtml(result, { redactKeys: ['x-tenant'] })
    for (const secret of ['hunter2', 'abc.def.ghi', 's3cr3t', 'pw-123', 'tok-SECRET-1', 'sk_live_abcdef123456', 'tok-in-log', 'zzz-run-level'])
      expect(html, secret).not.toContain(secret)
    const data = pageData(html)
    expect(data.hd).toContainEqual(['authorization', '[REDACTED]'])
    expect(data.hd).toContainEqual(['set-cookie', '[REDACTED]'])
  })

  it('cuts huge bodies with a note, and keeps the rest of the step', () => {
    resetClock()
    const big = { items: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `item ${i}` })) }
    const result = run([journey('big', [failedStep('list', 500, big), step('text', { response: { status: 200, headers: {}, body: 'y'.repeat(100_000) } })])])
    const html = renderHtml(result, { maxBodyChars: 1000 })
    expect(JSON.stringify(result).length).toBeGreaterThan(500_000)
    // What the page holds of the run, apart from its script and styles, which grow with the page's features.
    expect(JSON.stringify(pageData(html)).length).toBeLessThan(6_000)
    const [list, text] = pageData(html).journeys[0]!.x
    expect(list!.k === 's' && list.rs?.b).toEqual({ t: JSON.stringify(big).slice(0, 1000), cut: JSON.stringify(big).length })
    expect(list!.k === 's' && list.rs?.s).toBe(500)
    expect(text!.k === 's' && text.rs?.b).toEqual({ t: 'y'.repeat(1000), cut: 100_000 })
  })

  it('does not repeat data: shared header lines and origins, issues point at their step', () => {
    const data = buildPageModel(checkoutRun(), resolveHtmlOptions({}))
    expect(data.og).toEqual(['http://127.0.0.1:3000'])
    expect(new Set(data.hd.map((h) => h.join(':'))).size).toBe(data.hd.length)
    expect(data.hd.length).toBeLessThan(8)
    const issue = data.issues.find((i) => i.st === 'refund_again')!
    expect(issue.p).toBe('pay_by_card > double_refund')
    expect(issue.ref).toBeTypeOf('number')
    expect(issue.rq).toBeUndefined()
    expect(issue.rs).toBeUndefined()
  })

  it('keeps the request of an issue that has no step to point at', () => {
    const result = checkoutRun()
    result.issues.push({ ...result.journeys[2]!.issues[0]!, journey: 'gone', step: 'nowhere' })
    const orphan = buildPageModel(result, resolveHtmlOptions({})).issues.at(-1)!
    expect(orphan.ref).toBeUndefined()
    expect(orphan.rq?.m).toBe('POST')
    expect(orphan.rs?.s).toBe(500)
  })

  it('keeps a 200 journeys x 50 steps run under 5 MB', () => {
    const result = bigRun(200, 50)
    expect(result.summary.steps.total).toBe(10_000)
    const html = renderHtml(result)
    const bytes = Buffer.byteLength(html)
    expect(bytes).toBeLessThan(5 * 1024 * 1024)
    expect(bytes).toBeLessThan(JSON.stringify(result).length * 0.6)
  })

  it('renders a malformed results file without crashing, coercing shapes', () => {
    const weird = {
      ...checkoutRun(),
      summary: undefined,
      journeys: [{ name: 42, status: 'exploded', tags: 'smoke', nodes: [{ kind: 'step', name: { a: 1 }, status: '__proto__', durationMs: 'x' }], issues: [{ severity: 'apocalyptic', journey: 42 }] }],
    } as unknown as RunResult
    const data = pageData(renderHtml(weird))
    expect(data.journeys[0]!.n).toBe('42')
    expect(data.journeys[0]!.s).toBe('failed')
    expect(data.journeys[0]!.tags).toEqual([])
    expect(data.journeys[0]!.x[0]).toMatchObject({ k: 's', n: '[object Object]', s: 'failed', ms: 0 })
    expect(data.issues[0]!.sv).toBe('medium')
    expect(data.run.summary.journeys.total).toBe(1)
  })

  it('puts explorations in the page data, redacted, with the violations out of the issue list', () => {
    const html = renderHtml(explorationRun())
    expect(leakedExplorationSecrets(html)).toEqual([])
    const data = pageData(html)
    expect(data.explorations.map((x) => [x.n, x.s, x.tr, x.v.length])).toEqual([
      ['shop', 'failed', undefined, 2],
      ['catalog', 'passed', ['time', 60_000], 0],
    ])
    const [stock, refund] = data.explorations[0]!.v
    expect(stock).toMatchObject({ inv: 'stock_never_negative', sv: 'critical', fl: 5, rp: [3, 3], f: 'journeys/regressions/stock_never_negative-3f9a2c.journey.ts' })
    expect(stock!.fk).toBeUndefined()
    expect(stock!.seq.map((s) => [s.a, s.ex.map((x) => `${x.rq.m} ${x.rq.u} ${x.rs?.s}`)])).toEqual([
      ['create_product', ['POST /api/products 201']],
      ['create_order', ['POST /api/products/7/orders 201']],
      ['create_order', ['POST /api/products/7/orders 201']],
    ])
    expect(refund).toMatchObject({ inv: 'no_5xx', fk: 1, rp: [2, 5] })
    expect(refund!.seq[0]!.in).toBe('{"email":"ada@example.com","password":"[REDACTED]"}')
    expect(data.run.summary.explorations).toEqual({ total: 2, passed: 1, failed: 1, violations: 2, flaky: 1 })
    expect(data.issues).toEqual([])
  })

  it('says where the search did not go: merges after a write or another input, and actions the API refused every time', () => {
    const run = explorationRun()
    const shop = run.explorations![0]!
    shop.dedupe = true
    shop.stats = { ...shop.stats, mergedAfterWrite: 2, mergedAfterWriteBy: { ship: 2 }, mergedAfterInputBy: { create_product: 1 } }
    shop.coverage = [{ action: 'refund', taken: 4, enabled: 4, refused: 4, refusedExample: 'POST /api/orders/1/refund answered 404' }]
    const notes = pageData(renderHtml(run)).explorations[0]!.nt!
    expect(notes).toHaveLength(3)
    expect(notes[0]).toMatch(/^2 of the merged came after a write the API accepted that changed no row count \(ship 2\)/)
    expect(notes[1]).toMatch(/^1 of the merged came after an action reached, with one of its inputs, the state another of its inputs reached first \(create_product 1\)/)
    expect(notes[2]).toMatch(/^refused every time it ran: refund ×4 \(such as POST \/api\/orders\/1\/refund answered 404\)/)
    // Shown on the page, as the other notes are.
    expect(renderHtml(run)).toContain('"nt":[')
  })

    it('renders malformed explorations without crashing', () => {
    const weird = { ...explorationRun(), summary: undefined, explorations: [null, { name: 7, status: 'odd', violations: 'no', stats: null, timings: 3, coverage: [{ action: 1 }], truncated: true }] } as unknown as RunResult
    const data = pageData(renderHtml(weird))
    expect(data.explorations).toHaveLength(1)
    expect(data.explorations[0]).toMatchObject({ n: '7', s: 'failed', v: [], rb: [], cov: [['1', 0, 0, 0]] })
    expect(data.run.summary.explorations).toEqual({ total: 1, passed: 0, failed: 1, violations: 0, flaky: 0 })
  })
})

describe('options', () => {
  it('rejects bad options naming the key', () => {
    expect(() => resolveHtmlOptions({ maxBodyChars: -1 })).toThrow(ConfigError)
    expect(() => resolveHtmlOptions({ maxBodyChars: -1 })).toThrow('reporters.html.maxBodyChars: expected a positive whole number, got -1')
    expect(() => resolveHtmlOptions({ titel: 'x' })).toThrow('reporters.html.titel: unknown option')
    expect(() => resolveHtmlOptions({ redactKeys: 'x' })).toThrow('reporters.html.redactKeys: expected a list of header names or body keys, got "x"')
    expect(() => htmlReporter({ title: 3 as unknown as string })).toThrow('html reporter options.title: expected a string, got 3')
  })
})

describe('plugin', () => {
  it('registers the html reporter, which renders to its default file with merged options', async () => {
    expect(htmlPlugin.apiVersion).toBe(PLUGIN_API_VERSION)
    const reporters = new Map<string, ReporterFactory>()
    // A stand-in for the runner's plugin API: only addReporter is used by this plugin.
    const api = { options: { title: 'Nightly' }, addReporter: (name: string, f: ReporterFactory) => reporters.set(name, f) } as unknown as PluginApi<Record<string, unknown>>
    await htmlPlugin.setup!(api as never)
    const reporter = reporters.get('html')!({ target: 'out.html', options: { maxBodyChars: 500 } })
    expect(reporter.name).toBe('html')
    expect(reporter.defaultFile).toBe(DEFAULT_HTML_FILE)
    const html = (await reporter.render!(checkoutRun(), { options: {}, cwd: '.', stdout: process.stdout, warn: () => {} })) as string
    expect(pageData(html).title).toBe('Nightly')
    expect(pageData(html).maxBodyChars).toBe(500)
    const overridden = (await reporter.render!(checkoutRun(), { options: { title: 'From context' }, cwd: '.', stdout: process.stdout, warn: () => {} })) as string
    expect(pageData(overridden).title).toBe('From context')
    expect(pageData(overridden).maxBodyChars).toBe(500)
  })
})
