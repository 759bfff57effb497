import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
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
async function modulesLoadedBy(args: string[], cwd?: string): Promise<{ modules: string[]; stdout: string; status: number | null }> {
  const t = await tempDir()
  cleanups.push(t.remove)
  const trace = path.join(t.dir, 'trace.txt')
  const r = spawnSync(process.execPath, ['--import', TRACER, CLI_BIN, ...args], { cwd: cwd ?? t.dir, env: cleanEnv({ VENOMQA_TRACE_FILE: trace }), encoding: 'utf8' })
  return { modules: readFileSync(trace, 'utf8').trim().split('\n'), stdout: r.stdout, status: r.status }
}

/**
 * Whether a loaded module holds the package `name` (zod, yaml): its own files, or a CLI chunk it was
 * bundled into (the bundler leaves each source file's path above its code).
 */
function holds(url: string, name: string): boolean {
  if (url.includes(`/${name}/`)) return true
  const bundled = new RegExp(`node_modules/(?:\\.pnpm/${name}@[^/]+/node_modules/)?${name}/`)
  return url.startsWith('file:') && url.includes('/packages/cli/dist/') && bundled.test(readFileSync(fileURLToPath(url), 'utf8'))
}
const holdsZod = (url: string) => holds(url, 'zod')

/**
 * esbuild's helpers for bundled CommonJS (`__commonJS`, `__toESM` ...), in a chunk of their own that every
 * entry imports once a CommonJS package is bundled: it imports nothing and holds nothing else.
 */
function isBundlerRuntime(url: string): boolean {
  const code = readFileSync(fileURLToPath(url), 'utf8')
  const exported = /^export \{ ([^}]*) \};$/m.exec(code)?.[1]
  return !/^import /m.test(code) && !!exported && exported.split(', ').every((name) => name.startsWith('__'))
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
    const files = [...new Set(modules.filter((m) => m.startsWith('file:')))]
    expect(files.every((m) => m.includes('/packages/cli/dist/'))).toBe(true)
    const own = files.filter((m) => !isBundlerRuntime(m))
    expect(files.length - own.length).toBeLessThanOrEqual(1)
    expect(own.map((m) => path.basename(m))).toEqual(['bin.js', expect.stringMatching(/^version-.*\.js$/), expect.stringMatching(/^chunk-.*\.js$/)])
  })

  it('--help loads commander and core, not the commands nor their dependencies', async () => {
    const { modules, stdout, status } = await modulesLoadedBy(['--help'])
    expect(status).toBe(0)
    expect(stdout).toContain('Usage: venomqa')
    expect(modules.filter((m) => heavy.test(m) || holds(m, 'zod') || holds(m, 'yaml'))).toEqual([])
  })

  it("a command's --help (run, explore) loads neither the command nor the runner it prefetches when it runs", async () => {
    for (const command of ['run', 'explore']) {
      for (const help of ['--help', '-h']) {
        const { modules, stdout, status } = await modulesLoadedBy([command, help])
        expect(status, `${command} ${help}`).toBe(0)
        expect(stdout).toContain(`Usage: venomqa ${command}`)
        expect(modules.filter((m) => heavy.test(m)), `${command} ${help}`).toEqual([])
      }
    }
  })

  it('commander is bundled into the CLI, and the child_process it requires is loaded only if used', async () => {
    const { modules, status } = await modulesLoadedBy(['--help'])
    expect(status).toBe(0)
    expect(modules.filter((m) => m.includes('/commander/'))).toEqual([])
    expect(modules.filter((m) => holds(m, 'commander'))).toHaveLength(1)
    // The tracer lists Node's modules too (the check can fail): fs is loaded by any command.
    expect(modules).toContain('builtin:fs')
    expect(modules).not.toContain('builtin:child_process')
  })

  it('the same tracer does see them on a real command (the check can fail)', async () => {
    const { modules } = await modulesLoadedBy(['list'])
    expect(modules.some((m) => /\/commands\/|list-.*\.js$/.test(m))).toBe(true)
    expect(modules.some((m) => holdsZod(m))).toBe(true)
  })

  it('a command that reads the config loads zod/mini bundled into one chunk, not zod\'s own modules', async () => {
    const { modules } = await modulesLoadedBy(['list'])
    expect(modules.filter((m) => /\/zod\//.test(m))).toEqual([])
    expect(new Set(modules.filter((m) => holdsZod(m))).size).toBe(1)
  })

  it('a YAML config is read with yaml bundled into the CLI, not yaml\'s own files; a TypeScript one loads no yaml', async () => {
    const t = await tempDir()
    cleanups.push(t.remove)
    writeFileSync(path.join(t.dir, 'venomqa.yaml'), 'baseUrl: http://127.0.0.1:9\n')
    // A journey to list: with none, `list` refuses (exit 2) as `run` does.
    const journey = "export default { kind: 'journey', name: 'j', tags: [], requires: [], steps: [{ kind: 'step', name: 's', action: () => 1, options: {} }] }\n"
    mkdirSync(path.join(t.dir, 'journeys'))
    writeFileSync(path.join(t.dir, 'journeys/j.journey.mjs'), journey)
    const yaml = await modulesLoadedBy(['list'], t.dir)
    expect(yaml.status).toBe(0)
    expect(yaml.modules.filter((m) => m.includes('/yaml/'))).toEqual([])
    expect(yaml.modules.filter((m) => holds(m, 'yaml'))).toHaveLength(1)
    const ts = await tempDir()
    cleanups.push(ts.remove)
    writeFileSync(path.join(ts.dir, 'venomqa.config.ts'), "export default { baseUrl: 'http://127.0.0.1:9' }\n")
    mkdirSync(path.join(ts.dir, 'journeys'))
    writeFileSync(path.join(ts.dir, 'journeys/j.journey.mjs'), journey)
    const typescript = await modulesLoadedBy(['list'], ts.dir)
    expect(typescript.status).toBe(0)
    expect(typescript.modules.filter((m) => holds(m, 'yaml'))).toEqual([])
  })

  it('a run loads child_process only as a shard, which asks git for its commit (the check can fail)', async () => {
    const t = await tempDir()
    cleanups.push(t.remove)
    const journey = "export default { kind: 'journey', name: 'j', tags: [], requires: [], steps: [{ kind: 'step', name: 's', action: () => 1, options: {} }] }\n"
    mkdirSync(path.join(t.dir, 'journeys'))
    writeFileSync(path.join(t.dir, 'journeys/j.journey.mjs'), journey)
    const whole = await modulesLoadedBy(['run', '--base-url', 'http://127.0.0.1:9'], t.dir)
    expect(whole.status).toBe(0)
    expect(whole.modules).not.toContain('builtin:child_process')
    const shard = await modulesLoadedBy(['run', '--base-url', 'http://127.0.0.1:9', '--shard', '1/1'], t.dir)
    expect(shard.status).toBe(0)
    expect(shard.modules).toContain('builtin:child_process')
  })
})
