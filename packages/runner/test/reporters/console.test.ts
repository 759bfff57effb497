import { PassThrough } from 'node:stream'
import { Context, type Issue, type LifecycleHooks, knownSecrets, makeIssue } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createConsoleReporter } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

function capture(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean }
  if (tty) stream.isTTY = true
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

/** A step's result as the runner gives it to stepEnd: passed, 3 ms, with `fields` over it. */
function stepResult(fields: Record<string, unknown>) {
  return { kind: 'step', name: 's', status: 'passed', attempts: 1, startedAt: new Date(0).toISOString(), durationMs: 3, ...fields }
}

/** What the console prints live for one step of a run of one journey (no TTY). */
async function liveLines(result: { name: unknown }, options: { verbose?: boolean } = {}): Promise<string> {
  const out = capture(false)
  const r = createConsoleReporter({ stream: out.stream, ...options })
  await r.hooks!.runStart?.({ journeys: [{ name: 'j', tags: [] }], startedAt: new Date(0).toISOString() })
  await r.hooks!.stepEnd?.({ journey: 'j', path: 'main', step: String(result.name), result: result as never, ctx: new Context() })
  await r.hooks!.runEnd?.({ result: sampleRun() })
  return out.text()
}

/** Fire the hooks a run of sampleRun() would fire, in order. */
async function replay(hooks: Partial<LifecycleHooks>) {
  const run = sampleRun()
  const [checkout, health] = run.journeys
  const ctx = new Context()
  const login = checkout!.nodes[0] as any
  const branch = checkout!.nodes[2] as any
  await hooks.runStart?.({ journeys: run.journeys.map((j) => ({ name: j.name, tags: j.tags })), startedAt: run.startedAt })
  await hooks.journeyStart?.({ journey: { name: checkout!.name, tags: checkout!.tags, file: checkout!.file }, ctx })
  await hooks.stepStart?.({ journey: checkout!.name, path: 'main', step: 'login', attempt: 1, ctx })
  await hooks.stepEnd?.({ journey: checkout!.name, path: 'main', step: 'login', result: login, ctx })
  await hooks.checkpoint?.({ journey: checkout!.name, path: 'main', name: 'cart_ready', durationMs: 3, backends: [{ backend: 'memory', mechanism: 'snapshot', durationMs: 1 }] })
  await hooks.branchStart?.({ journey: checkout!.name, path: 'main', checkpoint: 'cart_ready', paths: ['good_card', 'bad_card'] })
  for (const p of branch.paths) {
    await hooks.rollback?.({ journey: checkout!.name, path: p.name, checkpoint: 'cart_ready', durationMs: 2, backends: [], reason: 'before-path' })
    await hooks.pathStart?.({ journey: checkout!.name, checkpoint: 'cart_ready', path: p.name })
    for (const s of p.nodes) {
      if (s.status === 'failed') await hooks.stepRetry?.({ journey: checkout!.name, path: p.name, step: s.name, attempt: 2, error: 'boom password=hunter2-very-secret' })
      await hooks.stepEnd?.({ journey: checkout!.name, path: p.name, step: s.name, result: s, ctx })
    }
    await hooks.pathEnd?.({ journey: checkout!.name, checkpoint: 'cart_ready', path: p.name, result: p })
  }
  await hooks.rollback?.({ journey: checkout!.name, path: 'main', checkpoint: 'cart_ready', durationMs: 2, backends: [], reason: 'after-branch' })
  await hooks.journeyEnd?.({ journey: { name: checkout!.name, tags: checkout!.tags }, result: checkout! })
  await hooks.journeyStart?.({ journey: { name: health!.name, tags: [] }, ctx })
  await hooks.stepEnd?.({ journey: health!.name, path: 'main', step: 'ping', result: health!.nodes[0] as any, ctx })
  await hooks.journeyEnd?.({ journey: { name: health!.name, tags: [] }, result: health! })
  await hooks.runEnd?.({ result: run })
  return run
}

