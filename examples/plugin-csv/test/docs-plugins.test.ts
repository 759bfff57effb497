/**
 * Every TypeScript example in docs/plugins.md, imported as it is written: each block becomes the
 * src/index.ts of a scratch package inside this example (so `zod`, `@venomqa/core` and `../package.json`
 * resolve as in a plugin's own repository). A block that defines a plugin is set up through createRunner
 * and used against the todo app in its own process; the config block is loaded where @venomqa/cli is
 * installed; the test-file block runs under vitest.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { CheckpointStack, type Plugin, type PluginCommand, type StateBackend, isJourney, isPlugin, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { REPO_ROOT, type RunningProcess, codeFences, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const exec = promisify(execFile)
const DOC = path.join(REPO_ROOT, 'docs/plugins.md')
const doc = fs.readFileSync(DOC, 'utf8')
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
/** The code blocks of the doc that are not run, by language, with the reason. Every ```ts block runs below. */
const NOT_PROGRAMS: Record<string, string> = { sh: 'commands to type', json: 'a package.json to write', '': 'output shown, not a program' }
const here = path.join(REPO_ROOT, 'examples/plugin-csv')
const scratch = path.join(here, '.docs-plugins')
const written: string[] = [scratch]
let app: RunningProcess

beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
  for (const f of written) fs.rmSync(f, { recursive: true, force: true })
})

async function load(i: number): Promise<Record<string, unknown>> {
  const code = blocks[i]!
  let file: string
  if (code.includes("from '@venomqa/cli'")) file = path.join(REPO_ROOT, 'examples/journeys', `.docs-plugins-${i}.ts`)
  else {
    const pkg = path.join(scratch, `block-${i}`)
    fs.mkdirSync(path.join(pkg, 'src'), { recursive: true })
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: `docs-block-${i}`, version: '1.2.3', type: 'module' }))
    file = path.join(pkg, 'src/index.ts')
  }
  fs.writeFileSync(file, code)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

/** Set the plugin up through a runner, as `venomqa run --plugin` would, and hand back what it registered. */
async function setUp(plugin: Plugin<any>, options?: unknown) {
  const runner = createRunner({ baseUrl: app.url, plugins: [options === undefined ? plugin : [plugin, options]] })
  await runner.init()
  return runner
}

const sampleRun = async () => {
  const runner = createRunner({ baseUrl: app.url })
  const result = await runner.run([journey('sample', { steps: [step('health', ({ http }) => http.get('/health')), step('wait', () => new Promise<void>((r) => setTimeout(r, 30)))] })])
  await runner.close()
  return result
}

const reportCtx = { options: {}, cwd: process.cwd(), stdout: process.stdout, warn() {} }

