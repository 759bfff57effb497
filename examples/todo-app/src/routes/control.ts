import { HttpError, type Router, notFound, readJson } from '@venomqa/example-app-kit'
import type { Services } from '../services'
import { MemoryStore } from '../storage'
import type { MemoryData } from '../storage/memory'
import { requiredString } from '../validation'

export const CONTROL_PREFIX = '/__venomqa'

/**
 * Named checkpoints of the memory store, with savepoint semantics: rolling back to a checkpoint keeps it
 * (so it can be rolled back to again) and drops every checkpoint taken after it.
 */
export class Checkpoints {
  readonly #stack: { name: string; data: MemoryData }[] = []

  constructor(readonly store: MemoryStore) {}

  names(): string[] {
    return this.#stack.map((c) => c.name)
  }

  #index(name: string): number {
    const i = this.#stack.findIndex((c) => c.name === name)
    if (i < 0) throw notFound(`no checkpoint named "${name}" (existing: ${this.names().join(', ') || 'none'})`)
    return i
  }

  /** Taking a name again replaces the old checkpoint of that name. */
  checkpoint(name: string): void {
    const existing = this.#stack.findIndex((c) => c.name === name)
    if (existing >= 0) this.#stack.splice(existing, 1)
    this.#stack.push({ name, data: this.store.snapshot() })
  }

  rollback(name: string): void {
    const i = this.#index(name)
    this.store.restore(this.#stack[i]!.data)
    this.#stack.length = i + 1
  }

  release(name: string): void {
    this.#stack.splice(this.#index(name), 1)
  }

  clear(): void {
    this.#stack.length = 0
  }
}

/**
 * The control protocol the runner's `http-control` state backend drives. Only the memory store has it:
 * a SQL store's state is the database's, which state backends restore directly.
 */
export function controlRoutes(router: Router, services: Services): void {
  const { store } = services
  if (!(store instanceof MemoryStore)) {
    router.under(CONTROL_PREFIX, () => [404, { error: 'control endpoints exist only in memory mode' }])
    return
  }
  const checkpoints = new Checkpoints(store)
  const state = () => ({ storage: store.kind, checkpoints: checkpoints.names(), ...store.describe() })

  router.on('POST', `${CONTROL_PREFIX}/checkpoint`, async ({ req }) => {
    const name = requiredString(await readJson(req), 'name', { max: 200 })
    checkpoints.checkpoint(name)
    return [200, { ok: true, name, checkpoints: checkpoints.names() }]
  })
  router.on('POST', `${CONTROL_PREFIX}/rollback`, async ({ req }) => {
    const name = requiredString(await readJson(req), 'name', { max: 200 })
    checkpoints.rollback(name)
    return [200, { ok: true, name, checkpoints: checkpoints.names() }]
  })
  router.on('POST', `${CONTROL_PREFIX}/release`, async ({ req }) => {
    const name = requiredString(await readJson(req), 'name', { max: 200 })
    checkpoints.release(name)
    return [200, { ok: true, name, checkpoints: checkpoints.names() }]
  })
  router.on('POST', `${CONTROL_PREFIX}/reset`, () => {
    store.reset()
    checkpoints.clear()
    services.flaky.clear()
    return [200, { ok: true }]
  })
  router.on('GET', `${CONTROL_PREFIX}/state`, () => [200, state()])
  // The whole state as JSON (Maps as entry lists), and back: how a worker's app of parallel paths is made
  // equal to the main one's at a checkpoint. Checkpoints are left as they are.
  router.on('GET', `${CONTROL_PREFIX}/export`, () => [200, exportData(store.snapshot())])
  router.on('POST', `${CONTROL_PREFIX}/import`, async ({ req }) => {
    store.restore(importData(await readJson(req)))
    return [200, { ok: true, ...store.describe() }]
  })
  router.under(CONTROL_PREFIX, ({ req }) => {
    throw new HttpError(404, { error: `no control route ${req.method} ${req.url}` })
  })
}

const MAPS = ['users', 'userIdByEmail', 'sessions', 'todos', 'comments', 'passwordResets'] as const

function exportData(data: MemoryData): Record<string, unknown> {
  return { ...Object.fromEntries(MAPS.map((k) => [k, [...data[k].entries()]])), nextId: data.nextId }
}

function importData(body: unknown): MemoryData {
  const doc = body as Record<string, unknown> | null
  if (!doc || typeof doc !== 'object' || typeof doc.nextId !== 'object' || MAPS.some((k) => !Array.isArray(doc[k])))
    throw new HttpError(400, { error: `expected what GET ${CONTROL_PREFIX}/export returns: ${MAPS.join(', ')} (entry lists) and nextId` })
  return { ...Object.fromEntries(MAPS.map((k) => [k, new Map(doc[k] as [unknown, unknown][])])), nextId: doc.nextId } as unknown as MemoryData
}
