import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_BIN, assertBuilt, cleanEnv } from './helpers/project'
import { tempDir } from './helpers/tmp'

const TRACER = path.join(__dirname, 'helpers/trace-modules.mjs')
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups) await c()
})

/** Run the built binary and list the modules it loaded. */
async function modulesLoadedBy(args: string[]): Promise<{ modules: string[]; stdout: string; status: number | null }> {
  const t = await tempDir()
  cleanups.push(t.remove)
  const trace = path.join(t.dir, 'trace.txt')
  const r = spawnSync(process.execPath, ['--import', TRACER, CLI_BIN, ...args], { cwd: t.dir, env: cleanEnv({ VENOMQA_TRACE_FILE: trace }), encoding: 'utf8' })
  return { modules: readFileSync(trace, 'utf8').trim().split('\n'), stdout: r.stdout, status: r.status }
}

/**
 * Whether a loaded module holds zod: zod's own files, or a CLI chunk zod/mini was bundled into (the
 * bundler leaves each source file's path above its code).
 */
function holdsZod(url: string): boolean {
  if (/\/zod\//.test(url)) return true
  return url.includes('/packages/cli/dist/') && /node_modules\/(?:\.pnpm\/zod@[^/]+\/node_modules\/)?zod\//.test(readFileSync(fileURLToPath(url), 'utf8'))
}

// Startup time itself is measured in bench/cli-startup (numbers, not a pass/fail test); this checks the
// reason it is fast: --help and --version never load plugins, jiti, zod, yaml or the runner.
describe('venomqa --help and --version load nothing heavy', () => {
  const heavy = /\/(jiti|yaml|undici)\/|\/packages\/runner\/|@venomqa\/runner|\/commands\//

  it('--version loads only the CLI\'s own entry and version module, no package at all', async () => {
    assertBuilt()
    const { modules, stdout, status } = await modulesLoadedBy(['--version'])
    expect(status).toBe(0)
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    const files = modules.filter((m) => m.startsWith('file:'))
    expect(files.every((m) => m.includes('/packages/cli/dist/'))).toBe(true)
    expect(files.map((m) => path.basename(m))).toEqual(['bin.js', expect.stringMatching(/^version-.*\.js$/), expect.stringMatching(/^chunk-.*\.js$/)])
  })

  it('--help loads commander and core, not the commands nor their dependencies', async () => {
    const { modules, stdout, status } = await modulesLoadedBy(['--help'])
    expect(status).toBe(0)
    expect(stdout).toContain('Usage: venomqa')
    expect(modules.some((m) => m.includes('/commander/'))).toBe(true)
    expect(modules.filter((m) => heavy.test(m) || (m.startsWith('file:') && holdsZod(m)))).toEqual([])
  })

  it('the same tracer does see them on a real command (the check can fail)', async () => {
    const { modules } = await modulesLoadedBy(['list'])
    expect(modules.some((m) => /\/commands\/|list-.*\.js$/.test(m))).toBe(true)
    expect(modules.some((m) => m.startsWith('file:') && holdsZod(m))).toBe(true)
  })

  it('a command that reads the config loads zod/mini bundled into one chunk, not zod\'s own modules', async () => {
    const { modules } = await modulesLoadedBy(['list'])
    expect(modules.filter((m) => /\/zod\//.test(m))).toEqual([])
    expect(new Set(modules.filter((m) => m.startsWith('file:') && holdsZod(m))).size).toBe(1)
  })
})
