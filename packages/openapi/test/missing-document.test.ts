/**
 * A regression journey written by `venomqa explore --openapi` reads the OpenAPI document again when it
 * runs (its setup, its actions, the invariant it checks), from the project root. A document moved or
 * deleted since is the user's input to fix, not a failure of the API: the step failed with `cannot read
 * the OpenAPI document openapi.yaml: no such file` and the generic advice for a crash (run with --debug).
 * The exploration module refuses to load instead, as it does for an unset VENOMQA_OPENAPI_BEARER (exit 2
 * under `venomqa run`), naming the file and what to do; a document gone only after that still fails the
 * step that reads it, with that advice and not --debug's.
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, checkInvariant, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiExploration } from '../src'

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'things', version: '1' },
  paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } },
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-missing-document-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function thrownBy(make: () => unknown): unknown {
  try {
    make()
  } catch (err) {
    return err
  }
  return undefined
}

describe('an exploration of a document file that is not in the project root', () => {
  it('refuses to be made, naming the file and what to do, as a mistake of the config (E_CONFIG)', () => {
    const err = thrownBy(() => openApiExploration('specs/openapi.yaml', { root: dir }))
    expect(err).toBeInstanceOf(ConfigError)
    const message = (err as Error).message
    expect(message).toMatch(/^cannot read the OpenAPI document specs\/openapi\.yaml: no such file/)
    expect(message).toContain('restore it')
    expect(message).toContain('--openapi')
    expect(message).not.toContain(dir)
    expect(message).not.toContain('--debug')
  })

  it('is made when the file is there, and for a URL (fetched when it runs)', async () => {
    await writeFile(path.join(dir, 'there.json'), JSON.stringify(DOCUMENT))
    expect(thrownBy(() => openApiExploration('there.json', { root: dir }))).toBeUndefined()
    expect(thrownBy(() => openApiExploration('http://127.0.0.1:9/openapi.json', { root: dir }))).toBeUndefined()
  })
})

describe('a document deleted after the exploration was made', () => {
  it("fails the step that reads it, with advice naming the file, not --debug's", async () => {
    await writeFile(path.join(dir, 'gone.json'), JSON.stringify(DOCUMENT))
    const exploration = openApiExploration('gone.json', { root: dir })
    await unlink(path.join(dir, 'gone.json'))
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9' })
    try {
      const result = await runner.run(
        journey('regression', { steps: [step('check status_documented', (args) => checkInvariant(exploration, 'status_documented', args, { path: [], root: dir }))] }),
      )
      expect(result.status).toBe('failed')
      const issue = result.journeys[0]!.issues.find((i) => i.step === 'check status_documented')
      expect(issue?.error).toMatch(/^cannot read the OpenAPI document gone\.json: no such file/)
      expect(issue?.suggestion).toContain('gone.json')
      expect(issue?.suggestion).toContain('restore it')
      expect(issue?.suggestion).not.toContain('--debug')
    } finally {
      await runner.close()
    }
  })
})
