/**
 * An exploration whose setup's log-in failed without failing its step: every action is refused with a
 * 401, nothing behind the log-in is explored, and that must never pass. The API (test/replay-app.ts)
 * runs in this process, rolled back through the http-control protocol.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Exploration, action, exploration, invariant, step } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'
import { PASSWORD, type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp

beforeAll(async () => {
  app = await startReplayApp()
})

afterAll(async () => {
  await app?.stop()
})

/** Items behind a log-in; the setup logs in with `password` and, as a careless setup does, never checks the answer. */
function items(password: string, extra: { public?: boolean; undocumented401?: boolean } = {}): Exploration {
  return exploration('items', {
    setup: [
      step('log_in', async ({ http }) => {
        const res = await http.post('/login', { json: { password } })
        if (res.ok) http.setAuthToken(res.json().token)
      }),
    ],
    actions: [
      action('create_item', ({ http }) => http.post('/items', { json: {} }), { maxPerPath: 1 }),
      action('list_items', ({ http }) => http.get('/items'), { maxPerPath: 1 }),
      ...(extra.public ? [action('health', ({ http }) => http.get('/health'), { maxPerPath: 1 })] : []),
    ],
    // As --openapi's status_documented does for a document that lists no 401.
    ...(extra.undocumented401 ? { invariants: [invariant.response('status_documented', (res) => res.status !== 401 || 'answered 401, which is not documented')] } : {}),
    depth: 2,
    seed: 1,
  })
}

async function run(e: Exploration, emitDir: string | false = false) {
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  try {
    // The file the regression journeys import the exploration from, beside them.
    const file = emitDir ? path.join(emitDir, 'items.explore.ts') : undefined
    return await explore(e, { runner, root: process.cwd(), emitDir, ...(file ? { file } : {}) })
  } finally {
    await runner.close()
  }
}

describe('an exploration whose every action was refused as unauthorized', () => {
  it('fails with an issue that says so and names the setup, never passes', async () => {
    const result = await run(items('a wrong password'))
    expect(result.violations).toEqual([])
    expect(result.coverage.map((c) => [c.action, c.taken, c.refused])).toEqual([
      ['create_item', 1, 1],
      ['list_items', 1, 1],
    ])
    expect(result.status).toBe('failed')
    const issue = result.issues.find((i) => i.kind === 'http-status')
    expect(issue).toMatchObject({ severity: 'critical', step: 'exploration', source: 'explore' })
    expect(issue!.error).toBe(
      `exploration "items": every action was refused as unauthorized and none was accepted (2 refusals, each a 401 or 403): create_item (POST ${app.url}/items) answered 401. The setup's log-in probably failed, so nothing behind it was explored, and no regression journey was written`,
    )
    expect(issue!.suggestion).toContain('assertStatus(res, 200)')
  })

  it('writes no regression journey for an invariant the refusals broke: it could show nothing but the refusal', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-explore-unauthorized-'))
    try {
      const result = await run(items('a wrong password', { undocumented401: true }), dir)
      expect(result.status).toBe('failed')
      expect(result.violations.map((v) => v.invariant)).toEqual(['status_documented', 'status_documented'])
      expect(result.violations.map((v) => v.emittedFile)).toEqual([undefined, undefined])
      expect(await readdir(dir)).toEqual([])
      expect(result.issues.filter((i) => i.step === 'emit')).toEqual([])
      const issue = result.issues.find((i) => i.kind === 'http-status')
      expect(issue!.error).toMatch(/so nothing behind it was explored, and no regression journey was written$/)
      expect(issue!.suggestion).toContain('openapi.auth')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('passes once the log-in works, and when some action gets through', async () => {
    const loggedIn = await run(items(PASSWORD))
    expect(loggedIn.status, JSON.stringify(loggedIn.issues)).toBe('passed')
    expect(loggedIn.stats.transitions).toBeGreaterThan(2)
    // Public operations answered: the refusals are of what the setup was not let into, not of everything.
    const partly = await run(items('a wrong password', { public: true }))
    expect(partly.status, JSON.stringify(partly.issues)).toBe('passed')
    expect(partly.issues.filter((i) => i.severity === 'critical')).toEqual([])
  })
})
