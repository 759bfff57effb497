import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, makeDirectories, redactText } from '@venomqa/core'
import type { ResolvedConfig } from '../config/load'
import type { OpenApiConfig } from '../config/types'
import type { LoadedExploration } from './load'

/**
 * The module `--openapi` writes beside the regression journeys: they import the exploration from it.
 * One per document (`openapi-1a2b3c4d.exploration.ts`): with one name for all, exploring a second document
 * into the same directory rewrote it, and the first document's journeys then loaded the second one's
 * exploration, whose operations are not theirs, and passed without judging anything.
 */
export function openApiModuleName(document: string): string {
  // The document as given from the project root (a URL with its key masked): the same on every machine
  // and for every key, so that the journeys committed keep finding it.
  const shown = redactText(document)
  const base = isUrl(shown) ? (safeUrlPath(shown).split('/').filter(Boolean).pop() ?? '') : path.posix.basename(shown)
  const slug =
    base
      .replace(/\.(json|ya?ml)$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'openapi'
  const hash = createHash('sha256').update(shown).digest('hex').slice(0, 8)
  return `${slug}-${hash}.exploration.ts`
}

function safeUrlPath(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}
const DEFAULT_EMIT_DIR = 'journeys/regressions'

/** The exploration of a document, with the module its regression journeys import still to write. */
export interface LoadedOpenApiExploration extends LoadedExploration {
  /** Writes the module (`file`), unless journeys are not emitted: then there is none, and it does nothing. */
  writeModule(): Promise<void>
  /** Whether the module is there already, from an earlier exploration of the document. */
  moduleExists(): boolean
  /** The document as the exploration reads it: from the project root, or its URL. */
  document: string
}

/** {@link loadOpenApiExploration}, with the module written at once. */
export async function openApiExploration(source: string, config: ResolvedConfig, emit: string | boolean | undefined, warn: (message: string) => void = () => {}): Promise<LoadedExploration> {
  const loaded = await loadOpenApiExploration(source, config, emit, warn)
  await loaded.writeModule()
  return { exploration: loaded.exploration, file: loaded.file }
}

/**
 * `venomqa explore --openapi <file|url>`: an exploration made of the document and the config's `openapi`
 * key alone. The document is loaded here first, so that a document that does not parse, a `$ref` to
 * nowhere or an include naming no operation stops the command (exit 2) before anything runs. When
 * journeys are emitted, the exploration is written as a module beside them (`writeModule`): an emitted
 * journey runs the exploration's setup and invariant from it, under `venomqa run`, with no explore file in
 * the project. It is not written here: a command that stops before the search (no state backend) must
 * leave nothing behind.
 */
export async function loadOpenApiExploration(
  source: string,
  config: ResolvedConfig,
  emit: string | boolean | undefined,
  warn: (message: string) => void = () => {},
): Promise<LoadedOpenApiExploration> {
  const openapi = await import('@venomqa/openapi')
  const document = isUrl(source) ? source : toPosix(path.relative(config.root, path.resolve(config.root, source)))
  const options = config.openapi ?? {}
  const doc = await openapi.loadDocument(document, { root: config.root }).catch((err: unknown) => {
    throw fromProjectRoot(err, source, config.root)
  })
  // Without credentials each secured operation answers 401: refused, and nothing behind it is explored.
  // Headers the config sends with every request (an API key's, an Authorization) are credentials too.
  const headerNames = Object.keys(config.headers ?? {})
  const secured = openapi.operations(doc).filter((o) => o.secured && !openapi.headersMeetSecurity(doc, o, headerNames))
  if (secured.length && !options.auth)
    warn(
      `${redactText(document)} secures ${secured.length} of its operations and openapi.auth is not set: they will be refused (401), and what only they reach is not explored. Set openapi.auth in the config ({ bearer } or { login, signUp? })`,
    )
  const serverPath = documentServerPath(doc.servers)
  // A base URL given on the command line was chosen for this run, against this document: taken as it is,
  // with no warning. One from the config (or the environment) is often the journeys' own, set before the
  // document: the warning names where it is, so the user knows what to change, and how to keep it.
  if (serverPath && config.baseUrl && config.baseUrlWhere !== '--base-url' && !pathOf(config.baseUrl).endsWith(serverPath)) {
    const where = baseUrlPlaceShown(config)
    warn(
      `${redactText(document)} serves its operations under ${serverPath} (its first server), which the base URL ${redactText(config.baseUrl)} (${where}) does not end with: requests go to ${operationPathExample(doc)} without it. Put the path in ${where} if the API needs it; if it does not, give the base URL with --base-url, which is taken as it is`,
    )
  }
  const exploration = openapi.openApiExploration(document, { ...options, name: explorationName(document), root: config.root })
  // The sources are loaded now for their errors (an include naming nothing): the engine would report them later
  // and less plainly. What they leave out (an operation no valid body was made for) is the engine's to tell:
  // it says it before the search and keeps it as an issue of the exploration, which every report shows.
  const env = { root: config.root, baseUrl: config.baseUrl, signal: new AbortController().signal }
  for (const s of [...exploration.actions, ...exploration.invariants]) if (s.kind === 'action-source' || s.kind === 'invariant-source') await s.load(env)
  const dir = emit === false ? undefined : typeof emit === 'string' ? emit : DEFAULT_EMIT_DIR
  if (!dir) return { exploration, file: document, document, writeModule: async () => {}, moduleExists: () => false }
  const file = toPosix(path.join(dir, openApiModuleName(document)))
  const written = path.join(config.root, file)
  return {
    exploration,
    file,
    document,
    writeModule: () => writeIfChanged(written, moduleSource(document, options, toPosix(path.relative(path.dirname(written), config.root)) || '.')),
    moduleExists: () => existsSync(written),
  }
}

/** Where the base URL was given, as the user would look for it: `baseUrl in venomqa.config.ts`, `VENOMQA_BASE_URL`. */
function baseUrlPlaceShown(config: ResolvedConfig): string {
  const where = config.baseUrlWhere ?? 'baseUrl'
  if (where === 'VENOMQA_BASE_URL' || !config.file) return where
  return `${where} in ${toPosix(path.relative(config.root, config.file))}`
}

/**
 * The path of the document's first server (`/api/v1` of `https://api.example.com/api/v1` or of a relative
 * `/api/v{version}` with the variable's default), without a trailing slash; undefined for none or `/`.
 */
function documentServerPath(servers: readonly { url: string; variables?: Record<string, { default?: unknown }> }[] | undefined): string | undefined {
  const server = servers?.[0]
  if (!server || typeof server.url !== 'string') return undefined
  const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const value = server.variables?.[name]?.default
    return typeof value === 'string' ? value : whole
  })
  const path = (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? pathOf(url) : url.replace(/[?#].*$/, '')).replace(/\/+$/, '')
  return path?.startsWith('/') && !path.includes('{') ? path : undefined
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

/** A path of the document, as an example of where requests go: `/things`. */
function operationPathExample(doc: { paths?: Record<string, unknown> }): string {
  return Object.keys(doc.paths ?? {})[0] ?? '/'
}

/** Its name in every output: a URL's key (`?api_key=...`) masked. */
function explorationName(document: string): string {
  return `openapi ${redactText(document)}`
}

/**
 * The module's text. Credentials never reach it: they are read from the environment when given.
 * `toRoot` is the project root relative to the module's directory (`../..` from `journeys/regressions`).
 */
function moduleSource(document: string, options: OpenApiConfig, toRoot: string): string {
  const needs = moduleVariables(document, options)
  // A document URL with a key in it is read from the environment too: the module is committed.
  const documentSource = needs.includes(URL_VARIABLE) ? `fromEnvironment(${JSON.stringify(URL_VARIABLE)})` : JSON.stringify(document)
  const auth = options.auth
  const lines = [
    '// The exploration `venomqa explore --openapi` ran: the regression journeys beside this file import it, for the',
    '// setup (auth) and the invariant they check. Written again by each `venomqa explore --openapi`; paths are from the project root,',
    '// found from this file: a journey run from another directory (`venomqa run -c`) reads the same document.',
  ]
  let authSource = 'undefined'
  // The variable is named too: a refused token is then said to be its, not openapi.auth.bearer's.
  if (auth && 'bearer' in auth) authSource = `{ bearer: fromEnvironment(${JSON.stringify(BEARER_VARIABLE)}), variable: ${JSON.stringify(BEARER_VARIABLE)} }`
  else if (auth) {
    const { credentials, ...rest } = auth
    authSource = credentials ? `{ ...${JSON.stringify(rest)}, credentials: JSON.parse(fromEnvironment(${JSON.stringify(CREDENTIALS_VARIABLE)})) }` : JSON.stringify(rest)
  }
  const selection = { ...(options.include ? { include: options.include } : {}), ...(options.exclude ? { exclude: options.exclude } : {}) }
  return [
    ...lines,
    "import path from 'node:path'",
    "import { fileURLToPath } from 'node:url'",
    "import { openApiExploration } from '@venomqa/openapi'",
    '',
    // The root is this file's directory and the way up from it, not the working directory: a journey run
    // with `-c` from elsewhere, or from a subdirectory, loaded the document from where it ran, failed with
    // "cannot read the OpenAPI document" whatever the state of the bug, and never passed after a fix.
    `const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), ${JSON.stringify(toRoot)})`,
    '',
    ...(needs.length
      ? [
          `// Read from the environment: ${needs.join(', ')}. Without what the exploration used (its document, its`,
          '// credentials), a regression journey would replay nothing of what broke the invariant.',
          'function fromEnvironment(name: string): string {',
          '  const value = process.env[name]',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the module's own template literal
          "  if (!value) throw new Error(`${name} not set: the regression journeys beside this module need what venomqa explore --openapi used`)",
          '  return value',
          '}',
          '',
        ]
      : []),
    `export default openApiExploration(${documentSource}, { name: ${JSON.stringify(explorationName(document))}, auth: ${authSource}, root, ...${JSON.stringify(selection)} })`,
    '',
  ].join('\n')
}

/** Where the regression journeys read a document URL that holds a key. */
export const URL_VARIABLE = 'VENOMQA_OPENAPI_URL'
/** Where the regression journeys of an `openapi.auth` with a bearer token read it. */
export const BEARER_VARIABLE = 'VENOMQA_OPENAPI_BEARER'
/** Where they read the login credentials of an `openapi.auth` with a log-in, as JSON. */
export const CREDENTIALS_VARIABLE = 'VENOMQA_OPENAPI_CREDENTIALS'

/** The environment variables the regression journeys of this document and `openapi.auth` need: `explore` says so. */
export function moduleVariables(document: string, options: OpenApiConfig): string[] {
  const auth = options.auth
  const variables = redactText(document) !== document ? [URL_VARIABLE] : []
  if (auth && 'bearer' in auth) variables.push(BEARER_VARIABLE)
  else if (auth?.credentials) variables.push(CREDENTIALS_VARIABLE)
  return variables
}

async function writeIfChanged(file: string, text: string): Promise<void> {
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return
  await makeDirectories(path.dirname(file))
  await writeFile(file, text)
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source)
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}

/**
 * A document file that is not there, with a config in another directory than the one the command runs in:
 * `--openapi` is read from the project root (the config's directory), not from where the command runs, so
 * the message says which path was read. Without it, `venomqa explore -c app/venomqa.config.ts --openapi
 * openapi.yaml` said "no such file" of a file the user could see beside them.
 */
function fromProjectRoot(err: unknown, source: string, root: string): unknown {
  // By its code, not instanceof: @venomqa/openapi may be the project's install, with a @venomqa/core of its own.
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'E_CONFIG' || isUrl(source) || path.isAbsolute(source)) return err
  if (path.resolve(root) === path.resolve(process.cwd())) return err
  if (!/^cannot read the OpenAPI document .*: no such file(?: \(did you mean [^)]*\?\))?$/.test(err.message)) return err
  const read = toPosix(path.relative(process.cwd(), path.resolve(root, source)))
  return new ConfigError(`${err.message} (--openapi is read from the project root, the config file's directory: ${read})`, { where: (err as { where?: string }).where, cause: err })
}
