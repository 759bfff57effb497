import { type ChildProcess, fork, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { REPO_ROOT, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll } from 'vitest'
import { COMMIT_VARIABLES } from '../../src/shard/code'
import { RUN_ID_VARIABLES } from '../../src/shard/run-id'

export const CLI_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js')
const FIXTURES = path.join(REPO_ROOT, 'packages/cli/test/fixtures')

/** What the e2e tests run: fail with the command to fix it when something is not built. */
export function assertBuilt(): void {
  const needed = {
    'packages/cli/dist/bin.js': '@venomqa/cli',
    'packages/runner/dist/index.js': '@venomqa/runner',
    'packages/core/dist/index.js': '@venomqa/core',
    'examples/plugin-csv/dist/index.js': 'venomqa-plugin-csv',
    'examples/todo-app/dist/server.js': '@venomqa/example-todo-app',
  }
  const missing = Object.entries(needed).filter(([f]) => !existsSync(path.join(REPO_ROOT, f)))
  if (missing.length)
    throw new Error(`build first: ${missing.map(([, pkg]) => `pnpm --filter ${pkg} build`).join(' && ')} (missing ${missing.map(([f]) => f).join(', ')})`)
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Project {
  dir: string
  /**
   * Run the built `venomqa` binary in the project, as a user would: a process of its own, or the command in
   * the file's CliHost when the project was made with one (`process: true` runs a process all the same).
   */
  venomqa(args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number; process?: boolean }): Promise<CliResult>
  /** Start it and hand back the process, for signal tests. */
  spawn(args: string[], options?: { env?: Record<string, string | undefined> }): { child: ChildProcess; output: () => CliResult; done: Promise<CliResult> }
  remove(): Promise<void>
}

/** Variables that point git at another repository than the project's (a git hook sets them): a shard would record its commit. */
const GIT_PLACES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']

/** The environment of the user's shell, without anything VenomQA reads that the test did not set. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VENOMQA_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !RUN_ID_VARIABLES.includes(k as never) && !COMMIT_VARIABLES.includes(k as never) && !GIT_PLACES.includes(k)) env[k] = v
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k]
  else env[k] = v
  return env
}

/**
 * Runs the built CLI's commands in one process of its own, one after another (helpers/cli-host.mjs): for a
 * file of tests that each run a command or two and read what it said, where a process per command was most
 * of what the file cost. Each command runs in its project's directory, with only the environment given and
 * the process's own stdout and stderr (kept), as `venomqa` would. What needs a process of its own gets one:
 * signals (Project.spawn), --debug and the variables Node or the colour libraries read at start (see
 * hostable), and a command meant to run beside another (`{ process: true }`: here they would take turns).
 */
export class CliHost {
  #child?: ChildProcess
  #ready?: Promise<ChildProcess>
  #next = 0
  /** Commands run one after another: each sets the process's directory and environment. */
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * The code files of each project a command ran in, as they were after it (see codeFiles): Node keeps a
   * module it loaded for the rest of the process, so a command run after a test rewrote one of them (its
   * config, a plugin) would get the old one, where a process of its own reads the new one. Such a command
   * gets a new host.
   */
  readonly #seen = new Map<string, string>()

  run(dir: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
    const result = this.#queue.then(async () => {
      const before = this.#seen.get(dir)
      if (before !== undefined && before !== (await codeFiles(dir))) await this.close()
      try {
        return await this.#run(dir, args, env, timeoutMs)
      } finally {
        this.#seen.set(dir, await codeFiles(dir))
      }
    })
    this.#queue = result.catch(() => {})
    return result
  }

  async #run(cwd: string, argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
    const child = await this.#start()
    const id = ++this.#next
    return new Promise<CliResult>((resolve) => {
      const done = (result: CliResult) => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve(result)
      }
      const onMessage = (m: { id?: number; ending?: boolean } & Omit<CliResult, 'signal'>) => {
        if (m.id !== id) return
        // A fault it answered for ends the host: the next command gets a new one, not this one on its way out.
        if (m.ending && this.#child === child) this.#child = undefined
        done({ code: m.code, signal: null, stdout: m.stdout, stderr: m.stderr })
      }
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => done({ code, signal, stdout: '', stderr: `cli-host ended (${signal ?? code}) before the command answered\n` })
      // As a command run as a process is killed at its timeout: the host, with what the command held.
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('message', onMessage)
      child.on('exit', onExit)
      child.send({ id, argv, cwd, env }, (err) => err && done({ code: null, signal: null, stdout: '', stderr: `cli-host did not take the command: ${err.message}\n` }))
    })
  }

  /** The host, started on first use and again after one ended (a fault it could not answer for, a timeout). */
  #start(): Promise<ChildProcess> {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return this.#ready!
    const child = fork(path.join(REPO_ROOT, 'packages/cli/test/helpers/cli-host.mjs'), [], { execArgv: [], env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    // What the host itself says (a crash before it is ready): shown with the test's output.
    child.stdout!.pipe(process.stdout)
    child.stderr!.pipe(process.stderr)
    this.#child = child
    // A send to a host on its way out fails through its callback (above), not as an error nobody listens to.
    child.on('error', () => {})
    this.#ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve(child))
      child.once('exit', (code) => reject(new Error(`cli-host ended (${code}) before it was ready`)))
    })
    return this.#ready
  }

  /** End the host: after the file's last test, or for a command that must not see modules it loaded before. */
  async close(): Promise<void> {
    this.#seen.clear()
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
}

