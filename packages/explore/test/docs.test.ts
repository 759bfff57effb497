/**
 * Every TypeScript example in docs/explore.md runs here, against the example shop app in its own process
 * on PostgreSQL (snapshot mechanism): each block is written next to this file and imported as it is.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Exploration, type Plugin, isExploration } from '@venomqa/core'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'
import { dropDatabase, dumpDatabase, exploreShop, shopRunner, startShop } from './helpers'

const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/explore.md'), 'utf8')
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
const here = path.dirname(fileURLToPath(import.meta.url))
const written: string[] = []
const DB_BUGGY = `venomqa_explore_docs_bug_${process.pid}`
const DB_FIXED = `venomqa_explore_docs_fix_${process.pid}`
let buggy: Awaited<ReturnType<typeof startShop>>
let fixed: Awaited<ReturnType<typeof startShop>>

async function load(index: number): Promise<Record<string, unknown>> {
  const file = path.join(here, `.docs-example-${index}.ts`)
  fs.writeFileSync(file, blocks[index]!)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

beforeAll(async () => {
  buggy = await startShop(DB_BUGGY, 'refund_over_charge')
  fixed = await startShop(DB_FIXED, 'none')
})
afterAll(async () => {
  await buggy?.app.stop()
  await fixed?.app.stop()
  await dropDatabase(DB_BUGGY)
  await dropDatabase(DB_FIXED)
  for (const f of written) fs.rmSync(f, { force: true })
})

describe('docs/explore.md', () => {
  it('has the exploration and the plugin examples', () => {
    expect(blocks).toHaveLength(2)
  })

  it('example 1: finds the planted refund bug, shrunk to its four actions, confirmed 3/3; none on the fixed app; the database as it was', async () => {
    const shop = (await load(0)).default as Exploration
    expect(isExploration(shop)).toBe(true)
    const before = await dumpDatabase(buggy.url)
    const found = await exploreShop(shop, { databaseUrl: buggy.url, baseUrl: buggy.app.url }, { emitDir: false })
    expect(found.violations.map((v) => [v.invariant, v.sequence.map((s) => s.action), v.reproduced, v.flaky])).toEqual([
      ['refunds never exceed the charge', ['create_product', 'order', 'refund', 'refund'], { attempts: 3, failures: 3 }, false],
    ])
    expect(await dumpDatabase(buggy.url)).toEqual(before)
    const clean = await exploreShop(shop, { databaseUrl: fixed.url, baseUrl: fixed.app.url }, { emitDir: false })
    expect(clean.violations).toEqual([])
    expect(clean.status).toBe('passed')
  })

  it('example 2: a plugin adds an invariant that every exploration of the run checks', async () => {
    const plugin = (await load(1)).default as Plugin
    const shop = (await load(0)).default as Exploration
    const runner = shopRunner(fixed.url, fixed.app.url, { plugins: [plugin] })
    try {
      await runner.init()
      expect(runner.registry.invariants.map((v) => v.name)).toEqual(['answers are JSON'])
      const result = await explore(shop, { runner, root: here, emitDir: false })
      expect(result.status).toBe('passed') // every answer of the shop is JSON (or a 204)
    } finally {
      await runner.close()
    }
  })

  it('the package README\'s example runs as written and finds the refund bug', async () => {
    const readme = fs.readFileSync(path.join(here, '../README.md'), 'utf8')
    const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!
    const file = path.join(here, '.docs-example-readme.ts')
    fs.writeFileSync(file, block)
    written.push(file)
    process.env.APP_URL = buggy.app.url
    process.env.DATABASE_URL = buggy.url
    try {
      const result = (await import(/* @vite-ignore */ file)).default as import('@venomqa/core').ExplorationResult
      expect(result.violations.map((v) => [v.invariant, v.sequence.length, v.reproduced.failures])).toEqual([['refunds never exceed the charge', 4, 3]])
    } finally {
      delete process.env.APP_URL
      delete process.env.DATABASE_URL
    }
  })
})
