import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { REPO_ROOT, waitUntil } from '@venomqa/test-utils'
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
  /** Run the built `venomqa` binary in the project, as a user would. */
  venomqa(args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>
  /** Start it and hand back the process, for signal tests. */
  spawn(args: string[], options?: { env?: Record<string, string | undefined> }): { child: ChildProcess; output: () => CliResult; done: Promise<CliResult> }
  remove(): Promise<void>
}

/** The environment of the user's shell, without anything VenomQA reads that the test did not set. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VENOMQA_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !RUN_ID_VARIABLES.includes(k as never)) env[k] = v
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k]
  else env[k] = v
  return env
}

/**
 * Copy a fixture project to a temp directory with a node_modules as an install would leave it:
 * @venomqa/core, runner and cli link to the workspace packages, venomqa-plugin-csv to the example, and
 * the fixture plugin packages (test/fixtures/packages) are copied in.
 */
export async function makeProject(fixture: string | null, baseEnv: Record<string, string | undefined> = {}): Promise<Project> {
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
export async function quitTwiceOncePathsRun(project: Project, paths: readonly string[]): Promise<{ result: CliResult; said: string }> {
  const run = project.spawn(['run'])
  await waitUntil(() => paths.every((p) => run.output().stdout.includes(`path ${p}`)), 'the paths to start on the workers', 30_000)
  run.child.kill('SIGINT')
  await waitUntil(() => run.output().stderr.includes('venomqa: interrupted'), 'the first Ctrl-C to be taken')
  // At once: closing waits up to 1 s for the requests in flight before it stops anything.
  run.child.kill('SIGINT')
  const result = await run.done
  return { result, said: result.stderr.slice(result.stderr.indexOf('venomqa: quitting now')) }
}
