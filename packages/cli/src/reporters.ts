import { ConfigError, type Plugin, PluginError, type Reporter, type ReporterFactory, type UserError, declaredReporters, didYouMean, errorMessage, isUserError, redactText } from '@venomqa/core'
import type { ReporterSpec } from './config/types'
import { inConfigFile, shownConfigFile } from './config/load'
import { type InstalledPlugin, installedPlugins } from './plugins/resolve'
import { FIRST_PARTY_PLUGINS } from './plugins/first-party'

export interface ReporterRequest {
  name: string
  /** File for the render; '-' is stdout. */
  target?: string
  options: Record<string, unknown>
  /** Where the user wrote it (`reporters[1]`, `--reporter junit:out.xml`), for errors about its options. */
  where?: string
}

/** The reporters the runner ships: always known, never looked up as plugins. */
export const BUILTIN_REPORTERS = ['console', 'json', 'junit', 'markdown']

/**
 * The options a config may give each built-in reporter, all true or false (the CLI gives them their
 * stream and redaction itself). Anything else was ignored without a word: a misspelt `verbos: true`.
 */
const BUILTIN_OPTIONS: Readonly<Record<string, readonly string[]>> = { console: ['color', 'progress', 'verbose'], json: [], junit: [], markdown: [] }

/** A built-in reporter's options as the user gave them: every problem at once, naming the reporter. */
function checkBuiltinOptions(r: ReporterRequest): void {
  const allowed = BUILTIN_OPTIONS[r.name]
  if (!allowed) return
  const problems: string[] = []
  for (const [key, value] of Object.entries(r.options)) {
    if (!allowed.includes(key)) {
      const near = didYouMean(key, allowed)
      problems.push(`"${key}" is not an option of the ${r.name} reporter (${allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes none'})${near ? `; did you mean "${near}"?` : ''}`)
    } else if (typeof value !== 'boolean') problems.push(`"${key}": expected true or false, got ${JSON.stringify(value) ?? typeof value}`)
  }
  if (problems.length) throw new ConfigError(`reporter "${r.name}": ${problems.join('; ')}`, { where: r.where ?? 'reporters' })
}

/**
 * The config's reporters as requests, each with where it was written; `console` when it names none. A key
 * of the config file (`reporters[1]`, a profile's) is named in it, the file as seen from `cwd`
 * (`venomqa.json: reporters[1]`), as the config's other mistakes are.
 */
export function reporterRequests(config: { reporters: readonly ReporterSpec[]; reporterWhere?: readonly string[]; file?: string }, cwd: string): ReporterRequest[] {
  if (!config.reporters.length) return [parseReporterSpec('console')]
  const file = config.file && shownConfigFile(config.file, cwd)
  return config.reporters.map((spec, i) => {
    const written = config.reporterWhere?.[i]
    const where = written && file && inConfigFile(written, 'reporters') ? `${file}: ${written}` : written
    return { ...parseReporterSpec(spec, where), ...(where ? { where } : {}) }
  })
}


/**
 * `junit`, `junit:reports/junit.xml`, `{ name, output, options }` or `[name, options]`. `where` is where the
 * user wrote it (`reporters[1]`), which a mistake in it names.
 */
export function parseReporterSpec(spec: ReporterSpec, where?: string): ReporterRequest {
  if (typeof spec === 'string') {
    const i = spec.indexOf(':')
    const name = (i < 0 ? spec : spec.slice(0, i)).trim()
    // Without this, `-r :out.xml` (or an empty VENOMQA_REPORTERS entry) was looked for as reporter "".
    if (!name && i < 0) throw new ConfigError(`a reporter with no name: give one of ${BUILTIN_REPORTERS.join(', ')}, or a plugin's, as name or name:file`, { where: where ?? 'reporters' })
    if (!name) throw new ConfigError(`reporter "${spec}" has no name before ":"; give name:file, such as junit${spec.slice(i)}`, { where: where ?? spec })
    if (i < 0) return { name, options: {} }
    const target = spec.slice(i + 1).trim()
    // `junit:` with the file left out (an unset variable in `junit:$REPORT`) wrote the default file without a word.
    if (!target) throw new ConfigError(`reporter "${spec}" has nothing after ":"; give the file (${name}:<file>), or "${name}" alone for its default`, { where: where ?? spec })
    return { name, target, options: {} }
  }
  if (Array.isArray(spec)) {
    const { output, ...options } = spec[1] ?? {}
    return { ...parseReporterSpec(spec[0], where), ...(typeof output === 'string' ? { target: output } : {}), options }
  }
  return { name: spec.name, target: spec.output, options: spec.options ?? {} }
}

/**
 * Where an unknown reporter name is looked for among the plugins installed but not loaded: it may be a
 * typo of one (`htm` for `@venomqa/reporter-html`), or of a plugin the config does not list.
 */
export interface ReporterLookup {
  /** The project root, whose node_modules is searched. */
  root: string
  /** The package names of the plugins loaded: what they register is known already. */
  loadedPackages: readonly string[]
}

/**
 * Make a reporter for each request from the factories the runner's registry holds (built-ins and
 * plugins'). A name nobody registered is a PluginError that says what is known, and, given `lookup`,
 * what is installed but not loaded.
 */
