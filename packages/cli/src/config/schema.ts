import { z } from 'zod'

const DEFAULT_JOURNEYS = 'journeys/**/*.journey.{ts,js,mts,mjs}'
const DEFAULT_EXPLORATIONS = '**/*.explore.{ts,js,mts,mjs}'
export { DEFAULT_EXPLORATIONS, DEFAULT_JOURNEYS }

const options = z.record(z.string(), z.unknown())

/** A plugin object written inline in a TS/JS config (checked fully when it is loaded). */
const pluginObject = z.looseObject({
  name: z.string(),
  apiVersion: z.number(),
})

const pluginSpec = z.union([
  z.string().min(1),
  z.tuple([z.union([z.string().min(1), pluginObject]), options]),
  pluginObject,
])

const reporterSpec = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).describe('A built-in reporter (console, json, junit, markdown) or one a plugin adds.'),
    output: z.string().min(1).optional().describe('File to write; "-" means stdout.'),
    options: options.optional(),
  }),
  z.tuple([z.string().min(1), options]),
])

const ms = z.number().int().positive()

const operationPatterns = z.array(z.string().min(1)).min(1)

/** `venomqa explore --openapi`: which operations, and how to authenticate. */
const openapiSchema = z.strictObject({
  include: operationPatterns.optional().describe('Operations to explore: operationIds, tags or "METHOD /path" globs. Default: every operation.'),
  exclude: operationPatterns.optional().describe('Operations left out: operationIds, tags or "METHOD /path" globs.'),
  auth: z
    .union([
      z.strictObject({ bearer: z.string().min(1).describe('A bearer token sent with every request.') }),
      z.strictObject({
        login: z.string().min(1).describe('The login operation (operationId or "METHOD /path").'),
        signUp: z.string().min(1).optional().describe('A sign-up operation called first with the same credentials.'),
        credentials: z.record(z.string(), z.unknown()).optional().describe('The login body. Default, with signUp: sampled from its schema, with a fresh email.'),
        token: z.string().startsWith('/').optional().describe('JSON pointer of the token in the login response. Default /token, /accessToken or /access_token.'),
      }),
    ])
    .optional()
    .describe('Authentication: a bearer token, or a login operation (after a sign-up operation, if named).'),
})

/** Every key a config (and each profile) may set. */
export const baseShape = {
  $schema: z.string().optional().describe('The JSON schema of this file, for editors.'),
  baseUrl: z
    .string()
    .refine((s) => /^https?:\/\/[^/]+/i.test(s), { message: 'expected an http(s) URL' })
    .optional()
    .describe('The API under test, e.g. http://localhost:3000.'),
  journeys: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(`Journey files: globs relative to the project root. Default ${DEFAULT_JOURNEYS}.`),
  explore: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(`Exploration files (venomqa explore): globs relative to the project root. Default ${DEFAULT_EXPLORATIONS}.`),
  openapi: openapiSchema.optional().describe('venomqa explore --openapi: the operations to explore and how to authenticate.'),
  plugins: z.array(pluginSpec).optional().describe('Plugins: a package name or short name, a path, or [name, options].'),
  reporters: z.array(reporterSpec).optional().describe('Reporters: "name", "name:file", { name, output, options } or [name, options]. Default ["console"].'),
  headers: z.record(z.string(), z.string()).optional().describe('Headers sent with every request.'),
  timeout: ms.optional().describe('Default step timeout in ms.'),
  journeyTimeout: ms.optional().describe('Default journey timeout in ms.'),
  retries: z.number().int().min(0).max(100).optional().describe('Default retries of a failed step.'),
  journeyRetries: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe("Default retries of a failed journey, each from scratch (a journey's own retries wins); one that fails, then passes, is flaky."),
  failOnFlaky: z.boolean().optional().describe('Fail the run (exit 1) when a journey is flaky: failed, then passed on a retry.'),
  failFast: z.boolean().optional().describe("Stop a journey's line at its first failed step."),
  save: z.string().min(1).optional().describe('Save the results (JSON) to this file after each run.'),
  parallelPaths: z.number().int().min(1).optional().describe('Paths of a branch that may run at once.'),
  workers: z.number().int().min(1).optional().describe('Journeys that may run at once.'),
  redactKeys: z.array(z.string().min(1)).optional().describe('More header names or body keys to redact in reports.'),
  pluginTimeout: ms
    .optional()
    .describe("How long a plugin's setup, a hook, a backend's connect or disconnect, or an onClose may take, in ms, before it is abandoned with a critical issue. Default 60000."),
  requireState: z
    .boolean()
    .optional()
    .describe('Refuse to run journeys with checkpoints when no state backend is registered (otherwise a warning and an info issue).'),
  workerSetup: z
    .custom<{ create: unknown }>((v) => !!v && typeof v === 'object' && typeof (v as { create?: unknown }).create === 'function')
    .optional()
    .describe('TS/JS config only: creates the workers parallelPaths and workers need (see docs/parallel.md).'),
}

export const baseSchema = z.strictObject(baseShape)

export const configSchema = z.strictObject({
  ...baseShape,
  profiles: z
    .record(z.string(), baseSchema)
    .optional()
    .describe('Named overrides deep-merged over the rest; select with --profile or VENOMQA_PROFILE.'),
})

export type ConfigKey = keyof typeof baseShape

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
  timeout: 'a positive whole number of milliseconds',
  journeyTimeout: 'a positive whole number of milliseconds',
  retries: 'a whole number from 0 to 100',
  journeyRetries: 'a whole number from 0 to 100',
  failOnFlaky: 'true or false',
  failFast: 'true or false',
  save: 'a file path',
  parallelPaths: 'a whole number of at least 1',
  workers: 'a whole number of at least 1',
  redactKeys: 'a list of header names or body keys',
  pluginTimeout: 'a positive whole number of milliseconds',
  requireState: 'true or false',
  workerSetup: 'an object with a create(index) function (only in a venomqa.config.ts or .js)',
  'redactKeys[]': 'a header name or body key',
  profiles: 'an object of profile names to config overrides',
  'profiles.*': 'an object of config keys',
}

export const KNOWN_KEYS = [...Object.keys(baseShape), 'profiles']

/** The JSON schema editors use for venomqa.json / venomqa.yaml (committed as schema/venomqa.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(configSchema, { target: 'draft-7', unrepresentable: 'any' })
  return {
    $schema,
    $id: 'https://unpkg.com/@venomqa/cli/schema/venomqa.schema.json',
    title: 'VenomQA config',
    description: 'venomqa.json / venomqa.yaml. In venomqa.config.ts, defineConfig from @venomqa/cli gives the same help.',
    ...rest,
  }
}
