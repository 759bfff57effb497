import { HOOK_NAMES, type LifecycleHooks, PluginError, type Reporter, type ReporterFactory, errorMessage } from '@venomqa/core'
import type { ReporterSpec } from './config/types'

export interface ReporterRequest {
  name: string
  /** File for the render; '-' is stdout. */
  target?: string
  options: Record<string, unknown>
}

/** The reporters the runner ships: always known, never looked up as plugins. */
export const BUILTIN_REPORTERS = ['console', 'json', 'junit', 'markdown']

/** `junit`, `junit:reports/junit.xml`, `{ name, output, options }` or `[name, options]`. */
export function parseReporterSpec(spec: ReporterSpec): ReporterRequest {
  if (typeof spec === 'string') {
    const i = spec.indexOf(':')
    return i < 0 ? { name: spec.trim(), options: {} } : { name: spec.slice(0, i).trim(), target: spec.slice(i + 1).trim() || undefined, options: {} }
  }
  if (Array.isArray(spec)) {
    const { output, ...options } = spec[1] ?? {}
    return { ...parseReporterSpec(spec[0]), ...(typeof output === 'string' ? { target: output } : {}), options }
  }
  return { name: spec.name, target: spec.output, options: spec.options ?? {} }
}

/**
 * Make a reporter for each request from the factories the runner's registry holds (built-ins and
 * plugins'). A name nobody registered is a PluginError that says what is known.
 */
export function instantiateReporters(
  requests: readonly ReporterRequest[],
  factories: ReadonlyMap<string, ReporterFactory>,
  extraOptions: (name: string) => Record<string, unknown> = () => ({}),
): { reporter: Reporter; target?: string; options: Record<string, unknown> }[] {
  return requests.map((r) => {
    const factory = factories.get(r.name)
    if (!factory)
      throw new PluginError(
        r.name,
        `unknown reporter "${r.name}": no plugin registered it and @venomqa/reporter-${r.name} is not installed. Known reporters: ${[...factories.keys()].join(', ')}`,
      )
    const options = { ...extraOptions(r.name), ...r.options }
    return { reporter: factory({ target: r.target, options }), target: r.target, options }
  })
}

/**
 * Lifecycle hooks that fan out to reporters created later (reporters from plugins only exist after the
 * runner's init). A reporter's hook that throws is reported and never stops the run.
 */
export function forwardingHooks(reporters: () => readonly Reporter[], onError: (message: string) => void): Partial<LifecycleHooks> {
  const hooks: Record<string, (e: unknown) => Promise<void>> = {}
  for (const name of HOOK_NAMES) {
    hooks[name] = async (e: unknown) => {
      for (const r of reporters()) {
        const fn = r.hooks?.[name] as ((e: unknown) => unknown) | undefined
        if (!fn) continue
        try {
          await fn.call(r.hooks, e)
        } catch (err) {
          onError(`reporter ${r.name}: ${name} hook failed: ${errorMessage(err)}`)
        }
      }
    }
  }
  return hooks as Partial<LifecycleHooks>
}
