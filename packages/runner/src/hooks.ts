import { type HookName, type Issue, type LifecycleHooks, errorMessage, makeIssue } from '@venomqa/core'

interface Subscriber {
  source: string
  fn: (event: any) => unknown
}

/**
 * Fires lifecycle hooks in registration order and awaits each. A hook that throws becomes an issue
 * attributed to its source (plugin, reporter, hooks option); the run goes on.
 */
export class HookBus {
  readonly #subs = new Map<HookName, Subscriber[]>()

  add(source: string, hooks: Partial<LifecycleHooks> | undefined): void {
    if (!hooks) return
    for (const [name, fn] of Object.entries(hooks)) if (typeof fn === 'function') this.on(name as HookName, source, fn as (e: unknown) => unknown)
  }

  on(name: HookName, source: string, fn: (event: any) => unknown): void {
    let list = this.#subs.get(name)
    if (!list) this.#subs.set(name, (list = []))
    list.push({ source, fn })
  }

  has(name: HookName): boolean {
    return (this.#subs.get(name)?.length ?? 0) > 0
  }

  /**
   * Fire `name`. Issues from throwing hooks go to `onIssue`, so that concurrent journeys each keep their own.
   */
  async emit<K extends HookName>(
    name: K,
    event: Parameters<LifecycleHooks[K]>[0],
    onIssue: (issue: Issue) => void,
    where: { journey?: string; path?: string; step?: string } = {},
  ): Promise<void> {
    const list = this.#subs.get(name)
    if (!list) return
    for (const sub of list) {
      try {
        await sub.fn(event)
      } catch (err) {
        // An issue hook that throws must not recurse into itself.
        if (name === 'issue') continue
        onIssue(
          makeIssue({
            journey: where.journey ?? '',
            path: where.path ?? '',
            step: where.step ?? `hook:${name}`,
            severity: 'medium',
            kind: 'hook',
            error: `${sub.source} threw in its "${name}" hook: ${errorMessage(err)}`,
            source: sub.source,
          }),
        )
      }
    }
  }
}
