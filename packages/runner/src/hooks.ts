import { HOOK_NAMES, type HookName, type Issue, type LifecycleHooks, PluginError, TimeoutError, didYouMean, errorMessage, makeIssue } from '@venomqa/core'
import { StallError, StrayError, faults } from './faults'
import { messageWithCauses } from './error-causes'

/** Where an event happened, for the issues its hooks cause. */
type Where = { journey?: string; path?: string; step?: string }

interface Subscriber {
  source: string
  fn: (event: any) => unknown
  /** Names the hook in its guard and its issues: made once, not at every event. */
  label: string
}

/**
 * A hook under a name the runner never calls (`stepEnded`) would never run, and a run would pass having
 * done none of what its plugin or reporter meant to do: refused (exit 2), as is a hook that is not a
 * function. An undefined entry (`stepStart: live ? draw : undefined`) is no hook. `source` is the bus's:
 * `plugin:<name>`, `reporter:<name>`, or `hooks` (createRunner's option).
 */
export function checkHooks(source: string, hooks: unknown): void {
  if (hooks === undefined) return
  if (!hooks || typeof hooks !== 'object') throw hookError(source, `hooks must be an object of hook functions by name, got ${hooks === null ? 'null' : typeof hooks}`)
  for (const [name, fn] of Object.entries(hooks)) if (fn !== undefined) checkHook(source, name, fn, `hooks.${name}`)
}

function checkHook(source: string, name: string, fn: unknown, where: string): void {
  if (!(HOOK_NAMES as readonly string[]).includes(name)) {
    const near = didYouMean(name, HOOK_NAMES)
    throw hookError(source, `${where}: no hook is named "${name}"${near ? ` (did you mean "${near}"?)` : ''}; hooks: ${HOOK_NAMES.join(', ')}`)
  }
  if (typeof fn !== 'function') throw hookError(source, `${where}: expected a function, got ${fn === null ? 'null' : typeof fn}`)
}

/** `plugin "x": ...`, `reporter "y": ...`: the source named as users know it. */
function hookError(source: string, problem: string): PluginError {
  const at = source.indexOf(':')
  const [kind, name] = at < 0 ? ['option', source] : [source.slice(0, at), source.slice(at + 1)]
  return new PluginError(name, `${kind} "${name}": ${problem}`)
}

/**
 * How long a plugin's setup, hook or onClose, a state backend's call or a worker setup's may take before it
 * is abandoned with a critical issue (RunnerOptions.pluginTimeout).
 */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 60_000

/**
 * Fires lifecycle hooks in registration order and awaits each, inside a guard (see faults.ts) with the
 * plugin timeout. A hook that throws becomes a medium issue attributed to its source (plugin, reporter,
 * hooks option) and the run goes on; one that never settles, or runs past the timeout, is abandoned
 * with a critical issue naming it. Every issue a hook causes is itself given to the `issue` hooks, except
 * one caused by an `issue` hook (no recursion).
 */
export class HookBus {
  readonly #subs = new Map<HookName, Subscriber[]>()
  readonly timeoutMs: number

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS
  }

  add(source: string, hooks: Partial<LifecycleHooks> | undefined): void {
    checkHooks(source, hooks)
    for (const [name, fn] of Object.entries(hooks ?? {})) if (fn !== undefined) this.on(name as HookName, source, fn as (e: unknown) => unknown, `hooks.${name}`)
  }

  /** `where` names the registration in a refusal: `addHook("stepEnd")`, `hooks.stepEnd`. */
  on(name: HookName, source: string, fn: (event: any) => unknown, where = `addHook("${name}")`): void {
    checkHook(source, name, fn, where)
    let list = this.#subs.get(name)
    if (!list) this.#subs.set(name, (list = []))
    list.push({ source, fn, label: `${source} "${name}" hook` })
  }

  has(name: HookName): boolean {
    return (this.#subs.get(name)?.length ?? 0) > 0
  }

  /**
   * Fire `name`. Issues from failing hooks go to `onIssue`, so that concurrent journeys each keep their own.
   * Undefined when every hook was done when it returned (the usual case: a reporter printing a line), so
   * that firing a hook per step makes no promise; a promise when one is not.
   */
  emit<K extends HookName>(
    name: K,
    event: Parameters<LifecycleHooks[K]>[0],
    onIssue: (issue: Issue) => void,
    where: Where = {},
  ): Promise<void> | undefined {
    const list = this.#subs.get(name)
    if (!list) return undefined
    for (let i = 0; i < list.length; i++) {
      const pending = this.#call(list[i]!, event)
      if (pending) return this.#emitFrom(name, event, onIssue, where, list, i, pending)
    }
    return undefined
  }

  /**
   * Call one hook in its guard: undefined when it was done when it returned, else its promise (a rejected
   * one when it threw, so that one path reports every failure).
   */
  #call(sub: Subscriber, event: unknown): Promise<unknown> | undefined {
    try {
      const value = faults.guardMaybeSync(sub.label, () => sub.fn(event), { timeoutMs: this.timeoutMs })
      return value instanceof Promise ? value : undefined
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** The rest of an emit from hook `i`, whose call is `pending`: each hook awaited in turn. */
  async #emitFrom(
    name: HookName,
    event: unknown,
    onIssue: (issue: Issue) => void,
    where: Where,
    list: readonly Subscriber[],
    i: number,
    pending: Promise<unknown> | undefined,
  ): Promise<void> {
    for (;;) {
      try {
        await pending
      } catch (err) {
        await this.#failed(name, list[i]!, err, onIssue, where)
      }
      if (++i >= list.length) return
      pending = this.#call(list[i]!, event)
    }
  }

  async #failed(name: HookName, sub: Subscriber, err: unknown, onIssue: (issue: Issue) => void, where: Where): Promise<void> {
    const abandoned = err instanceof StallError || err instanceof TimeoutError
    const issue = makeIssue({
      journey: where.journey ?? '',
      path: where.path ?? '',
      step: where.step ?? `hook:${name}`,
      severity: abandoned || err instanceof StrayError ? 'critical' : 'medium',
      kind: abandoned ? 'stall' : err instanceof StrayError ? 'stray-error' : 'hook',
      error: abandoned
        ? `${errorMessage(err)}; the run went on without it (raise pluginTimeout if the hook is slow on purpose)`
        : err instanceof StrayError
          ? errorMessage(err)
          : `${sub.source} threw in its "${name}" hook: ${messageWithCauses(err)}`,
      source: sub.source,
    })
    onIssue(issue)
    if (name !== 'issue') await this.emit('issue', { issue }, onIssue, where)
  }
}
