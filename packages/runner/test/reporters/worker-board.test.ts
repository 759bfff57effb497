import { Writable } from 'node:stream'
import { branch, checkpoint, definePlugin, journey, path, step } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner } from '../../src/index'

/**
 * A fake terminal: a stream with isTTY and columns, as the console reporter sees a real one, and a
 * small screen model that applies what is written (text, \n, \r, cursor up, clear line and clear to the
 * end of the screen) so the test checks the frames a user would see, not the escape codes.
 */
class FakeTerminal extends Writable {
  readonly isTTY = true
  readonly columns: number
  readonly screen: string[] = ['']
  row = 0
  col = 0
  writes = 0
  /** Everything written, as written. */
  written = ''

  constructor(columns: number) {
    super()
    this.columns = columns
  }

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.apply(chunk.toString())
    done()
  }

  apply(text: string): void {
    this.writes++
    this.written += text
    for (let i = 0; i < text.length; ) {
      const esc = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i))
      if (esc) {
        const [all, n, code] = esc
        if (code === 'A') this.row = Math.max(0, this.row - Number(n || 1))
        else if (code === 'J') {
          this.screen.length = this.row + 1
          this.screen[this.row] = this.line().slice(0, this.col)
        }
        else if (code === 'K') this.screen[this.row] = ''
        else if (code !== 'm') throw new Error(`the fake terminal does not know ESC[${n}${code}`)
        i += all.length
        continue
      }
      const ch = text[i++]!
      if (ch === '\n') {
        this.row++
        this.col = 0
        if (this.row >= this.screen.length) this.screen.push('')
      } else if (ch === '\r') this.col = 0
      else {
        const line = this.line().padEnd(this.col)
        this.screen[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1)
        this.col++
      }
    }
  }

  line(): string {
    return this.screen[this.row] ?? ''
  }

  /** The screen without the trailing empty line the cursor may sit on. */
  lines(): string[] {
    return this.screen.join('\n').replace(/\n$/, '').split('\n')
  }
}

/** Resolves for every caller once `n` callers wait: only steps running at the same time get past it. */
function meeting(n: number): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const all = new Promise<void>((resolve) => (open = resolve))
  return () => {
    if (++arrived === n) open()
    return all
  }
}

const saved = { CI: process.env.CI, NO_COLOR: process.env.NO_COLOR }
beforeEach(() => {
  delete process.env.CI
  process.env.NO_COLOR = '1'
})
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

/**
 * Two journeys that wait for each other in their first step, so both workers are busy at once; the screen
 * is kept as it was then. With `repeatEach: 2`, one journey run twice: two journeys of one name at once.
 */
async function runTwoWorkers(stream: Writable, onMeet: () => void = () => {}, names = ['alpha', 'beta'], repeatEach = 1) {
  const meet = meeting(2)
  let seen = false
  const together = (name: string) =>
    journey(name, {
      steps: [
        step('a_long_step_name_that_does_not_fit_the_terminal_width', async () => {
          await meet()
          if (!seen) {
            seen = true
            onMeet()
          }
        }),
        step('after', async () => {}),
      ],
    })
  const runner = createRunner({ workers: 2, repeatEach, reporters: [] })
  runner.addReporter(createConsoleReporter({ stream }))
  try {
    return await runner.run(names.map(together))
  } finally {
    await runner.close()
  }
}

