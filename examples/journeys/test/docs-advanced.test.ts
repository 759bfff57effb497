/**
 * Every TypeScript example in docs/advanced.md runs here, against the todo app in its own process: each
 * block is written next to the demo journeys and imported as it is. A block exporting journeys is run
 * with the http-control state backend and the in-memory ports; one exporting `example(baseUrl)` checks
 * its own results; a config is loaded.
 */
import fs from 'node:fs'
import path from 'node:path'
import { isJourney, type Journey } from '@venomqa/core'
import { createRunner, httpControlState, memoryPorts } from '@venomqa/runner'
import { REPO_ROOT, codeFences, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const DOC = path.join(REPO_ROOT, 'docs/advanced.md')
const doc = fs.readFileSync(DOC, 'utf8')
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
/** The code blocks of the doc that are not run, by language, with the reason. Every ```ts block runs below. */
const NOT_PROGRAMS: Record<string, string> = { '': 'output shown, not a program' }
const here = path.join(REPO_ROOT, 'examples/journeys')
let app: RunningProcess
const written: string[] = []

beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
  for (const f of written) fs.rmSync(f, { force: true })
})

async function load(index: number): Promise<Record<string, unknown>> {
  const file = path.join(here, `.docs-advanced-${index}.ts`)
  fs.writeFileSync(file, blocks[index]!)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

function title(block: string): string {
  return /journey\('([^']+)'/.exec(block)?.[1] ?? /journeysFor|defineConfig|definePlugin|FixtureCache/.exec(block)?.[0] ?? ''
}

describe('docs/advanced.md', () => {
  it('has an example for every section', () => {
    const sections = [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!)
    expect(sections).toEqual(
      expect.arrayContaining(['Response caching', 'The fixture cache', 'Retry with backoff', 'The circuit breaker', 'The controllable clock', 'The task pool', 'Local storage', 'Chaos', 'Health checks']),
    )
    expect(blocks.length).toBeGreaterThanOrEqual(15)
  })

  it('runs every example: the ```ts blocks below are all of them, whole, and no other block is a program', () => {
    const fences = codeFences(DOC)
    expect(fences.filter((f) => f.lang === 'ts').map((f) => f.code)).toEqual(blocks)
    expect(fences.filter((f) => f.lang !== 'ts' && !(f.lang in NOT_PROGRAMS)).map((f) => `${f.lang || '(no language)'}: ${f.code.split('\n', 1)[0]}`)).toEqual([])
  })

  for (const [i, block] of blocks.entries()) {
    it(`example ${i + 1} runs: ${title(block)}`, async () => {
      const mod = await load(i)
      if (typeof mod.example === 'function') {
        await (mod.example as (baseUrl: string) => Promise<void>)(app.url)
        return
      }
      if (block.includes('defineConfig(')) {
        const config = mod.default as { plugins: unknown[]; profiles: Record<string, { plugins: unknown[] }> }
        expect(config.plugins).toEqual([['memory', { freezeTime: '2030-01-01T00:00:00Z' }], 'http-control'])
        expect(Object.keys(config.profiles)).toEqual(['staging'])
        return
      }
      const journeys = (Array.isArray(mod.default) ? mod.default : [mod.default]) as Journey[]
      expect(journeys.length).toBeGreaterThan(0)
      expect(journeys.every(isJourney)).toBe(true)
      const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], plugins: [memoryPorts()] })
      const result = await runner.run(journeys)
      await runner.close()
      for (const j of result.journeys) expect(j.issues, j.name).toEqual([])
      expect(result.status).toBe('passed')
    })
  }

  it('a health check that fails says why', async () => {
    const mod = await load(blocks.findIndex((b) => b.includes("addHealthCheck('todo app'")))
    const nobody = 'http://127.0.0.1:9' // discard port: nothing answers
    await expect((mod.example as (u: string) => Promise<void>)(nobody)).rejects.toThrow(/fetch failed|ECONNREFUSED/)
  })
})
