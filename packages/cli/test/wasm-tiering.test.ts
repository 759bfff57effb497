import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASELINE_WASM_FLAGS, chosenWasmTiering } from '../src/wasm-tiering'
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

// The real thing: the built CLI runs a journey of 30 requests through undici, with V8 tracing each
// WebAssembly compile. Three requests are enough for V8's default to start optimising llhttp.
describe('venomqa run keeps undici\'s WebAssembly on the baseline tier', () => {
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
    await writeFile(
      path.join(project.dir, 'ping.journey.ts'),
      [
        "import { journey, step } from '@venomqa/core'",
        "export default journey('ping', { steps: Array.from({ length: 30 }, (_, i) => step(`ping_${i}`, ({ http }) => http.get('/ping'))) })",
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await project?.remove()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  })

  /** `node <nodeArgs> venomqa run`, tracing WebAssembly compiles (asynchronously: the API runs in this process). */
  const runTraced = (nodeArgs: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--trace-wasm-compilation-times', ...nodeArgs, CLI_BIN, 'run', 'ping.journey.ts', '--base-url', baseUrl], {
        cwd: project.dir,
        env: cleanEnv({ NO_COLOR: '1' }),
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, out }))
    })

  it('compiles llhttp with Liftoff and never with TurboFan', async () => {
    const { code, out } = await runTraced([])
    expect(code, out).toBe(0)
    expect(out).toContain('30 passed of 30')
    expect(out).toMatch(/using Liftoff/)
    expect(out).not.toMatch(/using TurboFan/)
  })

  it('leaves V8 as the user asked when node is given a wasm flag (and then V8 does optimise: the check can fail)', async () => {
    const { code, out } = await runTraced(['--wasm-dynamic-tiering'])
    expect(code, out).toBe(0)
    expect(out).toMatch(/using TurboFan/)
  })
})
