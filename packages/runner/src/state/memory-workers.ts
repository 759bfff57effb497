import { type MainSystem, type StateBackend, type TimePort, type WorkerPart, asWorkerSetup } from '@venomqa/core'
import { ControllableClock } from '../adapters/controllable-clock'
import { MemoryCache } from '../adapters/memory-cache'
import { MemoryMail } from '../adapters/memory-mail'
import { memoryPortsParts, memoryPortsState } from '../adapters/memory-ports'
import { MemoryState } from './memory'

/**
 * A worker's copies of the run's in-memory objects: main object -> the worker's twin. Made once per
 * worker and refilled from the main objects at every sync.
 */
class Twins {
  readonly #map = new Map<object, object>()
  readonly #tag: string

  constructor(index: number) {
    this.#tag = `w${index}`
  }

  /** The worker's twin of `main`, made on first use; undefined for what has no in-memory twin. */
  of<T>(main: T): T | undefined {
    if (!main || typeof main !== 'object') return undefined
    const known = this.#map.get(main)
    if (known) return known as T
    const twin = this.#make(main)
    if (twin) this.#map.set(main, twin)
    return twin as T | undefined
  }

  #make(main: object): object | undefined {
    const clockFor = (c: Pick<TimePort, 'now'> | undefined) => (c instanceof ControllableClock ? this.of(c) : c)
    if (main instanceof ControllableClock) return new ControllableClock()
    if (main instanceof MemoryCache) return main.twin(clockFor)
    if (main instanceof MemoryMail) return main.twin({ tag: this.#tag, clockFor })
    // Named after the main line's with the worker (`store:w1`), as every worker setup names its worker's
    // backends: a rollback line or a result then says which worker's copy it was.
    const name = (backend: StateBackend) => `${backend.name}:${this.#tag}`
    // Its data from the start, so that parallel journeys (which never sync) start from the state it has.
    if (main instanceof MemoryState) return new MemoryState(structuredClone(main.data), name(main))
    const parts = memoryPortsParts(main as StateBackend)
    if (parts) return memoryPortsState({ cache: this.of(parts.cache), mail: this.of(parts.mail), clock: this.of(parts.clock) }, name(main as StateBackend))
    return undefined
  }

  /** Stop the twins' clock timers. */
  dispose(): void {
    for (const twin of this.#map.values()) if (twin instanceof ControllableClock) twin.dispose()
    this.#map.clear()
  }

  /** Make every twin equal to its main object as it is now. Clocks first: cache expiry reads them. */
  sync(): void {
    const pairs = [...this.#map].sort(([a], [b]) => Number(b instanceof ControllableClock) - Number(a instanceof ControllableClock))
    for (const [main, twin] of pairs) {
      // A pending callback belongs to the main line's code (a sleep, a delayed job): the twin starts without them.
      if (main instanceof ControllableClock) (twin as ControllableClock).restore({ ...main.snapshot(), queue: [] })
      else if (main instanceof MemoryCache) (twin as MemoryCache).restore(main.snapshot())
      else if (main instanceof MemoryMail) (twin as MemoryMail).restore(main.snapshot())
      else if (main instanceof MemoryState) (twin as MemoryState).data = structuredClone(main.data)
    }
  }
}

const isMemoryBackend = (b: StateBackend) => b instanceof MemoryState || memoryPortsParts(b) !== undefined

/**
 * A worker part for the in-memory ports and state: each worker gets its own cache, mailbox and clock (of the
 * `memory` plugin or given as ports) and its own copy of every MemoryState, filled at each sync from the
 * main line's at the checkpoint. The queue, storage and concurrency ports stay shared: they are not part of
 * a checkpoint on the main line either. Steps must reach a MemoryState through `ports` (register it as a
 * port too) to use their worker's copy. Needs no app; with an app, compose it with the app's parts.
 */
export function memoryWorkers() {
  const twins = new Map<number, Twins>()
  const part: WorkerPart = {
    part: 'memoryWorkers',
    needsApp: false,
    async prepare(index: number, main: MainSystem) {
      const mine = new Twins(index)
      twins.set(index, mine)
      const ports: Record<string, unknown> = {}
      for (const [name, port] of main.ports) {
        const twin = mine.of(port)
        if (twin) ports[name] = twin
      }
      const stateBackends = main.stateBackends.filter(isMemoryBackend).map((b) => mine.of(b)!)
      return {
        ports,
        stateBackends,
        close: () => {
          mine.dispose()
          twins.delete(index)
        },
      }
    },
    async sync(index: number) {
      twins.get(index)?.sync()
    },
    covers: isMemoryBackend,
  }
  return asWorkerSetup(part, undefined, 'nothing')
}
