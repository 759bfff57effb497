import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, type CliResult, type Project, assertBuilt, cleanEnv, makeProject, waitUntil } from './helpers/project'

// End to end: `venomqa run --watch` (the built binary) in fixture projects, against the example todo app
// in its own process. Every wait is for a line the watcher prints; the watcher says it is ready (and
// watching) after each run, before any file is touched.
let app: RunningProcess
const projects: Project[] = []

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
})
afterAll(async () => {
  for (const p of projects) await p.remove()
  await app?.stop()
})

async function project(fixture: string): Promise<Project> {
  const p = await makeProject(fixture, { TODO_URL: app.url })
  projects.push(p)
  return p
}

const WAITING = 'Waiting for file changes... press Ctrl-C to quit\n'
const count = (text: string, part: string) => text.split(part).length - 1
/** The journeys a stretch of console output ran, in order. */
const ran = (stdout: string) => [...stdout.matchAll(/^▶ (\S+) /gm)].map((m) => m[1])

/** The watcher in `p`, and a way to wait until it is idle again; each wait returns what it printed since the last. */
function watch(p: Project, args: string[] = [], env?: Record<string, string>) {
  const run = p.spawn(['run', '--watch', ...args], env ? { env } : undefined)
  let idle = 0
  let results = 0
  let mark = { stdout: 0, stderr: 0 }
  const alive = () => {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      const o = run.output()
      throw new Error(`the watcher exited (${run.child.exitCode ?? run.child.signalCode})\n--- stdout\n${o.stdout}\n--- stderr\n${o.stderr}`)
    }
    return true
  }
  return {
    run,
    /** Wait for the end of the next cycle: a run (its console summary on stdout) or only messages (`ran: false`). */
    async settled(what: string, { ran = true } = {}): Promise<{ stdout: string; stderr: string }> {
      await waitUntil(() => alive() && count(run.output().stderr, WAITING) > idle, what)
      idle++
      // stdout and stderr are two pipes: the run's summary may come in after the line that followed it.
      if (ran) await waitUntil(() => count(run.output().stdout, 'Result: ') > results, `${what}: its summary`)
      results = count(run.output().stdout, 'Result: ')
      const o = run.output()
      const out = { stdout: o.stdout.slice(mark.stdout), stderr: o.stderr.slice(mark.stderr) }
      mark = { stdout: o.stdout.length, stderr: o.stderr.length }
      return out
    },
  }
}

async function edit(p: Project, file: string, change: (text: string) => string): Promise<void> {
  const full = path.join(p.dir, file)
  const before = await readFile(full, 'utf8')
  const after = change(before)
  expect(after, `the edit of ${file} changes it`).not.toBe(before)
  await writeFile(full, after)
}

/** Save the way many editors do: write a temp file beside the original, then rename it over. */
async function saveAtomically(p: Project, file: string, change: (text: string) => string): Promise<void> {
  const full = path.join(p.dir, file)
  const tmp = path.join(path.dirname(full), `.${path.basename(full)}.swp`)
  await writeFile(tmp, change(await readFile(full, 'utf8')))
  await rename(tmp, full)
}

/** Processes whose working directory is `dir`: the watcher and anything it could have left behind. */
function processesIn(dir: string): number[] {
  const real = realpathSync(dir)
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === real
      } catch {
        return false
      }
    })
    .map(Number)
}

