import { BASE_URL_QUERY_HINT, MAX_TIMEOUT_MS, TIMER_MS_EXPECTED, httpUrlProblem } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// zod/mini, bundled into the CLI (see tsup.config.ts), with only the English messages: the whole of zod is 95
// modules that cost `venomqa run` about 50 ms to load, where what this schema uses, tree-shaken into one
// file, costs a few. The config is only checked, never transformed, so the mini API is all it needs.
// jitless: zod would compile a parser of its own (new Function) for each object schema at its first use,
// which a config checked once per process only pays for.
z.config({ ...en(), jitless: true })

/** In a refinement's `params`: its message is what the key expects, said better than the key's description. */
export const OWN_MESSAGE = 'venomqaOwnMessage'

const DEFAULT_JOURNEYS = 'journeys/**/*.journey.{ts,js,mts,mjs}'
const DEFAULT_EXPLORATIONS = '**/*.explore.{ts,js,mts,mjs}'
export { DEFAULT_EXPLORATIONS, DEFAULT_JOURNEYS }

const nonEmpty = () => z.string().check(z.minLength(1))
/** `schema`, optional, described for the JSON schema editors use. */
const described = <T extends z.core.$ZodType>(schema: T, description: string) => z.optional(schema).check(z.describe(description))

const options = () => z.record(z.string(), z.unknown())

/** A plugin object written inline in a TS/JS config (checked fully when it is loaded). */
const pluginObject = () =>
  z.looseObject({
    name: z.string(),
    apiVersion: z.number(),
  })

const pluginSpec = () => z.union([nonEmpty(), z.tuple([z.union([nonEmpty(), pluginObject()]), options()]), pluginObject()])

const reporterSpec = () =>
  z.union([
    nonEmpty(),
    z.strictObject({
      name: nonEmpty().check(z.describe('A built-in reporter (console, json, junit, markdown) or one a plugin adds.')),
      output: described(nonEmpty(), 'File to write; "-" means stdout.'),
      options: z.optional(options()),
    }),
    z.tuple([nonEmpty(), options()]),
  ])

/** A timeout: whole milliseconds, no longer than a Node timer keeps (see MAX_TIMEOUT_MS). */
const ms = () => z.int().check(z.positive(), z.lte(MAX_TIMEOUT_MS))
/** A delay that may be none: 0, or a timeout as above (as a step's retryDelay is checked). */
const delayMs = () => z.int().check(z.gte(0), z.lte(MAX_TIMEOUT_MS))
const globs = () => z.union([nonEmpty(), z.array(nonEmpty()).check(z.minLength(1))])

const operationPatterns = () => z.array(nonEmpty()).check(z.minLength(1))

/** `venomqa explore --openapi`: which operations, and how to authenticate. */
const openapiSchema = () =>
  z.strictObject({
    include: described(operationPatterns(), 'Operations to explore: operationIds, tags or "METHOD /path" globs. Default: every operation.'),
    exclude: described(operationPatterns(), 'Operations left out: operationIds, tags or "METHOD /path" globs.'),
    auth: described(
      z.union([
        z.strictObject({ bearer: nonEmpty().check(z.describe('A bearer token sent with every request.')) }),
        z.strictObject({
          login: nonEmpty().check(z.describe('The login operation (operationId or "METHOD /path").')),
          signUp: described(nonEmpty(), 'A sign-up operation called first with the same credentials.'),
          credentials: described(z.record(z.string(), z.unknown()), 'The login body. Default, with signUp: sampled from its schema, with a fresh email.'),
          token: described(z.string().check(z.startsWith('/')), 'JSON pointer of the token in the login response. Default /token, /accessToken or /access_token.'),
        }),
      ]),
      'Authentication: a bearer token, or a login operation (after a sign-up operation, if named).',
    ),
  })

/**
 * The runner's HTTP client options (createRunner's `http`), passed to it as written, under the runner's own
 * names. `redactKeys` is the top-level key (reports mask by it too), `onExchange` a function: neither is here.
 */
