/**
 * What the tests of the journey writer build their runs from: exchanges as an exploration records them, the
 * steps of a sequence, and the journey written for a run, read back from a project root of its own.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Exploration, HttpExchange } from '@venomqa/core'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { emitJourney } from '../src/emit'

/** The base URL the runs below were sent to. */
export const EMIT_BASE = 'http://127.0.0.1:4010'

/** A JSON request to `url` (below EMIT_BASE) and its JSON answer; a request without a body when `body` is undefined. */
export function jsonExchange(method: string, url: string, body: unknown, status: number, response: unknown, requestType = 'application/json'): HttpExchange {
  return {
    request: { method, url: EMIT_BASE + url, headers: { 'content-type': requestType }, ...(body !== undefined ? { body } : {}) },
    response: { status, headers: { 'content-type': 'application/json' }, body: response },
    durationMs: 3,
    attempt: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
  }
}

/** One action of a sequence: its exchanges, and the context before and after it. */
export function stepRun(action: string, exchanges: HttpExchange[], ctxBefore: Record<string, unknown>, ctxAfter: Record<string, unknown>, input?: unknown): SequenceStepRun {
  return { action, input, exchanges, ctxBefore, ctxAfter, enabled: true }
}

/**
 * Writes the regression journey of `invariant` for a run, each in a project root of its own under the temp
 * directory, and reads it back; `clean` removes every root it made (call it from afterAll).
 */
export function journeyWriter(exploration: Exploration, invariant: string, name: string) {
  const roots: string[] = []
  return {
    async text(run: SequenceRun): Promise<string> {
      const root = await mkdtemp(path.join(os.tmpdir(), `venomqa-emit-${name}-`))
      roots.push(root)
      const file = await emitJourney({ exploration, explorationFile: `explore/${name}.explore.ts`, root, dir: 'journeys/regressions', invariant, id: 'abcdef0123', run, baseUrl: EMIT_BASE })
      return readFile(path.join(root, file), 'utf8')
    },
    async clean(): Promise<void> {
      for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true })
    },
  }
}
