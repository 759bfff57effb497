import type { HookName, Issue, LifecycleHooks } from '@venomqa/core'
import type { HookBus } from '../hooks'
import type { Lane } from './lanes'

/** Where in a journey an event happened; the journey is the emitter's own. */
export interface Where {
  path?: string
  step?: string
}

/**
 * The lifecycle hooks of one journey: the bus, the journey's name and where hook issues go, bound once,
 * so that each place that fires a hook says only what happened and where.
 */
export class JourneyEvents {
  constructor(
    readonly bus: HookBus,
    readonly journey: string,
    private readonly onIssue: (issue: Issue) => void,
    /** The worker running the journey, when journeys run in parallel (0 otherwise). */
    private readonly worker = 0,
  ) {}

  /**
   * An event of a step or path with the worker it runs on (`worker`): a parallel path's, else the
   * journey's; left out on the main line. A live reporter cannot tell two runs of one journey apart by
   * name (`--repeat-each` with workers). Set on the event as made: the main line's events keep one shape
   * and cost no copy.
   */
  onWorker<E extends object>(lane: Pick<Lane, 'index'>, event: E): E & { worker?: number } {
    const worker = lane.index || this.worker
    if (worker) (event as E & { worker?: number }).worker = worker
    return event
  }

  has(name: HookName): boolean {
    return this.bus.has(name)
  }

  /** Undefined when every hook was done when it returned (see HookBus.emit). */
  emit<K extends HookName>(name: K, event: Parameters<LifecycleHooks[K]>[0], where: Where = {}): Promise<void> | undefined {
    return this.bus.emit(name, event, this.onIssue, { journey: this.journey, path: where.path, step: where.step })
  }
}