const httpKeySchemas = {
  timeout: () =>
    described(
      ms(),
      'Timeout of every request that gives none of its own, in ms: each attempt, from sending to the last byte of the body. Default 30000.',
    ),
  retry: () =>
    described(
      z.union([
        z.literal(false),
        z.strictObject({
          retries: described(z.int().check(z.gte(0), z.lte(100)), 'Attempts after the first. Default 2.'),
          baseDelayMs: described(delayMs(), 'First backoff in ms; doubles each attempt, with full jitter. Default 100.'),
          maxDelayMs: described(delayMs(), "Backoff ceiling in ms (a server's Retry-After is honoured up to it). Default 2000."),
          statuses: described(z.array(z.int().check(z.gte(100), z.lte(599))), 'Statuses that are retried. Default [502, 503, 504].'),
        }),
      ]),
      'Retry policy of idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE), or false for none; a request\'s own retry wins.',
    ),
  cacheGets: () => described(z.boolean(), "Cache GET responses per journey, by URL and request headers, until the action's clearCache()."),
  connections: () => described(z.int().check(z.gte(1)), 'Keep-alive connections per origin. Default 16.'),
}

export type HttpKey = keyof typeof httpKeySchemas

const madeHttpKeySchemas: { [K in HttpKey]?: ReturnType<(typeof httpKeySchemas)[K]> } = {}

/** The schema of one key of `http`. */
export function httpKeySchema<K extends HttpKey>(key: K): ReturnType<(typeof httpKeySchemas)[K]> {
  return (madeHttpKeySchemas[key] ??= httpKeySchemas[key]() as never) as ReturnType<(typeof httpKeySchemas)[K]>
}

const httpSchema = () =>
  z.strictObject(
    Object.fromEntries(Object.keys(httpKeySchemas).map((k) => [k, httpKeySchema(k as HttpKey)])) as { [K in HttpKey]: ReturnType<(typeof httpKeySchemas)[K]> },
  )

/** The `app` key: the API under test, started by the run (the runner's `app` option). */
const appSchema = () =>
  z.strictObject({
    command: z
      .union([nonEmpty(), z.array(z.string()).check(z.minLength(1))])
      .check(z.describe('A command line run by the shell ("node dist/server.js"), or the program and its arguments (["node", "dist/server.js"]).')),
    env: described(
      z.record(z.string(), z.string()),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME}, filled in as the app starts
      'Added to its environment; ${NAME} is filled in as it starts, once the plugins set up and the state backends connected (DATABASE_URL: ${VENOMQA_PG_PROXY_URL}).',
    ),
    cwd: described(nonEmpty(), 'Where it runs, relative to the config file. Default: the config file\'s directory.'),
    url: described(
      z.string().check(z.refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { message: 'expected an http(s) URL' })),
      'Where it answers HTTP once it listens (any status): the run waits for that. Default: baseUrl.',
    ),
    timeoutMs: described(ms(), 'How long it may take to answer at url, in ms. Default 60000.'),
  })

