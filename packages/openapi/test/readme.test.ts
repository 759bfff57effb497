/** The first TypeScript example of README.md runs here, as it is, from the repository root. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type SourceEnv, isExploration } from '@venomqa/core'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, expect, it, vi } from 'vitest'

const here = path.dirname(fileURLToPath(import.meta.url))
const file = path.join(here, '.readme-example.ts')
afterAll(() => fs.rmSync(file, { force: true }))

it('README example: lists operations and builds the selected actions and invariants', async () => {
  const [example] = [...fs.readFileSync(path.join(here, '../README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  fs.writeFileSync(file, example!)
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  const cwd = process.cwd()
  process.chdir(REPO_ROOT)
  try {
    const { default: e } = await import(/* @vite-ignore */ file)
    expect(log.mock.calls.map((c) => c[0])).toEqual(['GET /health (getHealth): 200 503', 'GET /openapi.json (getOpenApi): 200', 'POST /api/users (signUp): 201 400 409 413 422'])
    expect(isExploration(e)).toBe(true)
    const env: SourceEnv = { root: REPO_ROOT, signal: new AbortController().signal }
    const actions = await e.actions[0].load(env)
    expect(actions.map((a: { name: string }) => a.name)).toEqual(['listProducts', 'createProduct', 'getProduct', 'updateProduct', 'createOrder', 'listOrders', 'getOrder', 'cancelOrder', 'shipOrder', 'listRefunds', 'createRefund'])
    expect((await e.invariants[0].load(env)).length).toBe(5)
  } finally {
    process.chdir(cwd)
    log.mockRestore()
  }
})
