/**
 * What the benches that spawn the built `venomqa` share: where it is, a throwaway project for it to run
 * in, and the items API the runner-overhead journey talks to.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = path.join(ROOT, 'packages/cli/dist/bin.js')

/** Stop with a hint when the CLI was not built: the benches run its dist. */
export function requireBuiltCli(): void {
  if (existsSync(CLI)) return
  console.log('build the CLI first: pnpm --filter @venomqa/cli build')
  process.exit(2)
}

/**
 * A new project in the temp directory: a `journeys` folder, core linked from the workspace, no config.
 * The caller removes it (rmSync with recursive) when done.
 */
export function makeCliProject(name: string): string {
  const project = mkdtempSync(path.join(os.tmpdir(), `venomqa-${name}-`))
  mkdirSync(path.join(project, 'journeys'))
  mkdirSync(path.join(project, 'node_modules/@venomqa'), { recursive: true })
  symlinkSync(path.join(ROOT, 'packages/core'), path.join(project, 'node_modules/@venomqa/core'), 'dir')
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, type: 'module' }))
  return project
}

/** runner-overhead's keep-alive items API in a process of its own, on a free port; kill `server` when done. */
export async function startItemsServer(): Promise<{ server: ChildProcess; target: string }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => resolve(p))
    })
  })
  const server = fork(path.join(ROOT, 'bench/runner-overhead/server.mjs'), [], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' })
  await new Promise((r) => server.once('message', r))
  return { server, target: `http://127.0.0.1:${port}` }
}

/**
 * The environment a benched process runs in: this one with `extra`, less every VENOMQA_* variable of the
 * shell, which would change what the CLI or the runner does from one developer's machine to the next.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  for (const k of Object.keys(env)) if (k.startsWith('VENOMQA_')) delete env[k]
  return env
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The median of per-round values with their quartiles: how far the rounds disagree shows how far to trust the median. */
export function spread(xs: readonly number[]): { median: number; low: number; high: number } {
  const sorted = [...xs].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))]!
  return { median: median(sorted), low: at(0.25), high: at(0.75) }
}
