import { PluginError, type Reporter, type ReporterFactory } from '@venomqa/core'
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