export function instantiateReporters(
  requests: readonly ReporterRequest[],
  factories: ReadonlyMap<string, ReporterFactory>,
  extraOptions: (name: string) => Record<string, unknown> = () => ({}),
  lookup?: ReporterLookup,
): { reporter: Reporter; target?: string; options: Record<string, unknown>; where?: string }[] {
  // Options refused are gathered over every reporter and told at once, as the config's keys are.
  const refused: UserError[] = []
  const made = requests.flatMap((r) => {
    const factory = factories.get(r.name)
    // Where the name was written (`reporters[1]`, a profile's entry, `--reporter htm`), as an unknown plugin says its entry.
    if (!factory) throw new PluginError(r.name, unknownReporterMessage(r.name, [...factories.keys()], lookup), r.where ? { where: r.where } : undefined)
    const options = { ...extraOptions(r.name), ...r.options }
    let reporter: Reporter
    try {
      checkBuiltinOptions(r)
      reporter = factory({ target: r.target, options, ...(r.where ? { where: r.where } : {}) })
    } catch (err) {
      // A UserError of the reporter's (its options refused) says what is wrong already; anything else is its bug.
      // Told by isUserError, not instanceof: a reporter package installed with a @venomqa/core of its own throws
      // that copy's UserError.
      if (isUserError(err)) {
        refused.push(err)
        return []
      }
      throw new PluginError(r.name, `reporter "${r.name}" could not be made: ${redactText(errorMessage(err))}`, { cause: err })
    }
    if (!reporter || typeof reporter !== 'object' || typeof reporter.name !== 'string')
      throw new PluginError(r.name, `reporter "${r.name}": its factory returned no reporter (expected an object with a name, and hooks, render or deliver)`)
    return [{ reporter, target: r.target, options, ...(r.where ? { where: r.where } : {}) }]
  })
  if (refused.length === 1) throw refused[0]
  if (refused.length) {
    const lines = refused.flatMap(problemLines)
    throw new ConfigError(`${lines.length} problems with reporter options:\n${lines.map((l) => `  - ${l}`).join('\n')}`, { where: refused[0]!.where ?? 'reporters' })
  }
  return made
}

/**
 * Refuse, before any plugin is set up, a reporter asked for that nothing adds: neither built in nor
 * declared by a plugin loaded (Plugin.reporters). Setups may start the app or connect to databases, which
 * a misspelt reporter name must not cost. Only when every plugin declares what it adds: one that declares
 * nothing may add any name, which is then checked once the setups ran (instantiateReporters).
 */
export function refuseUndeclaredReporters(requests: readonly ReporterRequest[], plugins: readonly { plugin: Plugin<any> }[], lookup: ReporterLookup): void {
  const declared = plugins.map((p) => declaredReporters(p.plugin))
  if (declared.includes(undefined)) return
  const known = [...new Set([...BUILTIN_REPORTERS, ...declared.flatMap((d) => d ?? [])])]
  const unknown = requests.find((r) => !known.includes(r.name))
  if (unknown) throw new PluginError(unknown.name, unknownReporterMessage(unknown.name, known, lookup, 'declares'), unknown.where ? { where: unknown.where } : undefined)
}

/** An error's problems one per line, each naming where it is: `N problems ...:\n  - a\n  - b` gives `a`, `b`. */
function problemLines(err: UserError): string[] {
  const [head, ...rest] = err.message.split('\n')
  if (/^\d+ problems\b.*:$/.test(head!) && rest.length) return rest.map((l) => l.replace(/^ {2}- /, ''))
  return [err.where && !err.message.includes(err.where) ? `${err.where}: ${err.message}` : err.message]
}

/**
 * Why no reporter has this name, and what to do. A name close to a known or installed one is a typo:
 * "install <the typo>" would send the user to a package anyone could publish under that name, so no
 * install is ever suggested here. `found` is how a plugin would have made it known: `declares` before any
 * setup (the plugins' `reporters`), `registered` after.
 */
function unknownReporterMessage(name: string, known: readonly string[], lookup: ReporterLookup | undefined, found: 'registered' | 'declares' = 'registered'): string {
  const knownList = `Known reporters: ${known.join(', ')}`
  const idle = lookup ? installedPlugins(lookup.root).filter((p) => !lookup.loadedPackages.includes(p.name)) : []
  // A third-party plugin may register reporters of any name: one named like the reporter is the likely one.
  const exact = idle.find((p) => p.short === name && /^(@venomqa\/reporter-|venomqa-plugin-)/.test(p.name))
  if (exact) return `unknown reporter "${name}": no loaded plugin ${found} it, and ${exact.name} is installed but not loaded: ${howToLoad(exact)}. ${knownList}`
  const reporterPackages = idle.filter((p) => p.name.startsWith('@venomqa/reporter-'))
  const near = didYouMean(name, [...known, ...reporterPackages.map((p) => p.short)])
  const nearPackage = near === undefined || known.includes(near) ? undefined : reporterPackages.find((p) => p.short === near)
  if (nearPackage)
    return `unknown reporter "${name}": did you mean "${near}"? ${nearPackage.name} is installed but not loaded: the reporter name "${near}" loads it (or ${howToLoad(nearPackage)}). ${knownList}`
  if (near) return `unknown reporter "${name}": did you mean "${near}"? ${knownList}`
  const own = `@venomqa/reporter-${name}`
  // VenomQA's own package, named exactly: the one install a message may tell (see FIRST_PARTY_PLUGINS).
  if (FIRST_PARTY_PLUGINS.includes(own)) return `unknown reporter "${name}": no plugin ${found} it and VenomQA's ${own} is not installed: npm install -D ${own}. ${knownList}`
  return `unknown reporter "${name}": no plugin ${found} it and ${own} is not installed. ${knownList}`
}

/** How to load an installed plugin: by its full name, which no other package can stand for. */
function howToLoad(p: InstalledPlugin): string {
  return `add "${p.name}" to plugins in the config, or give --plugin ${p.name}`
}