// Colours follow NO_COLOR and FORCE_COLOR: every test starts with neither set, whatever the shell has.
const saved = { CI: process.env.CI, NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR }
beforeEach(() => {
  delete process.env.NO_COLOR
  delete process.env.FORCE_COLOR
})
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

describe('console reporter', () => {
  it('listens to stepStart only when it shows a progress line, so in CI the runner makes no stepStart event for it', () => {
    process.env.CI = 'true'
    expect(createConsoleReporter({ stream: capture(true).stream }).hooks?.stepStart).toBeUndefined()
    expect(createConsoleReporter({ stream: capture(false).stream }).hooks?.stepStart).toBeUndefined()
    delete process.env.CI
    expect(createConsoleReporter({ stream: capture(true).stream }).hooks?.stepStart).toBeTypeOf('function')
    expect(createConsoleReporter({ stream: capture(false).stream, progress: true }).hooks?.stepStart).toBeTypeOf('function')
  })

  it('prints plain per-step lines with status and duration, checkpoint, rollback and branch markers (no TTY)', async () => {
    const out = capture(false)
    const r = createConsoleReporter({ stream: out.stream })
    const run = await replay(r.hooks!)
    const text = out.text() + (await r.render!(run, {} as never))
    expect(text).not.toContain('\x1b[')
    expect(text).toContain('✓ login POST http://127.0.0.1:3000/api/auth/login → 200 12 ms')
    expect(text).toContain('◆ checkpoint cart_ready 3 ms: memory (snapshot) 1 ms')
    expect(text).toContain('⑂ branch from cart_ready (2 paths: good_card, bad_card)')
    expect(text).toContain('↺ rollback to cart_ready (before-path) 2 ms')
    expect(text).toContain('├ path bad_card')
    expect(text).toContain('✗ pay POST http://127.0.0.1:3000/api/pay?token=[REDACTED] → 402 25 ms (2 attempts)')
    expect(text).toContain('↷ receipt')
    expect(text).toContain('└ path bad_card failed')
    expect(text).toMatch(/Journeys {2}1 passed, 1 failed of 2/)
    expect(text).toContain('Result: FAILED')
  })

  it("a passed step's live line masks a secret in the step's name and URL, as a failed step's would", async () => {
    const text = await liveLines(
      stepResult({
        name: 'login with password=hunter2-very-secret',
        request: { method: 'GET', url: 'http://127.0.0.1:3000/me?token=hunter2-very-secret', headers: {} },
        response: { status: 200, headers: {} },
      }),
    )
    expect(text).toContain('✓ login with password=[REDACTED] GET http://127.0.0.1:3000/me?token=[REDACTED] → 200 3 ms')
    expect(text).not.toContain('hunter2')
  })

  it("verbose (--debug) shows a failed step's stack under its error, masked; otherwise no stack", async () => {
    const failed = stepResult({
      name: 'pay',
      status: 'failed',
      error: {
        kind: 'thrown',
        message: 'boom',
        stack: 'Error: boom\n    at file:///app/journeys/pay.journey.ts:8:53\n    at pay (/app/lib/pay.ts:3:9 token=hunter2-very-secret)',
      },
    })
    const verbose = await liveLines(failed, { verbose: true })
    expect(verbose).toContain('  ✗ pay 3 ms\n    boom\n      at file:///app/journeys/pay.journey.ts:8:53\n      at pay (/app/lib/pay.ts:3:9 token=[REDACTED]')
    expect(verbose).not.toContain('Error: boom')
    expect(leakedSecrets(verbose)).toEqual([])
    expect(await liveLines(failed)).not.toContain('journey.ts:8:53')
  })

  it("indents every line of a failed step's message of several lines under its first", async () => {
    const failed = stepResult({ name: 'mail', status: 'failed', error: { kind: 'assertion', message: 'unexpected mail: Hi!\nReset: http://app/reset\nBye' } })
    expect(await liveLines(failed)).toContain('  ✗ mail 3 ms\n    unexpected mail: Hi!\n    Reset: http://app/reset\n    Bye\n')
    // And in the Issues list at the end.
    const run = sampleRun()
    run.issues.push(makeIssue({ journey: '', path: '', step: 'run', severity: 'high', kind: 'hook', error: 'first line\nsecond line', source: 'runner' }))
    const out = capture(false)
    const rendered = await createConsoleReporter({ stream: out.stream }).render!(run, {} as never)
    expect(`${out.text()}${rendered ?? ''}`).toContain('      first line\n      second line\n')
  })

  it('shows the failed request with headers and body redacted', async () => {
    const out = capture(false)
    const r = createConsoleReporter({ stream: out.stream })
    const run = await replay(r.hooks!)
    const text = out.text() + (await r.render!(run, {} as never))
    expect(text).toContain('> authorization: [REDACTED]')
    expect(text).toContain('> cookie: sid=[REDACTED]')
    expect(text).toContain('"password": "[REDACTED]"')
    expect(text).toContain('< set-cookie: [REDACTED]')
    expect(text).toContain('retry 2: boom password=[REDACTED]')
    expect(leakedSecrets(text)).toEqual([])
  })

  it('after a live run, render prints only the summary; without one, the whole tree', async () => {
    const out = capture(false)
    const live = createConsoleReporter({ stream: out.stream })
    const run = await replay(live.hooks!)
    const summary = String(await live.render!(run, {} as never))
    expect(summary).not.toContain('▶ checkout')
    expect(summary).toContain('Result: FAILED')
    const replayed = String(await createConsoleReporter({ stream: capture(false).stream }).render!(run, {} as never))
    expect(replayed).toContain('▶ checkout')
    expect(replayed).toContain('✗ pay')
    expect(replayed).toContain('Result: FAILED')
  })

  it('on a TTY outside CI: colours and a progress line that is cleared before each permanent line', async () => {
    delete process.env.CI
    const out = capture(true)
    const r = createConsoleReporter({ stream: out.stream })
    await replay(r.hooks!)
    expect(out.text()).toContain('\x1b[32m✓\x1b[39m')
    expect(out.text()).toContain('\r\x1b[2K')
    expect(out.text()).toContain('checkout <&> › login')
  })

  it('on a TTY with CI set: colours but no progress line', async () => {
    process.env.CI = 'true'
    const out = capture(true)
    const r = createConsoleReporter({ stream: out.stream })
    await replay(r.hooks!)
    expect(out.text()).toContain('\x1b[32m')
    expect(out.text()).not.toContain('\r\x1b[2K')
  })

  it('FORCE_COLOR colours output that is not a TTY, as a CI log, with no progress line', async () => {
    process.env.FORCE_COLOR = '1'
    const out = capture(false)
    const r = createConsoleReporter({ stream: out.stream })
    const run = await replay(r.hooks!)
    const text = out.text() + (await r.render!(run, {} as never))
    expect(text).toContain('\x1b[32m✓\x1b[39m')
    expect(text).toContain('Result: \x1b[31m\x1b[1mFAILED\x1b[22m\x1b[39m')
    expect(text).not.toContain('\r\x1b[2K')
  })

  it('NO_COLOR turns colours off on a TTY, even with FORCE_COLOR set; the progress line stays', async () => {
    delete process.env.CI
    process.env.NO_COLOR = '1'
    process.env.FORCE_COLOR = '1'
    const out = capture(true)
    const r = createConsoleReporter({ stream: out.stream })
    const run = await replay(r.hooks!)
    const text = out.text() + (await r.render!(run, {} as never))
    expect(text).toContain('\r\x1b[2K')
    expect(text.replaceAll('\r\x1b[2K', '')).not.toContain('\x1b[')
    expect(text).toContain('✓ login')
  })

  it('an explicit color option wins over NO_COLOR and FORCE_COLOR', async () => {
    process.env.FORCE_COLOR = '1'
    const plain = capture(true)
    await replay(createConsoleReporter({ stream: plain.stream, color: false, progress: false }).hooks!)
    expect(plain.text()).not.toContain('\x1b[')
    delete process.env.FORCE_COLOR
    process.env.NO_COLOR = '1'
    const coloured = capture(false)
    await replay(createConsoleReporter({ stream: coloured.stream, color: true }).hooks!)
    expect(coloured.text()).toContain('\x1b[32m✓\x1b[39m')
  })

  it('with a file target prints nothing live and renders the whole run', async () => {
    const out = capture(true)
    const r = createConsoleReporter({ stream: out.stream, target: 'out.txt' })
    const run = await replay(r.hooks!)
    expect(out.text()).toBe('')
    const text = String(await r.render!(run, {} as never))
    expect(text).toContain('▶ checkout')
    expect(text).not.toContain('\x1b[')
  })

  it("the whole run as text keeps each step's log lines under it, masked", async () => {
    const run = sampleRun()
    const step = run.journeys[0]!.nodes.find((n) => n.kind === 'step')!
    ;(step as { logs?: unknown }).logs = [{ level: 'info', message: 'logged in as ann, token=abc123secret' }, { level: 'warn', message: 'slow answer' }]
    const text = String(await createConsoleReporter({ stream: capture(false).stream, target: 'out.txt' }).render!(run, {} as never))
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.includes(`✓ ${step.name}`))
    expect(lines.slice(at + 1, at + 3)).toEqual(['    [info] logged in as ann, token=[REDACTED]', '    [warn] slow answer'])
    expect(text).not.toContain('abc123secret')
  })

  it('marks an issue by its severity: a cross for a failure, `!` for a warning, `i` for what only informs', async () => {
    const run = sampleRun()
    const runIssue = (severity: Issue['severity'], step: string) => makeIssue({ journey: '', path: '', step, severity, kind: 'hook', error: 'e', source: 'runner' })
    run.issues.push(runIssue('medium', 'a_warning'), runIssue('info', 'a_note'))
    const text = String(await createConsoleReporter({ stream: capture(false).stream }).render!(run, {} as never))
    expect(text).toMatch(/^ {2}✗ checkout <&> › bad_card › pay \[high\] step$/m)
    expect(text).toMatch(/^ {2}! a_warning \[medium\] runner$/m)
    expect(text).toMatch(/^ {2}i a_note \[info\] runner$/m)
  })

  it("tells once an issue several journeys have alike (not run, for one reason), naming them; each journey's other issues stay its own", async () => {
    const run = sampleRun()
    const template = run.journeys[0]!
    const notRun = (name: string, error = 'not run: nothing listens at the base URL http://127.0.0.1:9') =>
      ({ ...template, name, status: 'failed' as const, issues: [makeIssue({ journey: name, path: 'main', step: 'journey', severity: 'critical', kind: 'connection-refused', error, source: 'runner' })] })
    const names = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7']
    run.journeys.push(...names.map((n) => notRun(n)), notRun('other', 'not run: another reason'))
    const text = String(await createConsoleReporter({ stream: capture(false).stream }).render!(run, {} as never))
    expect(text.match(/not run: nothing listens at the base URL/g)).toHaveLength(1)
    expect(text).toMatch(/^ {2}✗ 7 journeys: j1, j2, j3, j4, j5 and 2 more \[critical\] runner\n {6}not run: nothing listens at the base URL http:\/\/127\.0\.0\.1:9$/m)
    expect(text).toMatch(/^ {2}✗ other › journey \[critical\] runner\n {6}not run: another reason$/m)
    // A step's issue is never folded, however alike: each names its own request.
    expect(text).toMatch(/^ {2}✗ checkout <&> › bad_card › pay \[high\] step$/m)
  })

  it('says INTERRUPTED for an interrupted run', async () => {
    const text = String(await createConsoleReporter({ stream: capture(false).stream }).render!(sampleRun({ interrupted: true }), {} as never))
    expect(text).toContain('Result: INTERRUPTED')
  })
})

