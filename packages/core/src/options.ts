import { didYouMean } from './did-you-mean'
import { ConfigError } from './errors'
import { describeValue } from './describe-value'
import { isSecretKey } from './redact'
import { schemaKeysAt } from './schema-keys'

// In a module of its own, which errors.ts imports without a cycle; exported from here as it always was.
export { describeValue }

/**
 * The Standard Schema v1 interface (https://standardschema.dev), declared here so core needs no
 * dependency: zod 4, valibot and arktype schemas all implement it. A plugin declares its options with
 * one; the runner checks them before any setup runs.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>
}

export declare namespace StandardSchemaV1 {
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>
    readonly types?: Types<Input, Output> | undefined
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult
  export interface SuccessResult<Output> {
    readonly value: Output
    readonly issues?: undefined
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>
  }
  export interface Issue {
    readonly message: string
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined
  }
  export interface PathSegment {
    readonly key: PropertyKey
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input
    readonly output: Output
  }
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input']
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output']
}

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard']
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function'
}

/**
 * `plugins[1].tls.ca`, `plugins[0].ports[2]`: how a user points at a key under `where`. A `where` that
 * ends in `?` (`--plugin mysql?`) takes the first key as written in the flag: `--plugin mysql?url`.
 */
export function optionPath(where: string, path: StandardSchemaV1.Issue['path'] = []): string {
  let out = where
  for (const part of path) {
    const key = typeof part === 'object' && part !== null ? part.key : part
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out && !out.endsWith('?') ? `.${key}` : key
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out.endsWith('?') ? out.slice(0, -1) : out
}

/**
 * A value describeValue tells by its shape alone (`nothing`, `an object`, `a list of 2`, `a function`):
 * under a secret key it is said as it is, since that hides nothing (`auth: { user }` is "an object").
 */
export function toldByShape(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || (typeof value === 'object' && value !== null)
}

function valueAt(root: unknown, path: StandardSchemaV1.Issue['path'] = []): unknown {
  let v = root
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[typeof part === 'object' && part !== null ? part.key : part]
  }
  return v
}

/**
 * One line per issue: `plugins[1].lockWaitTimeoutMs: expected a positive number of milliseconds, got "10"`.
 *
 * Standard Schema gives only a message and a path. A schema should phrase its messages as what it
 * expects; library defaults such as zod's "Invalid input: expected number, received string" are cut to
 * the expectation, and what the user actually wrote is added from the input, with passwords in URLs
 * and tokens masked like everywhere else. An unknown key is reported at its own path, from the `keys` list
 * zod's unrecognized_keys issue carries.
 */
export function formatOptionIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>, input: unknown, where: string, schema?: StandardSchemaV1): string[] {
  const lines: string[] = []
  // The options an object takes are listed once, at its first unknown key with none near: on each such line they buried the typos.
  const listedAt = new Set<string>()
  for (const issue of issues) {
    const path = issue.path ?? []
    const unknownKeys = (issue as { code?: unknown; keys?: unknown }).code === 'unrecognized_keys' ? (issue as { keys?: unknown }).keys : undefined
    if (Array.isArray(unknownKeys)) {
      const known = schema && schemaKeysAt(schema, path.map((part) => (typeof part === 'object' && part !== null ? part.key : part)))
      for (const key of unknownKeys) {
        const near = known && didYouMean(String(key), known)
        // With none near, the ones it takes: a bare "unknown option" left the user to find them in the docs.
        const at = optionPath(where, path)
        const hint = near ? ` (did you mean "${near}"?)` : known?.length && !listedAt.has(at) ? `; known options: ${known.join(', ')}` : ''
        if (!near) listedAt.add(at)
        lines.push(`${optionPath(where, [...path, String(key)])}: unknown option${hint}`)
      }
      continue
    }
    // One form of a union that the value has the shape of (`managed: { port: 'x' }`): its own problems,
    // at their keys, say more than the union's "expected true, false or an object with ...".
    const shaped = shapedUnionBranch<StandardSchemaV1.Issue>(issue)
    if (shaped) {
      lines.push(...formatOptionIssues(shaped.map((i) => ({ ...i, path: [...path, ...(i.path ?? [])] })), input, where, schema))
      continue
    }
    const message = issue.message.replace(/^[A-Z][a-z]+( [a-z]+)?: (?=expected )/, '').replace(/, received \w+$/, '')
    // The value of a secret-named key (`password`, `apiKey`) is never quoted, whatever its length.
    const secret = path.some((part) => isSecretOptionKey(typeof part === 'object' && part !== null ? part.key : part))
    const value = valueAt(input, path)
    // "nothing" hides nothing: a missing secret is said to be missing; nor does a shape ("an object").
    const got = message.startsWith('expected ') ? `, got ${secret && !toldByShape(value) ? 'a hidden value' : describeValue(value)}` : ''
    lines.push(`${optionPath(where, path)}: ${message}${got}`)
  }
  return lines
}