describe('docs/plugins.md', () => {
  it('has its examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10)
  })

  it('runs every example: the ```ts blocks below are all of them, whole, and no other block is a program', () => {
    const fences = codeFences(DOC)
    expect(fences.filter((f) => f.lang === 'ts').map((f) => f.code)).toEqual(blocks)
    expect(fences.filter((f) => f.lang !== 'ts' && !(f.lang in NOT_PROGRAMS)).map((f) => `${f.lang || '(no language)'}: ${f.code.split('\n', 1)[0]}`)).toEqual([])
  })

  // `api.options` is the schema's output (a key with a default is never undefined there): a plugin typed with
  // the input typed it optional, and the first example and the scaffold's disagreed on which to use.
  it("types every plugin that has a schema with the schema's output, as the scaffold does", () => {
    const typed = blocks.flatMap((code) => [...code.matchAll(/: Plugin<(.+)> = definePlugin\(\{[\s\S]*?\n {2}options(?:: (\w+))?,/g)].map((m) => ({ type: m[1], schema: m[2] ?? 'options' })))
    expect(typed.length).toBeGreaterThanOrEqual(2)
    for (const { type, schema } of typed) expect(type).toBe(`z.output<typeof ${schema}>`)
  })

  for (const [i, code] of blocks.entries()) {
    const first = code.split('\n').find((l) => l.trim() && !l.startsWith('import'))!.trim()
    it(`example ${i + 1} imports${code.includes('definePlugin(') ? ' and runs' : ''}: ${first}`, async () => {
      if (code.includes("from 'vitest'")) {
        // A test file: run it with vitest, against the plugin the page writes as its src/index.ts (the csv
        // reporter's block), not this example's own, whose options differ: the page's test once passed an
        // option the page's plugin refuses, and ran green against this one.
        const pluginBlock = blocks.findIndex((b) => b.includes("addReporter('csv'"))
        await load(pluginBlock)
        const file = path.join(here, 'test', `docs-plugins-block-${i}.test.ts`)
        fs.writeFileSync(file, code.replace("from '../src/index'", `from '../.docs-plugins/block-${pluginBlock}/src/index'`))
        written.push(file)
        const r = await exec('npx', ['vitest', 'run', path.relative(here, file)], { cwd: here, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
        expect(r.stdout).toMatch(/Tests\s+\S*1 passed/)
        return
      }
      const mod = await load(i)
      const plugin = mod.default as Plugin<any> | undefined

      if (code.includes("addReporter('csv'")) {
        expect(plugin!.version).toBe('1.2.3') // from ../package.json
        const runner = await setUp(plugin!, { delimiter: ';' })
        const csv = await runner.registry.reporters.get('csv')!({ options: {} }).render!(await sampleRun(), reportCtx)
        await runner.close()
        expect(csv).toMatch(/^journey_name;success;duration_ms;total_steps;passed_steps;issue_count;status\r\nsample;true;\d+;2;2;0;passed\r\n$/)
      } else if (code.includes("addReporter('slow-steps'")) {
        const runner = await setUp(plugin!, { slowMs: 20 })
        // The run as it was, with the steps' times set: a busy machine once made the 1 ms health check take
        // 20 ms, and what is tested here is which steps the reporter lists, not how long a GET takes.
        const run = await sampleRun()
        for (const node of run.journeys[0]!.nodes) if (node.kind === 'step') node.durationMs = node.name === 'wait' ? 30 : 1
        const text = await runner.registry.reporters.get('slow-steps')!({ options: {} }).render!(run, reportCtx)
        await runner.close()
        expect(text).toMatch(/^steps that took 20 ms or more: 1\n\d+ ms {2}sample › main › wait \(passed\)\n$/)
        await expect(setUp(plugin!, { slowMs: -1 })).rejects.toThrow(/slowMs: expected 0 ms or more/)
      } else if (code.includes("addPort('stats'")) {
        const runner = await setUp(plugin!)
        expect(await runner.registry.healthChecks.get('todo stats')!()).toBe(true)
        expect(isJourney(mod.statsJourney)).toBe(true)
        const result = await runner.run([mod.statsJourney as never])
        await runner.close()
        expect(result.status).toBe('passed')
        const down = createRunner({ baseUrl: 'http://127.0.0.1:9', plugins: [plugin!] })
        await down.init()
        expect(await down.registry.healthChecks.get('todo stats')!()).toMatch(/^not reachable: fetch failed/) // a reason, not a bare false
        await down.close()
      } else if (code.includes("addCommand('hello'")) {
        const commands = new Map<string, PluginCommand>()
        plugin!.commands!({ options: { greeting: 'hi' }, root: here, log: { info() {}, warn() {}, debug() {} }, addCommand: (n, c) => commands.set(n, c) })
        let out = ''
        const stdout = {
          write: (s: string) => {
            out += s
            return true
          },
        } as unknown as NodeJS.WritableStream
        expect(await commands.get('hello')!.run({ options: { name: 'Ada' }, args: ['Grace'], stdout, stderr: stdout, cwd: here })).toBe(0)
        expect(out).toBe('hi Ada and Grace\n')
        await (await setUp(plugin!)).close() // its options schema accepts no options
      } else if (code.includes('class KvState')) {
        const store = new Map([['a', '1']])
        const kv = new (mod.KvState as new (s: Map<string, string>) => StateBackend)(store)
        await kv.checkpoint('cp')
        store.set('a', '2')
        await kv.rollback('cp')
        expect(store.get('a')).toBe('1')
        expect(CheckpointStack).toBeDefined()
      } else if (code.includes('defineConfig(')) {
        expect(mod.default).toEqual({ plugins: [['csv', { delimiter: ';' }]], reporters: ['console', 'csv:reports/results.csv'] })
      } else {
        // Type declarations: they compile, and declare nothing at run time.
        expect(code).toMatch(/^(interface|type) /m)
        expect(Object.keys(mod)).toEqual([])
      }
      if (code.includes('definePlugin(')) expect(isPlugin(plugin)).toBe(true)
    })
  }
})
