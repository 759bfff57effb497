import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { type Reporter, type RunResult, TEMP_PREFIX, knownSecrets } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { atomicWriteFile, createConsoleReporter, createJsonReporter, createMarkdownReporter, writeReports } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-write-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function sink() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

describe('atomicWriteFile', () => {
  it('creates missing directories and leaves no temp file', async () => {
    const file = path.join(dir, 'a/b/report.json')
    await atomicWriteFile(file, '{"ok":true}')
    expect(await readFile(file, 'utf8')).toBe('{"ok":true}')
    expect(await readdir(path.join(dir, 'a/b'))).toEqual(['report.json'])
  })

  it('leaves the old file whole when the write fails, and cleans up', async () => {
    const file = path.join(dir, 'report.json')
    await writeFile(file, 'old content')
    // A directory where the data should go makes rename fail after the temp file was written.
    const blocked = path.join(dir, 'blocked')
    await writeFile(path.join(dir, 'x'), '')
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(blocked, 'inner'), { recursive: true }))
    await expect(atomicWriteFile(blocked, 'new')).rejects.toThrow()
    expect(await readFile(file, 'utf8')).toBe('old content')
    expect((await readdir(dir)).filter((f) => f.startsWith(TEMP_PREFIX))).toEqual([])
  })

  it('a reader polling during many rewrites only ever sees a whole document', async () => {
    const file = path.join(dir, 'r.json')
    const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(256 * 1024) })
    await atomicWriteFile(file, big(0))
    let stop = false
    let reads = 0
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(file, 'utf8')
        JSON.parse(text) // throws on a torn read
        reads++
      }
    })()
    for (let i = 1; i <= 20; i++) await atomicWriteFile(file, big(i))
    stop = true
    await reader
    expect(reads).toBeGreaterThan(0)
    expect(JSON.parse(await readFile(file, 'utf8')).n).toBe(20)
  })
})

