/**
 * A regression journey whose invariant is built by a source (an OpenAPI document's) passes the project
 * root, found from its own file, to `checkInvariant`: run with `venomqa run -c` from another directory,
 * the source read `openapi.json` from the working directory, and the journey failed whatever the state of
 * the bug, and never passed after a fix.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Exploration, type HttpExchange, type InvariantSource, action, exploration, invariant } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun } from '../src/contracts'
import { emitJourney } from '../src/emit'

const BASE = 'http://127.0.0.1:4010'

const source: InvariantSource = { kind: 'invariant-source', name: 'document', load: async () => [invariant('use_after_free', () => true)] }
const fromDocument = exploration('doc', { actions: [action('create_item', () => undefined)], invariants: [source] })
const handWritten = exploration('items', { actions: [action('create_item', () => undefined)], invariants: [invariant('use_after_free', () => true)] })

const exchange: HttpExchange = {
  request: { method: 'POST', url: `${BASE}/items`, headers: {} },
  response: { status: 201, headers: {} },
  durationMs: 3,
  attempt: 1,
  startedAt: '2024-01-01T00:00:00.000Z',
}
const run: SequenceRun = { steps: [{ action: 'create_item', input: undefined, exchanges: [exchange], ctxBefore: {}, ctxAfter: {}, enabled: true }], violation: 'x', probes: [] }

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function emitted(e: Exploration, dir: string): Promise<{ root: string; file: string; text: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-root-'))
  dirs.push(root)
  const file = await emitJourney({ exploration: e, explorationFile: `${dir}/doc.exploration.ts`, root, dir, invariant: 'use_after_free', id: 'abcdef0123', run, baseUrl: BASE })
  return { root, file: path.resolve(root, file), text: await readFile(path.resolve(root, file), 'utf8') }
}

describe('the root a regression journey passes to checkInvariant', () => {
  it('is the project root, from the journey file, when the invariant comes from a source', async () => {
    const { root, file, text } = await emitted(fromDocument, 'journeys/regressions')
    expect(text).toContain("import { dirname, resolve } from 'node:path'")
    expect(text).toContain("import { fileURLToPath } from 'node:url'")
    expect(text).toContain("const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')")
    expect(text).toContain("await checkInvariant(exploration, 'use_after_free', args, { path: sequence, root })")
    expect(path.resolve(path.dirname(file), '../..')).toBe(root)
  })

  it('is not written for an invariant written by hand: nothing of it reads a file', async () => {
    const { text } = await emitted(handWritten, 'journeys/regressions')
    expect(text).not.toContain('node:url')
    expect(text).toContain("await checkInvariant(exploration, 'use_after_free', args, { path: sequence })")
  })
})
