import type { HookName, Issue, LifecycleHooks } from '@venomqa/core'
import type { HookBus } from '../hooks'

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
  ) {}

  has(name: HookName): boolean {
    return this.bus.has(name)
  }

  emit<K extends HookName>(name: K, event: Parameters<LifecycleHooks[K]>[0], where: Where = {}): Promise<void> {
    return this.bus.emit(name, event, this.onIssue, { journey: this.journey, ...where })
  }
}