describe('writeReports', () => {
  it('writes each render to its target, the default file, or stdout, all redacted', async () => {
    const out = sink()
    const res = await writeReports(
      sampleRun(),
      [
        { reporter: createJsonReporter(), target: 'out/results.json' },
        createMarkdownReporter(),
        { reporter: createJsonReporter(), target: '-' },
      ],
      { cwd: dir, stdout: out.stream },
    )
    expect(res.failures).toEqual([])
    expect(res.files.map((f) => path.relative(dir, f.file))).toEqual([path.join('out', 'results.json'), 'venomqa-report.md'])
    const json = await readFile(path.join(dir, 'out/results.json'), 'utf8')
    expect(JSON.parse(json).schemaVersion).toBe(3)
    expect(leakedSecrets(json)).toEqual([])
    expect(leakedSecrets(await readFile(path.join(dir, 'venomqa-report.md'), 'utf8'))).toEqual([])
    expect(JSON.parse(out.text()).journeys).toHaveLength(2)
  })

  it('a report file that cannot be made is named as given, with why in words, not Node\'s text', async () => {
    await writeFile(path.join(dir, 'afile'), 'in the way')
    // A file where a directory of the path goes; and, on Linux, a directory under /proc, which makes none.
    const targets = ['afile/report.json', ...(process.platform === 'linux' ? [`/proc/venomqa-${process.pid}/report.json`] : [])]
    const res = await writeReports(
      sampleRun(),
      targets.map((target) => ({ reporter: createJsonReporter(), target })),
      { cwd: dir },
    )
    expect(res.files).toEqual([])
    expect(res.failures.map((f) => f.error)).toEqual(
      [
        'could not write afile/report.json: a file stands where a directory of its path would be',
        `could not write /proc/venomqa-${process.pid}/report.json: it cannot be made there (a directory of its path is missing and cannot be made, or takes no new files)`,
      ].slice(0, targets.length),
    )
  })

  it('a reporter that throws does not stop the others, keeps the previous file whole, and is reported', async () => {
    await writeFile(path.join(dir, 'broken.txt'), 'previous report')
    const broken: Reporter = {
      name: 'broken',
      render() {
        throw new Error('render exploded')
      },
    }
    const warnings: string[] = []
    const res = await writeReports(sampleRun(), [{ reporter: broken, target: 'broken.txt' }, { reporter: createJsonReporter(), target: 'ok.json' }], {
      cwd: dir,
      warn: (m) => warnings.push(m),
    })
    expect(res.failures).toEqual([{ reporter: 'broken', error: 'render exploded' }])
    expect(warnings.join('\n')).toContain('reporter broken failed: render exploded')
    expect(await readFile(path.join(dir, 'broken.txt'), 'utf8')).toBe('previous report')
    expect(JSON.parse(await readFile(path.join(dir, 'ok.json'), 'utf8')).schemaVersion).toBe(3)
    expect((await readdir(dir)).sort()).toEqual(['broken.txt', 'ok.json'])
  })

  it('a render or deliver that never settles fails that reporter at the timeout; the others are written, nothing hangs', async () => {
    // Promises that never settle and hold nothing open: only the timeout ends them.
    const stuck: Reporter = { name: 'stuck', render: () => new Promise<string>(() => {}) }
    const mute: Reporter = { name: 'mute', deliver: () => new Promise<void>(() => {}) }
    const res = await writeReports(sampleRun(), [{ reporter: stuck, target: 'stuck.txt' }, { reporter: mute }, { reporter: createJsonReporter(), target: 'ok.json' }], {
      cwd: dir,
      timeoutMs: 100,
    })
    expect(res.failures).toEqual([
      { reporter: 'stuck', error: 'reporter stuck: render (the plugin timeout) timed out after 100 ms' },
      { reporter: 'mute', error: 'reporter mute: deliver (the plugin timeout) timed out after 100 ms' },
    ])
    expect(JSON.parse(await readFile(path.join(dir, 'ok.json'), 'utf8')).schemaVersion).toBe(3)
    expect(await readdir(dir)).toEqual(['ok.json'])
  })

  it('hands deliver the redacted run and collects warnings', async () => {
    let seen: RunResult | undefined
    const delivering: Reporter = {
      name: 'hook',
      async deliver(run, ctx) {
        seen = run
        ctx.warn('webhook slow')
      },
    }
    const res = await writeReports(sampleRun(), [delivering], { cwd: dir })
    expect(leakedSecrets(JSON.stringify(seen))).toEqual([])
    expect(res.warnings).toEqual([{ reporter: 'hook', message: 'webhook slow' }])
  })

  it("masks the run's known secrets in what a reporter renders from elsewhere than the run (its plugin's options)", async () => {
    // A plugin reporter that prints an option of its own: `apiToken: '${API_TOKEN}'` in the config made the
    // value a known secret, which the docs promise is masked in every report, not only in the run it is given.
    const token = 'tok-7f3a9c2e51d8'
    knownSecrets.add([token])
    try {
      const out = sink()
      const leaky = (name: string): Reporter => ({ name, render: () => `token in use: ${token}\n` })
      const res = await writeReports(sampleRun(), [{ reporter: leaky('to-file'), target: 'audit.txt' }, { reporter: leaky('to-stdout'), target: '-' }], {
        cwd: dir,
        stdout: out.stream,
      })
      expect(res.failures).toEqual([])
      expect(await readFile(path.join(dir, 'audit.txt'), 'utf8')).toBe('token in use: [REDACTED]\n')
      expect(out.text()).toBe('token in use: [REDACTED]\n')
    } finally {
      knownSecrets.clear()
    }
  })

  it("masks the run's known secrets in bytes a plugin's reporter renders when they are UTF-8 text, and leaves binary bytes alone", async () => {
    const token = 'tok-5b8e1d4c93a7'
    knownSecrets.add([token])
    try {
      const out = sink()
      // A plugin's reporter that encodes its text itself, as one writing a file with a BOM or a given encoding does.
      const encoded = (name: string): Reporter => ({ name, render: () => new TextEncoder().encode(`\uFEFFtoken in use: ${token} ✓\n`) })
      // An image or an archive: a NUL and bytes that are no UTF-8, around the token's bytes, are kept as they came.
      const binary = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, ...new TextEncoder().encode(token), 0xfe])
      const image: Reporter = { name: 'image', render: () => binary }
      const res = await writeReports(sampleRun(), [{ reporter: encoded('to-file'), target: 'audit.txt' }, { reporter: encoded('to-stdout'), target: '-' }, { reporter: image, target: 'shot.png' }], {
        cwd: dir,
        stdout: out.stream,
      })
      expect(res.failures).toEqual([])
      expect(await readFile(path.join(dir, 'audit.txt'), 'utf8')).toBe('\uFEFFtoken in use: [REDACTED] ✓\n')
      expect(out.text()).toBe('\uFEFFtoken in use: [REDACTED] ✓\n')
      expect(new Uint8Array(await readFile(path.join(dir, 'shot.png')))).toEqual(binary)
    } finally {
      knownSecrets.clear()
    }
  })

  it('redacts once for every reporter; the console, which masks what it prints, gets the run as it is', async () => {
    const seen: RunResult[] = []
    const capture = (name: string): Reporter => ({ name, render: (run) => {
      seen.push(run)
      return ''
    } })
    const out = sink()
    const console = createConsoleReporter({ stream: out.stream, color: false })
    const run = sampleRun()
    await writeReports(run, [capture('a'), console, capture('b')], { cwd: dir, stdout: out.stream })
    expect(seen[0]).toBe(seen[1])
    expect(seen[0]).not.toBe(run)
    expect(leakedSecrets(JSON.stringify(seen[0]))).toEqual([])
    // What the console printed from the unredacted run is still masked.
    expect(out.text()).toContain('Result:')
    expect(leakedSecrets(out.text())).toEqual([])
    // A reporter made by a plugin cannot claim to redact itself: it has no way to set the mark.
    const plugin: Reporter = { ...console, name: 'copy-of-console', render: (r) => {
      seen.push(r)
      return ''
    } }
    await writeReports(run, [plugin], { cwd: dir })
    expect(seen[2]).not.toBe(run)
  })
})
