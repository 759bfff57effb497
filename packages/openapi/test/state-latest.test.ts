/**
 * The state a write left its resource in is the latest one (test/fixtures/adoptions: its own process,
 * PostgreSQL): the context says which state the last write the API accepted that said it left a pet in,
 * and what an earlier write said is dropped; a later write whose answer says nothing of it keeps it, said to
 * have come since. Noted once per write ever made, or kept as it was, a pet adopted again after its return
 * was still noted as `available`: one state with the pet returned, merged into it and never searched on.
 * The fingerprint keeps the context's keys (not their values): what is compared here. Needs the built
 * packages (core, runner).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Context, type ExploreAction, type ExploreActionArgs } from '@venomqa/core'
import { RunnerHttpClient } from '@venomqa/runner'
import { type RunningProcess, describeWithService, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions } from '../src'
import { createDatabase, dbUrl, dropDatabase } from './helpers'

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/adoptions')
const DB = `venomqa_openapi_${process.pid}_state_latest`
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

describe('the state a write left its resource in', () => {
  let app: RunningProcess
  let actions: readonly ExploreAction<any>[]
  let client: RunnerHttpClient
  const signal = new AbortController().signal
  beforeAll(async () => {
    await createDatabase(DB)
    // Fixed: a pet adopted again is adopted, not a 500, so that each sequence runs to its end.
    app = await startNodeProcess(path.join(FIXTURE, 'server.mjs'), { env: { DATABASE_URL: dbUrl(DB), FIXED: '1' } })
    client = new RunnerHttpClient({ baseUrl: app.url, retry: false })
    actions = await openApiActions('openapi.json').load({ root: FIXTURE, baseUrl: app.url, signal })
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  /** The context keys noting a state, after the actions ran in order on a pet of their own (each accepted). */
  async function stateKeysAfter(...names: string[]): Promise<string[]> {
    const ctx = new Context()
    for (const name of ['createPet', ...names]) {
      const res = (await actions.find((a) => a.name === name)!.run({ http: client, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)) as { status: number }
      expect(res.status, name).toBeLessThan(300)
    }
    return ctx.keys().filter((key) => key.includes('='))
  }

  it('is the last accepted write\'s: adopted again after a return is another state than returned, and returned twice is returned', async () => {
    const returned = await stateKeysAfter('adoptPet', 'returnPet')
    const adoptedAgain = await stateKeysAfter('adoptPet', 'returnPet', 'adoptPet')
    expect(adoptedAgain).not.toEqual(returned)
    expect(await stateKeysAfter('adoptPet', 'returnPet', 'adoptPet', 'returnPet')).toEqual(returned)
    expect(returned).toEqual(['petId is status=available'])
    // The second adoption's answer says no status: what the return said is kept, and a write since is said.
    expect(adoptedAgain).toEqual(['petId is status=available (then adoptPet)'])
  })
})
