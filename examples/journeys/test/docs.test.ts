/**
 * Every TypeScript example in docs/journeys.md runs here, against the todo app in its own process: each
 * block is written next to the demo journeys and imported as it is.
 */
import fs from 'node:fs'
import path from 'node:path'
import { isJourney, type Journey } from '@venomqa/core'
import { createRunner, httpControlState, memoryPorts } from '@venomqa/runner'
import { REPO_ROOT, codeFences, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const DOC = path.join(REPO_ROOT, 'docs/journeys.md')
const doc = fs.readFileSync(DOC, 'utf8')
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
/** The code blocks of the doc that are not run, by language, with the reason. Every ```ts block runs below. */
const NOT_PROGRAMS: Record<string, string> = { text: "a run's console output" }
const here = path.join(REPO_ROOT, 'examples/journeys')
let app: RunningProcess
const written: string[] = []

beforeAll(async () => {
  app = await startTodoApp()
  process.env.TODO_APP_URL = app.url
})
afterAll(async () => {
  await app?.stop()
  for (const f of written) fs.rmSync(f, { force: true })
})

async function load(index: number): Promise<Record<string, unknown>> {
  const file = path.join(here, `.docs-example-${index}.ts`)
  fs.writeFileSync(file, blocks[index]!)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

describe('docs/journeys.md', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7)
  })

  it('runs every example: the ```ts blocks below are all of them, whole, and no other block is a program', () => {
    const fences = codeFences(DOC)
    expect(fences.filter((f) => f.lang === 'ts').map((f) => f.code)).toEqual(blocks)
    expect(fences.filter((f) => f.lang !== 'ts' && !(f.lang in NOT_PROGRAMS)).map((f) => `${f.lang || '(no language)'}: ${f.code.split('\n', 1)[0]}`)).toEqual([])
  })

  for (const [i, block] of blocks.entries()) {
    it(`example ${i + 1} runs: ${block.split('\n').find((l) => l.includes("journey('") || l.includes('journey(`') || l.startsWith('//'))?.trim() ?? ''}`, async () => {
      const mod = await load(i)
      if (typeof mod.runWithHooks === 'function') {
        expect(await (mod.runWithHooks as (u: string) => Promise<string[]>)(app.url)).toEqual(['start docs_hooks/main/health', 'docs_hooks passed'])
        return
      }
      const exported = mod.default
      if (exported && typeof exported === 'object' && 'journeys' in exported) {
        expect((exported as unknown as { status: string }).status).toBe('passed') // the "from code" script ran itself
        return
      }
      const journeys = (Array.isArray(exported) ? exported : [exported]) as Journey[]
      expect(journeys.length).toBeGreaterThan(0)
      expect(journeys.every(isJourney)).toBe(true)
      const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], plugins: [memoryPorts()] })
      const result = await runner.run(journeys)
      await runner.close()
      for (const j of result.journeys) expect(j.issues, j.name).toEqual([])
      expect(result.status).toBe('passed')
    })
  }
})
