/**
 * The module `explore --openapi` writes beside its regression journeys finds the document from the
 * project root, wherever `venomqa run` runs: a journey run with `-c` from another directory (or from a
 * subdirectory of the project) loaded `openapi.json` from the process's working directory, failed with
 * "cannot read the OpenAPI document", whatever the state of the bug, and never passed after a fix.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type Exploration, isInvariant } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../src/config/load'
import { openApiExploration } from '../src/explorations/openapi'

// The module imports @venomqa/openapi: the project lives in this package, so that it is found as a user's
// node_modules would have it.
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/things': {
      get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } },
      post: { operationId: 'createThing', responses: { 201: { description: 'created' } } },
    },
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getThing', responses: { 200: { description: 'ok' }, 404: { description: 'gone' } } },
      delete: { operationId: 'deleteThing', responses: { 204: { description: 'deleted' } } },
    },
  },
}

let root: string
let elsewhere: string
beforeAll(async () => {
  root = await mkdtemp(path.join(packageDir, '.openapi-module-root-'))
  await writeFile(path.join(root, 'openapi.json'), JSON.stringify(DOCUMENT))
  // A directory with no document: the working directory of a `venomqa run -c <root>/venomqa.json` run elsewhere.
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'venomqa-elsewhere-'))
  await mkdir(path.join(root, 'journeys'), { recursive: true })
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(elsewhere, { recursive: true, force: true })
})

/** The exploration the module written into `emit` exports, imported as a journey imports it. */
async function writtenExploration(emit: string): Promise<Exploration> {
  const config = { root, baseUrl: 'http://127.0.0.1:9' } as ResolvedConfig
  const { file } = await openApiExploration('openapi.json', config, emit)
  return ((await import(pathToFileURL(path.resolve(root, file)).href)) as { default: Exploration }).default
}

/** Its invariants, loaded as `checkInvariant` loads them in a journey: with the working directory as the root it is given. */
async function invariantsLoadedFrom(exploration: Exploration, cwd: string): Promise<string[]> {
  const names: string[] = []
  for (const source of exploration.invariants) {
    if (isInvariant(source)) continue
    const loaded = await source.load({ root: cwd, baseUrl: 'http://127.0.0.1:9', signal: new AbortController().signal })
    names.push(...loaded.map((v) => v.name))
  }
  return names
}

describe('the exploration module of explore --openapi, imported by a journey run from another directory', () => {
  it('loads the document from the project root, not from the working directory', async () => {
    const exploration = await writtenExploration('journeys/regressions')
    expect(await invariantsLoadedFrom(exploration, elsewhere)).toContain('use_after_free')
  })

  it('written into the root itself, or deeper, finds it too', async () => {
    expect(await invariantsLoadedFrom(await writtenExploration('.'), elsewhere)).toContain('use_after_free')
    expect(await invariantsLoadedFrom(await writtenExploration('journeys/a b/c'), elsewhere)).toContain('use_after_free')
  })
})