/**
 * For a zod union issue (`invalid_union`, its `errors` one list per form): the one form whose problems all
 * sit below the value (its type and keys fit), if just one. Its problems, at their keys, say more than the
 * union's "expected A or B". For plugin options here, and the CLI's config messages.
 */
export function shapedUnionBranch<I extends { readonly path?: readonly unknown[] }>(issue: unknown): I[] | undefined {
  const { code, errors } = issue as { code?: unknown; errors?: unknown }
  if (code !== 'invalid_union' || !Array.isArray(errors)) return undefined
  const fitting = errors.filter((b): b is I[] => Array.isArray(b) && b.length > 0 && b.every((i: I) => (i.path?.length ?? 0) > 0))
  return fitting.length === 1 ? fitting[0] : undefined
}

/** A key whose value an option or config error never quotes: a secret's name, or `bearer` (an auth option's token). */
export function isSecretOptionKey(key: unknown): boolean {
  return typeof key === 'string' && isSecretKey(key, { extraKeys: ['bearer'] })
}

export type OptionCheck<Output> = { ok: true; value: Output } | { ok: false; problems: string[] }

/** Check `input` against `schema`; problems are formatted lines (see formatOptionIssues). */
export async function checkOptions<Output>(schema: StandardSchemaV1<unknown, Output>, input: unknown, where: string): Promise<OptionCheck<Output>> {
  return toCheck(await schema['~standard'].validate(input), input, where, schema)
}

/**
 * The synchronous form, for code that builds a backend or port directly (`postgresState({...})`): a
 * schema that validates asynchronously cannot be used there. Throws one ConfigError listing every problem.
 */
export function parseOptions<Output>(schema: StandardSchemaV1<unknown, Output>, input: unknown, where: string): Output {
  const result = schema['~standard'].validate(input)
  if (result instanceof Promise) throw new TypeError(`${where}: the options schema validates asynchronously; use checkOptions`)
  const checked = toCheck(result, input, where, schema)
  if (!checked.ok) throw optionsError(checked.problems, where)
  return checked.value
}

function toCheck<Output>(result: StandardSchemaV1.Result<Output>, input: unknown, where: string, schema: StandardSchemaV1): OptionCheck<Output> {
  return result.issues ? { ok: false, problems: formatOptionIssues(result.issues, input, where, schema) } : { ok: true, value: result.value }
}

/** One ConfigError for every problem found (exit 2 in the CLI). */
export function optionsError(problems: readonly string[], where: string): ConfigError {
  const message = problems.length === 1 ? problems[0]! : `${problems.length} problems with plugin options:\n${problems.map((p) => `  - ${p}`).join('\n')}`
  return new ConfigError(message, { where })
}

/**
 * Refuse an option that was renamed (every duration became `...Ms` in milliseconds): an old name would
 * otherwise be ignored without a word, or read in the wrong unit.
 *
 *   refuseRenamed(filter, { timeout: 'timeoutMs' }, 'mail.waitForEmail()')
 */
export function refuseRenamed(options: object | undefined, renames: Readonly<Record<string, string>>, where: string): void {
  if (!options) return
  const used = Object.keys(renames).filter((old) => (options as Record<string, unknown>)[old] !== undefined)
  if (used.length)
    throw new ConfigError(`${where}: ${used.map((old) => `"${old}" is now "${renames[old]}" (milliseconds)`).join('; ')}`, { where })
}