describe('venomqa run --watch', () => {
  it('reruns exactly the journeys a change concerns, all of them for the config, and keeps watching past a syntax error', async () => {
    const p = await project('watch-project')
    const w = watch(p)

    const first = await w.settled('the first run')
    expect(ran(first.stdout)).toEqual(['alpha', 'beta', 'gamma'])
    expect(first.stdout).toContain('✓ alpha_v1 GET')
    // Three journey files, the helper two of them import, the file that helper imports, and the config.
    expect(first.stderr).toBe(`venomqa: watching 6 files\n${WAITING}`)

    // A journey file, saved through a rename: that journey alone, with its new code.
    await saveAtomically(p, 'journeys/gamma.journey.ts', (t) => t.replace("'gamma_v1'", "'gamma_v2'"))
    const gamma = await w.settled('the rerun after editing gamma')
    expect(gamma.stderr).toContain('venomqa: journeys/gamma.journey.ts changed\nvenomqa: rerunning 1 journey: gamma\n')
    expect(ran(gamma.stdout)).toEqual(['gamma'])
    expect(gamma.stdout).toContain('✓ gamma_v2 GET')

    // The shared helper: the two journeys that import it, and they see its new value.
    await edit(p, 'support/shared.ts', (t) => t.replace("VERSION = 'v1'", "VERSION = 'v2'"))
    const shared = await w.settled('the rerun after editing the shared helper')
    expect(shared.stderr).toContain('venomqa: support/shared.ts changed\nvenomqa: rerunning 2 journeys: alpha, beta\n')
    expect(ran(shared.stdout)).toEqual(['alpha', 'beta'])
    expect(shared.stdout).toContain('✓ alpha_v2 GET')
    expect(shared.stdout).toContain('✓ beta_v2 GET')

    // A file the helper imports: the same two journeys, through the helper.
    await edit(p, 'support/paths.ts', (t) => t.replace("HEALTH = '/health'", "HEALTH = '/health?from=paths'"))
    const deep = await w.settled('the rerun after editing what the helper imports')
    expect(deep.stderr).toContain('venomqa: support/paths.ts changed\nvenomqa: rerunning 2 journeys: alpha, beta\n')
    expect(ran(deep.stdout)).toEqual(['alpha', 'beta'])
    expect(deep.stdout).toContain('/health?from=paths')

    // The config: reloaded (its new reporter writes a file), and every journey runs.
    await edit(p, 'venomqa.config.ts', (t) => t.replace('timeout: 5000,', "timeout: 5000,\n  reporters: ['console', 'json:out/after-config.json'],"))
    const config = await w.settled('the rerun after editing the config')
    expect(config.stderr).toContain('venomqa: venomqa.config.ts changed: reloading the config\nvenomqa: rerunning 3 journeys: alpha, beta, gamma\n')
    expect(config.stderr).toContain('venomqa: json report written to out/after-config.json\n')
    expect(ran(config.stdout)).toEqual(['alpha', 'beta', 'gamma'])
    expect(JSON.parse(readFileSync(path.join(p.dir, 'out/after-config.json'), 'utf8')).journeys.map((j: { name: string }) => j.name)).toEqual([
      'alpha',
      'beta',
      'gamma',
    ])

    // A syntax error: the clear error, nothing run, and the watcher still waiting.
    const beta = readFileSync(path.join(p.dir, 'journeys/beta.journey.ts'), 'utf8')
    await edit(p, 'journeys/beta.journey.ts', (t) => `${t}\nexport const broken = journey('beta_2', {\n`)
    const broken = await w.settled('the watcher after a syntax error', { ran: false })
    expect(broken.stderr).toMatch(/^venomqa: journeys\/beta\.journey\.ts changed\nvenomqa: could not load journeys\/beta\.journey\.ts:\d+:\d+: Unexpected token/)
    expect(broken.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
    expect(broken.stderr.endsWith(`venomqa: watching 6 files\n${WAITING}`)).toBe(true)
    expect(broken.stdout).toBe('')
    expect(w.run.child.exitCode).toBeNull()
    // As with `venomqa run`, a rerun stopped before it ran leaves none of the outputs: the last green run's
    // report would read as this change's.
    expect(existsSync(path.join(p.dir, 'out/after-config.json'))).toBe(false)

    // Fixed: the journey runs again.
    await writeFile(path.join(p.dir, 'journeys/beta.journey.ts'), beta)
    const fixed = await w.settled('the rerun after the fix')
    expect(fixed.stderr).toContain('venomqa: rerunning 1 journey: beta\n')
    expect(ran(fixed.stdout)).toEqual(['beta'])

    // Ctrl-C while waiting: it quits, 0, and leaves no process behind.
    const pid = w.run.child.pid!
    w.run.child.kill('SIGINT')
    const end: CliResult = await w.run.done
    expect(end.code).toBe(0)
    expect(end.signal).toBeNull()
    expect(end.stderr).not.toContain('unexpected')
    expect(existsSync(`/proc/${pid}`)).toBe(false)
    expect(processesIn(p.dir)).toEqual([])
  })

  it('the config deleted: nothing runs without it, and once it is back every journey runs with it', async () => {
    const p = await project('watch-project')
    const w = watch(p)
    expect(ran((await w.settled('the first run')).stdout)).toEqual(['alpha', 'beta', 'gamma'])
    const config = readFileSync(path.join(p.dir, 'venomqa.config.ts'), 'utf8')
    await rm(path.join(p.dir, 'venomqa.config.ts'))
    const gone = await w.settled('the watcher after the config went away', { ran: false })
    expect(gone.stderr).toContain('venomqa.config.ts is gone: waiting for it to come back; nothing runs without it')
    expect(gone.stdout).toBe('')
    // A journey edited meanwhile does not run without the config either.
    await edit(p, 'journeys/gamma.journey.ts', (t) => t.replace("'gamma_v1'", "'gamma_v2'"))
    const still = await w.settled('the watcher after an edit, the config still gone', { ran: false })
    expect(still.stderr).toContain('is gone: waiting for it to come back')
    expect(still.stdout).toBe('')
    // Back: the config is read again, and every journey runs with it.
    await writeFile(path.join(p.dir, 'venomqa.config.ts'), config)
    const back = await w.settled('the rerun once the config is back')
    expect(back.stderr).toContain(': reloading the config\n')
    expect(ran(back.stdout)).toEqual(['alpha', 'beta', 'gamma'])
    expect(back.stdout).toContain('✓ gamma_v2 GET')
    w.run.child.kill('SIGINT')
    expect((await w.run.done).code).toBe(0)
  })

  it("with --shard, each run takes away and writes that shard's record only, never a sibling shard's", async () => {
    const p = await project('watch-project')
    for (const i of [1, 3]) expect((await p.venomqa(['run', '--shard', `${i}/3`])).code).toBe(0)
    const records = () => readdirSync(path.join(p.dir, '.venomqa')).sort()
    const all = ['last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-3-of-3.json']
    const w = watch(p, ['--shard', '2/3'])
    expect(ran((await w.settled('the first run')).stdout)).toEqual(['beta'])
    expect(records()).toEqual(all)
    await edit(p, 'venomqa.config.ts', (t) => `${t}// edited\n`)
    expect(ran((await w.settled('the rerun after the config changed')).stdout)).toEqual(['beta'])
    expect(records()).toEqual(all)
    w.run.child.kill('SIGINT')
    expect((await w.run.done).code).toBe(0)
  })

  it('a misspelt VENOMQA_* variable is warned about once, not again at every rerun', async () => {
    const p = await project('watch-project')
    const warning = 'VENOMQA_RETRYS is not a variable venomqa reads'
    const w = watch(p, ['--shard', '2/3'], { VENOMQA_RETRYS: '2' })
    expect(count((await w.settled('the first run')).stderr, warning)).toBe(1)
    await edit(p, 'venomqa.config.ts', (t) => `${t}// edited again\n`)
    expect((await w.settled('the rerun after the config changed')).stderr).not.toContain(warning)
    w.run.child.kill('SIGINT')
    expect((await w.run.done).code).toBe(0)
  })

  it('an imported file deleted, then put back (a git stash pop, a branch switch): the journeys that need it run again', async () => {
    const p = await project('watch-project')
    const w = watch(p)
    expect(ran((await w.settled('the first run')).stdout)).toEqual(['alpha', 'beta', 'gamma'])
    const paths = readFileSync(path.join(p.dir, 'support/paths.ts'), 'utf8')
    await rm(path.join(p.dir, 'support/paths.ts'))
    const gone = await w.settled('the watcher after the import went away', { ran: false })
    expect(gone.stderr).toMatch(/could not load journeys\/alpha\.journey\.ts/)
    // While it cannot load, a file no import can name is not waited for: the watcher's own output
    // redirected into the project (`> watch.log`) reloaded it with every failure, in a loop.
    await writeFile(path.join(p.dir, 'watch.log'), 'venomqa: could not load ...\n')
    await writeFile(path.join(p.dir, 'support/notes.txt'), 'todo\n')
    await new Promise((resolve) => setTimeout(resolve, 500)) // past the watcher's 100 ms settling: a reload would have begun
    // Back: it is no longer in the import graph (it did not resolve), but the journeys wait for it.
    await writeFile(path.join(p.dir, 'support/paths.ts'), paths)
    const back = await w.settled('the rerun once the import is back')
    expect(back.stderr).toContain('venomqa: support/paths.ts changed\nvenomqa: rerunning 2 journeys: alpha, beta\n')
    expect(back.stderr).not.toMatch(/watch\.log|notes\.txt/)
    expect(ran(back.stdout)).toEqual(['alpha', 'beta'])
    w.run.child.kill('SIGINT')
    expect((await w.run.done).code).toBe(0)
  })

  it('an import in a directory of its own deleted, then put back, reruns its journey; so does its directory deleted and made again', async () => {
    // The only watched file of its directory: dropped from the graph when it stopped resolving, its
    // directory was no longer watched, and its return went unnoticed until the journey itself changed.
    const p = await project('watch-project')
    const label = "export const LABEL = 'v1'\n"
    await mkdir(path.join(p.dir, 'lib'))
    await writeFile(path.join(p.dir, 'lib/label.ts'), label)
    await edit(p, 'journeys/gamma.journey.ts', (t) => `import { LABEL } from '../lib/label'\n${t.replace("'gamma_v1'", '`gamma_${LABEL}`')}`)
    const w = watch(p)
    expect(ran((await w.settled('the first run')).stdout)).toEqual(['alpha', 'beta', 'gamma'])

    await rm(path.join(p.dir, 'lib/label.ts'))
    expect((await w.settled('the watcher after the import went away', { ran: false })).stderr).toMatch(/could not load journeys\/gamma\.journey\.ts/)
    await writeFile(path.join(p.dir, 'lib/label.ts'), label)
    const back = await w.settled('the rerun once the import is back')
    expect(back.stderr).toContain('venomqa: lib/label.ts changed\nvenomqa: rerunning 1 journey: gamma\n')
    expect(ran(back.stdout)).toEqual(['gamma'])

    await rm(path.join(p.dir, 'lib'), { recursive: true })
    expect((await w.settled('the watcher after the directory went away', { ran: false })).stderr).toMatch(/could not load journeys\/gamma\.journey\.ts/)
    await mkdir(path.join(p.dir, 'lib'))
    await writeFile(path.join(p.dir, 'lib/label.ts'), label)
    const again = await w.settled('the rerun once the directory is back')
    expect(again.stderr).toContain('venomqa: lib/label.ts changed\nvenomqa: rerunning 1 journey: gamma\n')
    expect(ran(again.stdout)).toEqual(['gamma'])
    w.run.child.kill('SIGINT')
    expect((await w.run.done).code).toBe(0)
  })

  it('Ctrl-C while a journey file loads for good (a top-level await that never settles): exit 130 at once', async () => {
    // The watcher ignored every Ctrl-C and SIGTERM while it reloaded such a file: only kill -9 ended it.
    const p = await project('watch-project')
    const w = watch(p)
    await w.settled('the first run')
    const started = path.join(p.dir, 'loading-started')
    await writeFile(
      path.join(p.dir, 'journeys/beta.journey.ts'),
      `import { writeFileSync } from 'node:fs'\nimport { journey, step } from '@venomqa/core'\nwriteFileSync(${JSON.stringify(started)}, '')\nawait new Promise(() => {})\nexport default journey('beta', { steps: [step('s', () => {})] })\n`,
    )
    await waitUntil(() => existsSync(started), 'the journey file to start loading')
    w.run.child.kill('SIGINT')
    const end = await w.run.done
    expect(end.code).toBe(130)
    expect(end.stderr).toContain('venomqa: interrupted while the config and journeys loaded: nothing ran\n')
  })

  it('Ctrl-C as a rerun starts, before the run has its own handling: exit 130 saying nothing ran, not killed outright', async () => {
    // Between "rerunning" and the run's handler no listener was left: the signal killed the process with
    // nothing said (or, a listener of Node's own aside, was lost and the rerun went on in full).
    const p = await project('watch-project')
    const signalAtRerun = path.join(p.dir, 'signal-at-rerun.cjs')
    await writeFile(
      signalAtRerun,
      `const write = process.stderr.write.bind(process.stderr)\nprocess.stderr.write = (chunk, ...rest) => {\n  const done = write(chunk, ...rest)\n  if (String(chunk).includes('rerunning')) queueMicrotask(() => process.kill(process.pid, 'SIGINT'))\n  return done\n}\n`,
    )
    const w = watch(p, [], { NODE_OPTIONS: `--require ${signalAtRerun}` })
    await w.settled('the first run')
    await edit(p, 'journeys/gamma.journey.ts', (t) => t.replace("'gamma_v1'", "'gamma_v2'"))
    const end = await w.run.done
    expect({ code: end.code, signal: w.run.child.signalCode }).toEqual({ code: 130, signal: null })
    expect(end.stderr).toContain('venomqa: rerunning 1 journey: gamma\nvenomqa: interrupted before the run started: nothing ran\n')
    expect(ran(end.stdout.slice(end.stdout.lastIndexOf('Result: ')))).toEqual([])
  })

  it('Ctrl-C during a rerun interrupts it as usual: rollback, reports marked interrupted, exit 130', async () => {
    const p = await project('ts-project')
    const w = watch(p, ['--tag', 'smoke', '--save', 'out/watch.json'])
    const first = await w.settled('the first run')
    expect(ran(first.stdout)).not.toContain('slow')

    // The slow journey joins the selection: its file changed, so it alone runs, and its request hangs.
    await edit(p, 'journeys/slow.journey.ts', (t) => t.replace("tags: ['slow']", "tags: ['slow', 'smoke']"))
    await waitUntil(() => w.run.output().stdout.includes('path waits'), 'the slow path to start')
    w.run.child.kill('SIGINT')
    const end = await w.run.done
    expect(end.code).toBe(130)
    expect(end.stderr).toContain('venomqa: rerunning 1 journey: slow\n')
    expect(end.stderr).toContain('venomqa: interrupted: finishing the current request, rolling back, writing reports')
    expect(end.stdout).toContain('↺ rollback to registered (interrupt)')
    expect(end.stdout).toContain('Result: INTERRUPTED')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'out/watch.json'), 'utf8'))
    expect(saved.interrupted).toBe(true)
    expect(saved.journeys.map((j: { name: string }) => j.name)).toEqual(['slow'])
    expect(processesIn(p.dir)).toEqual([])
  })

  it('on a terminal: a clean screen before each rerun, and q quits', async () => {
    const p = await project('watch-project')
    // `script` gives the watcher a terminal (stdin, stdout and stderr), as a person running it has.
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`
    const child: ChildProcess = spawn('script', ['-qfec', `${quote(process.execPath)} ${quote(CLI_BIN)} run --watch`, '/dev/null'], {
      cwd: p.dir,
      env: cleanEnv({ TODO_URL: app.url, CI: undefined, TERM: 'xterm' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const prompt = 'Waiting for file changes... press q or Ctrl-C to quit'
    try {
      await waitUntil(() => out.includes(prompt), 'the first run on a terminal')
      expect(out).not.toContain('\x1b[2J')

      await edit(p, 'journeys/gamma.journey.ts', (t) => t.replace("'gamma_v1'", "'gamma_v2'"))
      await waitUntil(() => count(out, prompt) === 2, 'the rerun on a terminal')
      const rerun = out.slice(out.indexOf(prompt) + prompt.length)
      expect(rerun.indexOf('\x1b[2J\x1b[H')).toBeGreaterThanOrEqual(0)
      expect(rerun.indexOf('\x1b[2J\x1b[H')).toBeLessThan(rerun.indexOf('rerunning 1 journey: gamma'))

      child.stdin!.write('q')
      expect(await done).toBe(0)
      expect(processesIn(p.dir)).toEqual([])
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })
})