/** A URL that is one, but with a query or fragment: told with its own message (see BASE_URL_QUERY_HINT). */
const isQueryProblem = (s: string) => /[?#]/.test(s) && !httpUrlProblem(s.replace(/[?#].*/s, ''))

/**
 * Every key a config (and each profile) may set, each schema made when first asked for: a run with no
 * config file checks only the flags it was given (`--base-url`), and making every schema costs about as
 * much as loading zod/mini.
 */
const keySchemas = {
  $schema: () => described(z.string(), 'The JSON schema of this file, for editors.'),
  baseUrl: () =>
    described(
      z
        .string()
        .check(
          // The runner's own check (a URL that parses, http or https): a weaker one here let `http://a b`
          // through to the run, which then crashed on it instead of refusing it before anything was sent.
          z.refine((s) => !httpUrlProblem(s) || isQueryProblem(s), { message: 'expected an http(s) URL' }),
          z.refine((s) => !isQueryProblem(s), {
            message: `expected a URL with no query (?...) or fragment (#...): ${BASE_URL_QUERY_HINT}`,
            params: { [OWN_MESSAGE]: true },
          }),
        ),
      'The API under test, e.g. http://localhost:3000.',
    ),
  journeys: () => described(globs(), `Journey files: globs relative to the project root. Default ${DEFAULT_JOURNEYS}.`),
  explore: () => described(globs(), `Exploration files (venomqa explore): globs relative to the project root. Default ${DEFAULT_EXPLORATIONS}.`),
  openapi: () => described(openapiSchema(), 'venomqa explore --openapi: the operations to explore and how to authenticate.'),
  plugins: () => described(z.array(pluginSpec()), 'Plugins: a package name or short name, a path, or [name, options].'),
  reporters: () => described(z.array(reporterSpec()), 'Reporters: "name", "name:file", { name, output, options } or [name, options]. Default ["console"].'),
  headers: () => described(z.record(z.string(), z.string()), 'Headers sent with every request.'),
  timeout: () => described(ms(), 'Default step timeout in ms.'),
  journeyTimeout: () => described(ms(), 'Default journey timeout in ms.'),
  retries: () => described(z.int().check(z.gte(0), z.lte(100)), 'Default retries of a failed step.'),
  journeyRetries: () =>
    described(
      z.int().check(z.gte(0), z.lte(100)),
      "Default retries of a failed journey, each from scratch (a journey's own retries wins); one that fails, then passes, is flaky.",
    ),
  failOnFlaky: () => described(z.boolean(), 'Fail the run (exit 1) when a journey is flaky: failed, then passed on a retry.'),
  restoreAfterJourney: () =>
    described(
      z.boolean(),
      "Put the system back after every journey: the state backends roll back to where they stood before it (a journey's own restore wins). Needs a state backend.",
    ),
  failFast: () => described(z.boolean(), "Stop a journey's line at its first failed step."),
  save: () => described(nonEmpty(), 'Save the results (JSON) to this file after each run.'),
  parallelPaths: () => described(z.int().check(z.gte(1)), 'Paths of a branch that may run at once.'),
  workers: () => described(z.int().check(z.gte(1)), 'Journeys that may run at once.'),
  redactKeys: () => described(z.array(nonEmpty()), 'More header names or body keys to redact in reports.'),
  pluginTimeout: () =>
    described(
      ms(),
      "How long a plugin's setup, a hook, a backend's connect or disconnect, or an onClose may take, in ms, before it is abandoned with a critical issue. Default 60000.",
    ),
  app: () =>
    described(
      appSchema(),
      'The API under test, started by the run once the plugins set up and the state backends connected, and stopped when it ends: { command, env?, cwd?, url?, timeoutMs? }.',
    ),
  http: () => described(httpSchema(), 'The HTTP client of every journey: request timeout, retry policy, GET cache, connections per origin.'),
  requireState: () =>
    described(z.boolean(), 'Refuse to run journeys with checkpoints when no state backend is registered (otherwise a warning and an info issue).'),
  workerSetup: () =>
    described(
      z.custom<{ create: unknown }>((v) => !!v && typeof v === 'object' && typeof (v as { create?: unknown }).create === 'function'),
      'TS/JS config only: creates the workers parallelPaths and workers need (see docs/parallel.md).',
    ),
}

export type ConfigKey = keyof typeof keySchemas

const madeKeySchemas: { [K in ConfigKey]?: ReturnType<(typeof keySchemas)[K]> } = {}

/** The schema of one config key. */
export function keySchema<K extends ConfigKey>(key: K): ReturnType<(typeof keySchemas)[K]> {
  return (madeKeySchemas[key] ??= keySchemas[key]() as never) as ReturnType<(typeof keySchemas)[K]>
}

function makeConfigSchema() {
  const baseShape = Object.fromEntries(Object.keys(keySchemas).map((k) => [k, keySchema(k as ConfigKey)])) as {
    [K in ConfigKey]: ReturnType<(typeof keySchemas)[K]>
  }
  return z.strictObject({
    ...baseShape,
    profiles: described(z.record(z.string(), z.strictObject(baseShape)), 'Named overrides deep-merged over the rest; select with --profile or VENOMQA_PROFILE.'),
  })
}

let madeConfigSchema: ReturnType<typeof makeConfigSchema> | undefined

/** The schema of a whole config file. */
export function configSchema(): ReturnType<typeof makeConfigSchema> {
  return (madeConfigSchema ??= makeConfigSchema())
}

/** A key that a `VENOMQA_*` variable or a flag sets: a config key, or one key of `http`. */
export type OverrideKey = ConfigKey | `http.${HttpKey}`

/** The schema of a key a variable or a flag sets (see OverrideKey). */
export function overrideSchema(key: OverrideKey): z.ZodMiniType {
  return key.startsWith('http.') ? httpKeySchema(key.slice('http.'.length) as HttpKey) : keySchema(key as ConfigKey)
}

/** How every duration in ms is told: the runner's and core's words (TIMER_MS_EXPECTED) for the same rule. */
const TIMER_MS = TIMER_MS_EXPECTED.replace(/^expected /, '')

/** What each key expects, in words, for error messages ("expected <this>, got ..."). */
export const EXPECTED: Record<string, string> = {
  $schema: 'a string',
  baseUrl: 'an http(s) URL such as http://localhost:3000',
  journeys: 'a glob or a list of globs',
  explore: 'a glob or a list of globs',
  openapi: 'an object with include, exclude and auth',
  'openapi.include': 'a list of operationIds, tags or "METHOD /path" globs',
  'openapi.exclude': 'a list of operationIds, tags or "METHOD /path" globs',
  'openapi.auth': '{ bearer } or { login, signUp?, credentials?, token? }',
  plugins: 'a list of plugins',
  'plugins[]': 'a plugin name, a path, a [name, options] pair, or a plugin object',
  reporters: 'a list of reporters',
  'reporters[]': 'a reporter name ("junit" or "junit:out.xml"), { name, output, options }, or [name, options]',
  headers: 'an object of header names to string values',
  'headers.*': 'a string',
  timeout: TIMER_MS,
  journeyTimeout: TIMER_MS,
  retries: 'a whole number from 0 to 100',
  journeyRetries: 'a whole number from 0 to 100',
  failOnFlaky: 'true or false',
  restoreAfterJourney: 'true or false',
  failFast: 'true or false',
  save: 'a file path',
  parallelPaths: 'a whole number of at least 1',
  workers: 'a whole number of at least 1',
  redactKeys: 'a list of header names or body keys',
  pluginTimeout: TIMER_MS,
  app: 'an object with command, and env, cwd, url, timeoutMs if needed',
  'app.command': 'a command line ("node dist/server.js") or the program and its arguments (["node", "dist/server.js"])',
  'app.command[]': 'a string',
  'app.env': 'an object of variable names to string values',
  'app.env.*': 'a string',
  'app.cwd': 'a directory',
  'app.url': 'an http(s) URL such as http://localhost:3000/health',
  'app.timeoutMs': TIMER_MS,
  http: 'an object with timeout, retry, cacheGets and connections',
  'http.timeout': TIMER_MS,
  'http.retry': 'false (no retries) or a policy { retries?, baseDelayMs?, maxDelayMs?, statuses? }',
  'http.retry.retries': 'a whole number from 0 to 100',
  'http.retry.baseDelayMs': `0 or ${TIMER_MS}`,
  'http.retry.maxDelayMs': `0 or ${TIMER_MS}`,
  'http.retry.statuses': 'a list of HTTP statuses',
  'http.retry.statuses[]': 'an HTTP status, a whole number from 100 to 599',
  'http.cacheGets': 'true or false',
  'http.connections': 'a whole number of at least 1',
  requireState: 'true or false',
  workerSetup: 'an object with a create(index) function (only in a venomqa.config.ts or .js)',
  'redactKeys[]': 'a header name or body key',
  profiles: 'an object of profile names to config overrides',
  'profiles.*': 'an object of config keys',
}

export const KNOWN_KEYS = [...Object.keys(keySchemas), 'profiles']

/**
 * The JSON schema editors use for venomqa.json / venomqa.yaml (committed as schema/venomqa.schema.json).
 * A number or boolean key also takes one environment variable whole (`retries: ${RETRIES}`), as loading
 * does (see TypedVariable): else an editor would mark the way a YAML config takes a number from CI.
 */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(configSchema(), { target: 'draft-7', unrepresentable: 'any' })
  return {
    $schema,
    $id: 'https://unpkg.com/@venomqa/cli/schema/venomqa.schema.json',
    title: 'VenomQA config',
    description: 'venomqa.json / venomqa.yaml. In venomqa.config.ts, defineConfig from @venomqa/cli gives the same help.',
    ...(orOneVariable(rest) as Record<string, unknown>),
  }
}

const ONE_VARIABLE = {
  type: 'string',
  pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME}, filled in from the environment
  description: 'One environment variable, ${NAME} or ${NAME:-default}, whose value is the number or true/false.',
}

/** `node` with every number, integer or boolean schema in it widened to also take ONE_VARIABLE. */
function orOneVariable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(orOneVariable)
  if (!node || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'const' ? v : orOneVariable(v)
  const type = out.type
  if (type !== 'number' && type !== 'integer' && type !== 'boolean') return out
  const { description, ...typed } = out
  return { ...(description !== undefined ? { description } : {}), anyOf: [typed, ONE_VARIABLE] }
}
