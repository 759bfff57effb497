import type { Ports } from '@venomqa/core'
import type { RunnerHttpClient } from '../http-client'
import type { AppWatch } from '../worker-app'
import type { World } from '../world'

/** Where steps run: a World, the HTTP client bound to its app, and its ports. Lane 0 is the main line. */
export interface Lane {
  index: number
  world: World
  http: RunnerHttpClient
  ports: Ports
  /** The app of the worker the lane runs on, when its setup says when it ends: a step's failed request may be its end. */
  app?: AppWatch
}

/** A worker's lane for a parallel branch. `sync` puts its system at the main lane's checkpoint state. */
export interface WorkerLane extends Lane {
  sync(checkpoint: string, main: Lane): Promise<void>
}

/**
 * Run `items` on `lanes`, each lane taking the next item from one queue as soon as it is free. Results
 * keep the items' order, whatever the order they finish in.
 */
export async function runOnLanes<I, R>(lanes: readonly Lane[], items: readonly I[], run: (item: I, lane: Lane) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < items.length) {
        const i = next++
        results[i] = await run(items[i]!, lane)
      }
    }),
  )
  return results
}