/** A CliHost for the test file that calls this at its top, ended after the file's last test. */
export function cliHost(): CliHost {
  const host = new CliHost()
  afterAll(() => host.close())
  return host
}

/**
 * Whether a command runs the same in a CliHost as in a process of its own. Not with --debug, which places
 * stacks in TypeScript files for the whole process (bin.ts), nor with what Node or the colour libraries
 * read once, when the process starts (NODE_PATH: the module paths a require looks in beside node_modules).
 */
function hostable(args: readonly string[], env: Record<string, string | undefined> = {}): boolean {
  return !args.includes('--debug') && !Object.keys(env).some((key) => ['FORCE_COLOR', 'NO_COLOR', 'TERM', 'NODE_OPTIONS', 'NODE_PATH', 'TZ'].includes(key))
}

/** The JavaScript and TypeScript files of a project outside node_modules and dot-directories, each with a hash of what it holds: what a run may load as a module. */
async function codeFiles(dir: string): Promise<string> {
  const found: string[] = []
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
      const file = path.join(at, entry.name)
      if (entry.isDirectory()) await walk(file)
      else if (/\.[cm]?[jt]sx?$/.test(entry.name)) {
        const text = await readFile(file).catch(() => undefined)
        if (text) found.push(`${file}:${createHash('sha1').update(text).digest('hex')}`)
      }
    }
  }
  await walk(dir)
  return found.sort().join('\n')
}

/**
 * Copy a fixture project to a temp directory with a node_modules as an install would leave it:
 * @venomqa/core, runner and cli link to the workspace packages, venomqa-plugin-csv to the example, and
 * the fixture plugin packages (test/fixtures/packages) are copied in.
 */
