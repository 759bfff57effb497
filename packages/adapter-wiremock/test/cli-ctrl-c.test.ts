/**
 * The built `venomqa` with a managed WireMock, interrupted as a terminal interrupts it: Ctrl-C typed there
 * sends SIGINT to the whole foreground process group, not to venomqa alone. Java was in that group and
 * died at once, so the interrupted journey's rollback failed (`read ECONNRESET`, a critical issue), and a
 * second Ctrl-C named every backend as not put back and as keeping what it set up. Needs the built
 * packages (cli, runner, core, this one, adapter-mailhog): turbo builds them before this package's tests.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CLI_BIN, REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithJava, processExists } from './helpers'

const describeJava = describeWithJava()

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'
export default journey('ctrl_c', {
  requires: ['mock', 'mail'],
  steps: [
    step('stub', async ({ ports }) => { await ports.mock.stub({ method: 'GET', path: '/kept', body: 'kept' }) }),
    checkpoint('cp'),
    branch('cp', [
      path('dirty_then_wait', [
        step('dirty', async ({ ports }) => { await ports.mock.stub({ method: 'GET', path: '/dirty', body: 'dirty' }) }),
        step('wait', async ({ log, signal }) => {
          log.info('READY-FOR-CTRL-C')
          await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, 60_000)
            signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) })
          })
        }),
      ]),
    ]),
  ],
})
`

// A backend after WireMock whose rollback hangs once the run is interrupted (STUCK=1): a second Ctrl-C
// then lands while the interrupted journey is half put back, WireMock's part back already.
const STUCK_PLUGIN = `import { definePlugin } from '@venomqa/core'
export default definePlugin({
  name: 'stuck', version: '1.0.0', apiVersion: 1,
  setup(api) {
    let interrupted = false
    process.once('SIGINT', () => { interrupted = true })
    api.addStateBackend({
      name: 'stuck', mechanism: 'snapshot', parallelSafe: false,
      connect: async () => {}, checkpoint: async () => {}, release: async () => {}, disconnect: async () => {},
      rollback: async () => {
        if (!interrupted || process.env.STUCK !== '1') return
        api.log.info('rolling back slowly')
        await new Promise((resolve) => setTimeout(resolve, 2 ** 31 - 1))
      },
    })
  },
})
`

let project: string

beforeAll(async () => {
  for (const built of ['packages/cli/dist/bin.js', 'packages/runner/dist/index.js', 'packages/core/dist/index.js', 'packages/adapter-wiremock/dist/index.js', 'packages/adapter-mailhog/dist/index.js'])
    if (!existsSync(path.join(REPO_ROOT, built))) throw new Error(`${built} is missing: build the packages first (pnpm build)`)
  project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-wiremock-ctrl-c-'))
  await mkdir(path.join(project, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of ['core', 'runner', 'cli', 'adapter-wiremock', 'adapter-mailhog'])
    await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(project, 'node_modules/@venomqa', pkg), 'dir')
  await mkdir(path.join(project, 'journeys'))
  await mkdir(path.join(project, 'plugins'))
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'ctrl-c-project', private: true, type: 'module' }))
  await writeFile(path.join(project, 'journeys/ctrl-c.journey.mjs'), JOURNEY)
  await writeFile(path.join(project, 'plugins/stuck.mjs'), STUCK_PLUGIN)
  await writeFile(
    path.join(project, 'venomqa.config.mjs'),
    `export default {
  baseUrl: 'http://127.0.0.1:1',
  journeys: ['journeys/*.journey.mjs'],
  plugins: [['@venomqa/adapter-mailhog', {}], ['@venomqa/adapter-wiremock', { managed: true }], ['./plugins/stuck.mjs', {}]],
  reporters: ['console'],
}
`,
  )
})

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true })
})

interface Run {
  child: ChildProcess
  out: () => string
  done: Promise<number | null>
}

/** `venomqa run` as a terminal starts a command: a process group of its own, which a Ctrl-C there signals whole. */
function runInGroup(env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI_BIN, 'run'], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return { child, out: () => out, done }
}

async function until(what: string, check: () => boolean, run: Run, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`gave up waiting for ${what}; the run said:\n${run.out()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The terminal's Ctrl-C: SIGINT to every process of the run's group. */
const ctrlC = (run: Run) => process.kill(-run.child.pid!, 'SIGINT')

/** Java's pid, from the plugin's line saying where WireMock runs. */
function javaPid(out: string): number {
  const pid = /managed WireMock on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+),/.exec(out)?.[1]
  if (!pid) throw new Error(`no managed WireMock line in:\n${out}`)
  return Number(pid)
}

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 8000
  while (processExists(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !processExists(pid)
}

describeJava('venomqa run with a managed WireMock, interrupted at the terminal', () => {
  it('Ctrl-C: the interrupted journey is put back in WireMock too, with no critical issue, and Java is stopped at the end', async () => {
    const run = runInGroup()
    try {
      await until('the journey to wait for Ctrl-C', () => run.out().includes('READY-FOR-CTRL-C'), run)
      const pid = javaPid(run.out())
      ctrlC(run)
      expect(await run.done, run.out()).toBe(130)
      const out = run.out()
      expect(out).toMatch(/↺ rollback to cp \(interrupt\) \d+ ms: mail-catcher \(memory\) \d+ ms, wiremock \(mappings\) \d+ ms, stuck \(snapshot\) \d+ ms/)
      expect(out).not.toContain('ECONNRESET')
      expect(out).toMatch(/Issues {4}none/)
      expect(out).toContain('Result: INTERRUPTED')
      expect(await gone(pid)).toBe(true)
    } finally {
      if (run.child.exitCode === null) process.kill(-run.child.pid!, 'SIGKILL')
    }
  })

  it('a second Ctrl-C while a later backend is still putting its part back names that backend alone, and no backend that leaves nothing; Java does not stay', async () => {
    const run = runInGroup({ STUCK: '1' })
    try {
      await until('the journey to wait for Ctrl-C', () => run.out().includes('READY-FOR-CTRL-C'), run)
      const pid = javaPid(run.out())
      ctrlC(run)
      await until("the stuck backend's rollback", () => run.out().includes('rolling back slowly'), run)
      ctrlC(run)
      expect(await run.done, run.out()).toBe(130)
      const said = run.out().slice(run.out().indexOf('venomqa: quitting now'))
      expect(said).toBe(
        [
          'venomqa: quitting now, before the run finished:',
          `  - journey "ctrl_c" was put back to its checkpoint "cp" in mail-catcher, wiremock only, not in stuck: what it wrote there since is still in the app's data, and the next run starts from it`,
          // The embedded catcher and WireMock's backend keep their checkpoints in this process only.
          '  - closing did not finish: stuck may keep what it set up in the system under test until the next run connects; a server a plugin started may still run',
          '',
        ].join('\n'),
      )
      expect(await gone(pid)).toBe(true)
    } finally {
      if (run.child.exitCode === null) process.kill(-run.child.pid!, 'SIGKILL')
    }
  })
})
