import { CheckpointStack, type StateBackend, StateError, errorMessage } from '@venomqa/core'
import { type ScenarioState, type StubMapping, WireMockAdmin, type WireMockAdminOptions } from './admin'

export interface WireMockStateOptions extends WireMockAdminOptions {
  /** The WireMock server's base URL. */
  url: string
  /** Backend name in results. Default 'wiremock'. */
  name?: string
}

/** What a checkpoint keeps of a WireMock server. */
export interface MappingsSnapshot {
  mappings: StubMapping[]
  scenarios: ScenarioState[]
}
type Snapshot = MappingsSnapshot

/** A WireMock server's stub mappings and scenario states, as {@link putMappings} puts them back. */
export async function readMappings(admin: WireMockAdmin): Promise<MappingsSnapshot> {
  const [mappings, scenarios] = await Promise.all([admin.mappings(), admin.scenarios()])
  return { mappings, scenarios }
}

/**
 * Make a server's stubs exactly `snapshot`'s (same ids, same order, so the same stub wins each match), its
 * scenarios stand where they stood, and its request journal empty (WireMock cannot re-log requests).
 */
export async function putMappings(admin: WireMockAdmin, snapshot: MappingsSnapshot): Promise<void> {
  // Remove first, so that nothing of the current set (nor its order) survives; the import then re-creates
  // the saved stubs in their saved order.
  await admin.removeAllMappings()
  if (snapshot.mappings.length) await admin.importMappings(snapshot.mappings)
  // Re-created scenarios start over; put each back where it stood.
  await Promise.all(snapshot.scenarios.map((s) => admin.setScenarioState(s.name, s.state)))
  await admin.clearJournal()
}

/**
 * WireMock state backend. A checkpoint saves every stub mapping and the state of every scenario; a
 * rollback puts back exactly those mappings (same ids, same order, so the same stub wins each match), sets
 * each scenario to its saved state, and empties the request journal (WireMock cannot re-log requests, so
 * after a rollback the journal holds only what the path itself caused).
 */
/** The state backend's name when the options give none. */
export const WIREMOCK_STATE_NAME = 'wiremock'

export class WireMockState implements StateBackend {
  readonly name: string
  readonly mechanism = 'mappings'
  readonly parallelSafe = false
  /** Its checkpoints are in this process's memory: it sets nothing up in WireMock that a quit would leave. */
  readonly leftWhenQuit = false
  readonly admin: WireMockAdmin
  readonly #stack: CheckpointStack<Snapshot>

  constructor(options: WireMockStateOptions | WireMockAdmin, name?: string) {
    if (options instanceof WireMockAdmin) {
      this.admin = options
      this.name = name ?? WIREMOCK_STATE_NAME
    } else {
      this.admin = new WireMockAdmin(options.url, options)
      this.name = options.name ?? name ?? WIREMOCK_STATE_NAME
    }
    this.#stack = new CheckpointStack(this.name)
  }

  async #do<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (err instanceof StateError) throw err
      throw new StateError(this.name, `${what} failed: ${errorMessage(err)}`, { cause: err })
    }
  }

  /** Reach the server, or say why not (the option to fix first, when the URL explains it). */
  async connect(): Promise<void> {
    const problem = await this.admin.healthProblem(5000)
    if (problem !== undefined) throw new StateError(this.name, problem)
  }

  async checkpoint(name: string): Promise<void> {
    await this.#stack.take(name, () =>
      this.#do(`checkpoint "${name}"`, () => readMappings(this.admin)),
    )
  }

  async rollback(name: string): Promise<void> {
    await this.#stack.rollback(name, (snapshot) => this.#do(`rollback to "${name}"`, () => this.#restore(snapshot)))
  }

  async #restore(snapshot: Snapshot): Promise<void> {
    await putMappings(this.admin, snapshot)
  }

  async release(name: string): Promise<void> {
    await this.#stack.release(name)
  }

  /** No stubs, an empty journal, scenarios at their start. */
  async reset(): Promise<void> {
    await this.#do('reset', async () => {
      await this.admin.removeAllMappings()
      await this.admin.clearJournal()
      await this.admin.resetScenarios()
    })
  }

  async observe(): Promise<Record<string, unknown>> {
    const [mappings, scenarios, requests] = await Promise.all([this.admin.mappings(), this.admin.scenarios(), this.admin.journalSize()])
    return {
      stubs: mappings.length,
      scenarios: Object.fromEntries(scenarios.map((s) => [s.name, s.state])),
      requests,
    }
  }

  async disconnect(): Promise<void> {
    this.#stack.clear()
  }

  /** Open checkpoints, oldest first. */
  get checkpoints(): readonly string[] {
    return this.#stack.names
  }
}