export async function makeProject(fixture: string | null, baseEnv: Record<string, string | undefined> = {}, host?: CliHost): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), `venomqa-e2e-${fixture ?? 'empty'}-`))
  if (fixture) await cp(path.join(FIXTURES, fixture), dir, { recursive: true })
  const nm = path.join(dir, 'node_modules')
  await mkdir(path.join(nm, '@venomqa'), { recursive: true })
  for (const p of ['core', 'runner', 'cli']) await symlink(path.join(REPO_ROOT, 'packages', p), path.join(nm, '@venomqa', p), 'dir')
  await symlink(path.join(REPO_ROOT, 'examples/plugin-csv'), path.join(nm, 'venomqa-plugin-csv'), 'dir')
  const pkgs = path.join(FIXTURES, 'packages')
  for (const entry of await readdir(pkgs)) {
    if (entry.startsWith('@')) for (const sub of await readdir(path.join(pkgs, entry))) await cp(path.join(pkgs, entry, sub), path.join(nm, entry, sub), { recursive: true })
    else await cp(path.join(pkgs, entry), path.join(nm, entry), { recursive: true })
  }
  /** The CLIs started here that have not exited, each with its kill: remove() ends them, so a test that failed halfway leaves none. */
  const running = new Map<Promise<CliResult>, () => void>()
  const spawnCli = (args: string[], options: { env?: Record<string, string | undefined> } = {}) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: dir, env: cleanEnv({ ...baseEnv, ...options.env }), stdio: ['ignore', 'pipe', 'pipe'] })
    const out: CliResult = { code: null, signal: null, stdout: '', stderr: '' }
    child.stdout!.on('data', (d) => (out.stdout += d))
    child.stderr!.on('data', (d) => (out.stderr += d))
    const done = new Promise<CliResult>((resolve) =>
      child.on('close', (code, signal) => {
        out.code = code
        out.signal = signal
        running.delete(done)
        resolve(out)
      }),
    )
    running.set(done, () => child.kill('SIGKILL'))
    return { child, output: () => out, done }
  }
  return {
    dir,
    spawn: spawnCli,
    async venomqa(args, options = {}) {
      if (host && !options.process && hostable(args, options.env)) return host.run(dir, args, cleanEnv({ ...baseEnv, ...options.env }), options.timeoutMs ?? 25_000)
      const run = spawnCli(args, options)
      const timer = setTimeout(() => run.child.kill('SIGKILL'), options.timeoutMs ?? 25_000)
      try {
        return await run.done
      } finally {
        clearTimeout(timer)
      }
    },
    async remove() {
      const left = [...running]
      for (const [, kill] of left) kill()
      await Promise.all(left.map(([done]) => done))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** An empty project (no config) holding these journey files, `journeys/<name>` each, with the built packages linked. */
export async function projectWithJourneys(journeys: Record<string, string>): Promise<Project> {
  assertBuilt()
  const p = await makeProject(null)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  for (const [name, source] of Object.entries(journeys)) await writeFile(path.join(p.dir, 'journeys', name), source)
  return p
}

export { waitUntil } from '@venomqa/test-utils'

/**
 * `venomqa run` in `project`, quit with a second Ctrl-C once each of `paths` has started (on the main line
 * and on the workers): what it printed from "quitting now" on, and how it ended.
 */
export async function quitTwiceOncePathsRun(project: Project, paths: readonly string[], env: Record<string, string> = {}): Promise<{ result: CliResult; said: string }> {
  const run = project.spawn(['run'], { env })
  await waitUntil(() => paths.every((p) => run.output().stdout.includes(`path ${p}`)), 'the paths to start on the workers', 30_000)
  run.child.kill('SIGINT')
  await waitUntil(() => run.output().stderr.includes('venomqa: interrupted'), 'the first Ctrl-C to be taken')
  // At once: closing waits up to 1 s for the requests in flight before it stops anything.
  run.child.kill('SIGINT')
  const result = await run.done
  return { result, said: result.stderr.slice(result.stderr.indexOf('venomqa: quitting now')) }
}

/** Write `files` into `dir`, each path relative to it, its directories made. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
}

/**
 * For a test file whose tests each write a small project of their own (a config, plugins, journeys): the
 * function that makes one of `files` (after `always`), on the file's CLI host when it has one, and the hooks
 * that check the CLI is built before and remove every project after the file's tests.
 */
export function projectsOfFiles(options: { host?: CliHost; always?: Record<string, string> } = {}): (files: Record<string, string>) => Promise<Project> {
  const projects: Project[] = []
  beforeAll(() => assertBuilt())
  afterAll(async () => {
    for (const p of projects) await p.remove()
  })
  return async (files) => {
    const p = await makeProject(null, {}, options.host)
    projects.push(p)
    await writeFiles(p.dir, { ...options.always, ...files })
    return p
  }
}
