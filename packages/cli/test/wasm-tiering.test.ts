import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { branch, checkpoint, journey, path as pathNode, step } from '@venomqa/core'
import { BASELINE_TIER_MAX_STEPS, BASELINE_WASM_FLAGS, chosenWasmTiering, plannedSteps } from '../src/wasm-tiering'
import { CLI_BIN, type Project, assertBuilt, cleanEnv, makeProject } from './helpers/project'

describe('chosenWasmTiering: the user\'s own choice of how V8 compiles WebAssembly is kept', () => {
  it('sees a wasm or Liftoff flag among node\'s arguments, either spelling', () => {
    for (const arg of ['--wasm-dynamic-tiering', '--no-wasm-tier-up', '--wasm_tiering_budget=5', '--liftoff-only', '--no-liftoff', '--liftoff'])
      expect(chosenWasmTiering(['--enable-source-maps', arg]), arg).toBe(true)
  })

  it('ignores other flags, also those that only mention wasm', () => {
    expect(chosenWasmTiering([])).toBe(false)
    expect(chosenWasmTiering(['--trace-wasm-compilation-times', '--max-old-space-size=4096', '--import', 'x.mjs', '--liftoffish'])).toBe(false)
  })

  it('sets only flags this V8 knows (an unknown one would print an error on every run)', async () => {
    const { spawnSync } = await import('node:child_process')
    const r = spawnSync(process.execPath, [...BASELINE_WASM_FLAGS, '-e', ''], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stderr + r.stdout).toBe('')
  })
})

describe('plannedSteps: how many steps a run starts, to tell a short run from a long one', () => {
  const ok = () => undefined
  it('counts every step of every path of every branch, nested, and repeatEach times', () => {
    const j = journey('j', {
      steps: [
        step('a', ok),
        checkpoint('c'),
        branch('c', [pathNode('p1', [step('b', ok), checkpoint('d'), branch('d', [pathNode('q1', [step('e', ok)]), pathNode('q2', [step('f', ok), step('g', ok)])])]), pathNode('p2', [step('h', ok)])]),
      ],
    })
    expect(plannedSteps([j])).toBe(6)
    expect(plannedSteps([j, journey('k', { steps: [step.skip('s', ok)] })], 3)).toBe(21)
    expect(plannedSteps([])).toBe(0)
  })
})

// The real thing: the built CLI runs a journey of 30 requests through undici, with V8 tracing each
// WebAssembly compile. Three requests are enough for V8's default to start optimising llhttp.
describe('venomqa run keeps undici\'s WebAssembly on the baseline tier in a short run', () => {
  let server: http.Server
  let baseUrl: string
  let project: Project

  beforeAll(async () => {
    assertBuilt()
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end('{"ok":true}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    project = await makeProject(null)
    await writeFile(
      path.join(project.dir, 'package.json'),
      JSON.stringify({ name: 'wasm-tiering', type: 'module' }),
    )
    const pings = (name: string, count: number) =>
      writeFile(
        path.join(project.dir, `${name}.journey.ts`),
        [
          "import { journey, step } from '@venomqa/core'",
          `export default journey('${name}', { steps: Array.from({ length: ${count} }, (_, i) => step(\`ping_\${i}\`, ({ http }) => http.get('/ping'))) })`,
          '',
        ].join('\n'),
      )
    await pings('ping', 30)
    await pings('long', BASELINE_TIER_MAX_STEPS)
  })
  afterAll(async () => {
    await project?.remove()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  })

  /** `node <nodeArgs> venomqa run <file> <runArgs>`, its output (asynchronously: the API runs in this process). */
  const runCli = (nodeArgs: string[], file: string, runArgs: string[] = []) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeArgs, CLI_BIN, 'run', file, '--base-url', baseUrl, ...runArgs], {
        cwd: project.dir,
        env: cleanEnv({ NO_COLOR: '1' }),
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, out }))
    })
  /** The same, tracing each WebAssembly compile. */
  const runTraced = (nodeArgs: string[], file = 'ping.journey.ts') => runCli(['--trace-wasm-compilation-times', ...nodeArgs], file)

  it('compiles llhttp with Liftoff and never with TurboFan in a short run', async () => {
    const { code, out } = await runTraced([])
    expect(code, out).toBe(0)
    expect(out).toContain('30 passed of 30')
    expect(out).toMatch(/using Liftoff/)
    expect(out).not.toMatch(/using TurboFan/)
  })

  it(`leaves V8's default to a run of ${BASELINE_TIER_MAX_STEPS} steps or more, which gains from the optimised parser`, async () => {
    const { code, out } = await runTraced([], 'long.journey.ts')
    expect(code, out).toBe(0)
    expect(out).toContain(`${BASELINE_TIER_MAX_STEPS} passed of ${BASELINE_TIER_MAX_STEPS}`)
    expect(out).toMatch(/using TurboFan/)
  })

  // A built-in loaded after V8's flags change is compiled from source, not from Node's code cache (see
  // keepShortRunOnBaselineTier). Node's own tests read which were through this internal binding
  // (--expose-internals); a plugin reads it when the run ends. Not traced: a V8 flag given to node changes
  // the hash from the start, and every built-in is compiled from source.
  it('loads what a short run uses before it changes the flags: no built-in of the run is compiled without the code cache', async () => {
    await writeFile(
      path.join(project.dir, 'cache-usage.mjs'),
      [
        "import { createRequire } from 'node:module'",
        "import { definePlugin } from '@venomqa/core'",
        "export default definePlugin({ name: 'cache-usage', version: '1.0.0', apiVersion: 1, hooks: { runEnd() {",
        "  const { internalBinding } = createRequire(import.meta.url)('internal/test/binding')",
        "  const compiled = [...internalBinding('builtins').getCacheUsage().compiledWithoutCache].filter((id) => id !== 'internal/test/binding')",
        "  process.stdout.write(`WITHOUT_CACHE ${JSON.stringify(compiled)}\\n`)",
        '} } })',
        '',
      ].join('\n'),
    )
    const { code, out } = await runCli(['--expose-internals'], 'ping.journey.ts', ['--plugin', './cache-usage.mjs'])
    expect(code, out).toBe(0)
    expect(out).toContain('30 passed of 30')
    expect(/WITHOUT_CACHE (.*)/.exec(out)?.[1], out).toBe('[]')
  })

  it('leaves V8 as the user asked when node is given a wasm flag (and then V8 does optimise: the check can fail)', async () => {
    const { code, out } = await runTraced(['--wasm-dynamic-tiering'])
    expect(code, out).toBe(0)
    expect(out).toMatch(/using TurboFan/)
  })
})