describe('the console with workers on a TTY (a fake one: a stream with isTTY and columns)', () => {
  it('shows one line per worker and a total line while they run, rewritten in place, cut to the width', async () => {
    const tty = new FakeTerminal(60)
    let during: string[] = []
    await runTwoWorkers(tty, () => (during = tty.lines()))
    expect(during.slice(-3)).toEqual([
      'worker 0  alpha › a_long_step_name_that_does_not_fit_the_t…',
      'worker 1  beta › a_long_step_name_that_does_not_fit_the_te…',
      '[0/2 journeys] steps: 0 passed',
    ])
    // Rewritten in place: the board appears once on the screen, whatever the number of frames written.
    expect(during.filter((l) => l.startsWith('worker 0')).length).toBe(1)
    expect(tty.writes).toBeGreaterThan(6)
    // One column is kept free: a line as wide as the terminal would wrap on some of them.
    for (const l of during) expect(l.length, l).toBeLessThanOrEqual(59)
  })

  it('keeps each worker on its own line when two runs of one journey run at once (--repeat-each)', async () => {
    const tty = new FakeTerminal(60)
    let during: string[] = []
    const result = await runTwoWorkers(tty, () => (during = tty.lines()), ['same'], 2)
    expect(result.status).toBe('passed')
    expect(during.slice(-3)).toEqual([
      'worker 0  same › a_long_step_name_that_does_not_fit_the_te…',
      'worker 1  same › a_long_step_name_that_does_not_fit_the_te…',
      '[0/2 journeys] steps: 0 passed',
    ])
    expect(tty.lines().some((l) => l.startsWith('worker '))).toBe(false)
  })

  it('prints each journey whole when it ends, never interleaved, and takes the board away at the end', async () => {
    const tty = new FakeTerminal(120)
    await runTwoWorkers(tty)
    const screen = tty.lines()
    expect(screen.some((l) => l.startsWith('worker '))).toBe(false)
    expect(screen[0]).toBe('VenomQA: running 2 journeys')
    // Each journey's block is contiguous: its header, its two steps, its verdict.
    for (const name of ['alpha', 'beta']) {
      const at = screen.indexOf(`▶ ${name}`)
      expect(at, name).toBeGreaterThan(0)
      expect(screen.slice(at + 1, at + 4).map((l) => l.replace(/\d+ ms/, 'N ms'))).toEqual([
        '  ✓ a_long_step_name_that_does_not_fit_the_terminal_width N ms',
        '  ✓ after N ms',
        `✓ ${name} passed N ms`,
      ])
    }
  })

  it('shows the worker of each parallel path', async () => {
    const tty = new FakeTerminal(80)
    const meet = meeting(2)
    let during: string[] = []
    const waits = (name: string) =>
      path(name, [
        step('wait', async () => {
          await meet()
          if (!during.length) during = tty.lines()
        }),
      ])
    const runner = createRunner({ parallelPaths: 2, reporters: [] })
    runner.addReporter(createConsoleReporter({ stream: tty }))
    try {
      const result = await runner.run(journey('fork', { steps: [checkpoint('start'), branch('start', [waits('left'), waits('right')])] }))
      expect(result.status).toBe('passed')
    } finally {
      await runner.close()
    }
    expect(during.slice(-3)).toEqual(['worker 0  fork › left › wait', 'worker 1  fork › right › wait', '[0/1 journeys] steps: 0 passed'])
  })

  it("keeps a path's worker busy on the board until the paths nested in it have ended", async () => {
    const tty = new FakeTerminal(80)
    const meet = meeting(2)
    let afterNested: string[] = []
    // The nested branch's end, seen by a plugin hooked before the console: the board has taken the nested path's end.
    const look = definePlugin({ name: 'look', version: '1.0.0', apiVersion: 1, hooks: { branchEnd: (e) => void (e.path === 'right' && (afterNested = tty.lines())) } })
    const runner = createRunner({ parallelPaths: 2, reporters: [], plugins: [look] })
    runner.addReporter(createConsoleReporter({ stream: tty }))
    const nested = [step('wait', () => meet()), checkpoint('inner'), branch('inner', [path('deep', [step('x', () => {})])]), step('after', () => {})]
    try {
      const result = await runner.run(journey('fork', { steps: [checkpoint('start'), branch('start', [path('left', [step('wait', () => meet())]), path('right', nested)])] }))
      expect(result.status).toBe('passed')
    } finally {
      await runner.close()
    }
    expect(afterNested.find((l) => l.startsWith('worker 1'))).toBe('worker 1  fork › right > deep › x')
  })

  it('off a terminal, the lines of paths run at once name their path: they interleave, and indentation alone did not tell whose they were', async () => {
    let written = ''
    const log = new Writable({ write: (chunk, _enc, done) => {
      written += chunk.toString()
      done()
    } })
    const meet = meeting(2)
    const waits = (name: string) => path(name, [step('wait', () => meet()), step('after', () => {})])
    const runner = createRunner({ parallelPaths: 2, reporters: [] })
    runner.addReporter(createConsoleReporter({ stream: log }))
    try {
      const result = await runner.run(journey('fork', { steps: [step('first', () => {}), checkpoint('start'), branch('start', [waits('left'), waits('right')])] }))
      expect(result.status).toBe('passed')
    } finally {
      await runner.close()
    }
    const lines = written.split('\n').map((l) => l.replace(/\d+(\.\d+)? m?s/g, 'N ms'))
    for (const name of ['left', 'right']) {
      expect(lines).toContain(`    [${name}] ✓ wait N ms`)
      expect(lines).toContain(`    [${name}] ✓ after N ms`)
    }
    // The main line's own steps, run alone, are as they always were.
    expect(lines).toContain('  ✓ first N ms')
  })

  it('in CI (CI=true) the same run is plain lines, with no board and no cursor movement', async () => {
    process.env.CI = 'true'
    const tty = new FakeTerminal(120)
    await runTwoWorkers(tty)
    expect(tty.written).not.toMatch(/\x1b\[\d*[AJK]/)
    expect(tty.written).not.toContain('worker 0')
    expect(tty.written).toContain('▶ alpha')
  })
})