describe('names shown as the run goes', () => {
  afterEach(() => knownSecrets.clear())

  it('mask a value known to be secret wherever it turns up: journey, tags, file, checkpoint, branch, path, rollback, retry, progress', async () => {
    // A password a journey sent earlier is known from then on; every report file masks it in these names.
    const PW = 'Sup3rSecretPw-known'
    knownSecrets.add([PW])
    for (const tty of [false, true]) {
      const out = capture(tty)
      const r = createConsoleReporter({ stream: out.stream, progress: tty })
      const h = r.hooks!
      const ctx = new Context()
      const j = `second ${PW}`
      await h.runStart?.({ journeys: [{ name: j, tags: [`tag ${PW}`] }], startedAt: new Date(0).toISOString() })
      await h.journeyStart?.({ journey: { name: j, tags: [`tag ${PW}`], file: `journeys/${PW}.journey.ts` }, ctx })
      await h.checkpoint?.({ journey: j, path: 'main', name: `cp ${PW}`, durationMs: 1, backends: [] })
      await h.branchStart?.({ journey: j, path: 'main', checkpoint: `cp ${PW}`, paths: [`path ${PW}`] })
      await h.rollback?.({ journey: j, path: `path ${PW}`, checkpoint: `cp ${PW}`, durationMs: 1, backends: [], reason: 'before-path' })
      await h.pathStart?.({ journey: j, checkpoint: `cp ${PW}`, path: `path ${PW}` })
      await h.stepStart?.({ journey: j, path: `path ${PW}`, step: `step ${PW}`, attempt: 1, ctx })
      await h.stepRetry?.({ journey: j, path: `path ${PW}`, step: `step ${PW}`, attempt: 2, error: 'boom' })
      await h.pathEnd?.({ journey: j, checkpoint: `cp ${PW}`, path: `path ${PW}`, result: { name: `path ${PW}`, status: 'passed', durationMs: 1, nodes: [] } as never })
      await h.journeyEnd?.({ journey: { name: j, tags: [] }, result: { ...sampleRun().journeys[1]!, name: j } })
      await h.runEnd?.({ result: sampleRun() })
      const text = out.text()
      expect(text, tty ? 'on a terminal' : 'off one').not.toContain(PW)
      expect(text).toContain('cp [REDACTED]')
      expect(text).toContain('path [REDACTED]')
    }
  })

  it('mask a secret in a name before its tab or line break is escaped: escaped first, the secret no longer matched', async () => {
    // A known secret holding a tab, and a token after "Bearer" and a tab: each masked in the raw name.
    const PW = 'Tab\tSecret-pw-known'
    const TOKEN = 'sekrit-token-1234567890'
    knownSecrets.add([PW])
    const out = capture(false)
    const h = createConsoleReporter({ stream: out.stream }).hooks!
    const ctx = new Context()
    const j = `as ${PW}`
    const cp = `cp Authorization: Bearer\t${TOKEN}`
    await h.runStart?.({ journeys: [{ name: j, tags: [] }], startedAt: new Date(0).toISOString() })
    await h.journeyStart?.({ journey: { name: j, tags: [] }, ctx })
    await h.checkpoint?.({ journey: j, path: 'main', name: cp, durationMs: 1, backends: [] })
    await h.stepEnd?.({ journey: j, path: 'main', step: `step ${PW}`, result: stepResult({ name: `step ${PW}` }) as never, ctx })
    await h.runEnd?.({ result: sampleRun() })
    const text = out.text()
    expect(text).not.toContain('Secret-pw-known')
    expect(text).not.toContain(TOKEN)
    expect(text).toContain('cp Authorization: Bearer')
  })

  it('keep a line break, a tab or another control character from splitting their line: escaped, live, on a worker board and in the summary', async () => {
    const name = (s: string) => `${s}\n2nd\t\u001b[2J\u2028`
    const shown = (s: string) => `${s}\\n2nd\\t\\x1b[2J\\u2028`
    // Off a terminal, with paths and journeys run at once: each line of a path is tagged with its name.
    const out = capture(false)
    const r = createConsoleReporter({ stream: out.stream })
    const h = r.hooks!
    const ctx = new Context()
    const j = name('j')
    const p = name('p')
    const failed = stepResult({ name: name('pay'), status: 'failed', error: { kind: 'assertion', message: 'no' } })
    const journey = { ...sampleRun().journeys[1]!, name: j, tags: [name('t')], nodes: [failed as never], issues: [makeIssue({ journey: j, path: p, step: name('pay'), severity: 'high', kind: 'assertion', error: 'no', source: 'step' })] }
    await h.runStart?.({ journeys: [{ name: j, tags: [] }], startedAt: new Date(0).toISOString(), workers: 2 })
    await h.journeyStart?.({ journey: { name: j, tags: [name('t')], file: name('f') }, ctx })
    await h.checkpoint?.({ journey: j, path: 'main', name: name('cp'), durationMs: 1, backends: [] })
    await h.branchStart?.({ journey: j, path: 'main', checkpoint: name('cp'), paths: [p] })
    await h.pathStart?.({ journey: j, checkpoint: name('cp'), path: p })
    await h.stepEnd?.({ journey: j, path: p, step: name('ok'), result: stepResult({ name: name('ok') }) as never, ctx })
    await h.stepEnd?.({ journey: j, path: p, step: name('pay'), result: failed as never, ctx })
    await h.pathEnd?.({ journey: j, checkpoint: name('cp'), path: p, result: { name: p, status: 'failed', durationMs: 1, nodes: [] } as never })
    await h.journeyEnd?.({ journey: { name: j, tags: [] }, result: journey })
    await h.runEnd?.({ result: { ...sampleRun(), journeys: [journey] } })
    const summary = String(await r.render!({ ...sampleRun(), journeys: [journey] }, {} as never))
    // On a terminal, journeys run at once: a worker board, and each journey's lines printed above it as it ends.
    const tty = capture(true)
    const board = createConsoleReporter({ stream: tty.stream, progress: true, color: false }).hooks!
    await board.runStart?.({ journeys: [{ name: j, tags: [] }], startedAt: new Date(0).toISOString(), workers: 2 })
    await board.journeyStart?.({ journey: { name: j, tags: [name('t')] }, ctx })
    await board.journeyEnd?.({ journey: { name: j, tags: [] }, result: journey })
    await board.runEnd?.({ result: { ...sampleRun(), journeys: [journey] } })
    // The board's own cursor moves aside, what it printed.
    const boardText = tty.text().replace(/\r|\x1b\[[0-9;?]*[A-Za-z]/g, '')
    for (const text of [out.text(), summary, boardText]) {
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028]/)
      expect(text).not.toMatch(/^2nd/m)
    }
    const lines = out.text().split('\n')
    expect(lines).toContain(`▶ ${shown('j')} [${shown('t')}] ${shown('f')}`)
    expect(lines.some((l) => l.startsWith(`  ◆ checkpoint ${shown('cp')} `))).toBe(true)
    expect(lines).toContain(`  ├ path ${shown('p')}`)
    expect(lines.some((l) => l.startsWith(`    [${shown('p')}] ✓ ${shown('ok')} `))).toBe(true)
    expect(lines.some((l) => l.startsWith(`    [${shown('p')}] ✗ ${shown('pay')} `))).toBe(true)
    expect(summary.split('\n')).toContain(`  ✗ ${shown('j')} › ${shown('p')} › ${shown('pay')} [high] step`)
    expect(boardText).toContain(`▶ ${shown('j')} [${shown('t')}]`)
    expect(boardText).toContain(`  ✗ ${shown('pay')} `)
  })
})
