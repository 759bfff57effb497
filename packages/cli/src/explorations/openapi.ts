import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ResolvedConfig } from '../config/load'
import type { OpenApiConfig } from '../config/types'
import type { LoadedExploration } from './load'

/** The module `--openapi` writes beside the regression journeys: they import the exploration from it. */
export const OPENAPI_MODULE = 'openapi.exploration.ts'
const DEFAULT_EMIT_DIR = 'journeys/regressions'

/**
 * `venomqa explore --openapi <file|url>`: an exploration made of the document and the config's `openapi`
 * key alone. The document is loaded here first, so that a document that does not parse, a `$ref` to
 * nowhere or an include naming no operation stops the command (exit 2) before anything runs. When
 * journeys are emitted, the exploration is written as a module beside them: an emitted journey runs the
 * exploration's setup and invariant from it, under `venomqa run`, with no explore file in the project.
 */
export async function openApiExploration(source: string, config: ResolvedConfig, emit: string | boolean | undefined): Promise<LoadedExploration> {
  const openapi = await import('@venomqa/openapi')
  const document = isUrl(source) ? source : toPosix(path.relative(config.root, path.resolve(config.root, source)))
  const options = config.openapi ?? {}
  await openapi.loadDocument(document, { root: config.root })
  const exploration = openapi.openApiExploration(document, { ...options, name: `openapi ${document}`, root: config.root })
  // The sources are loaded now for their errors (an include naming nothing): the engine would report them later and less plainly.
  const env = { root: config.root, baseUrl: config.baseUrl, signal: new AbortController().signal }
  for (const s of [...exploration.actions, ...exploration.invariants]) if (s.kind === 'action-source' || s.kind === 'invariant-source') await s.load(env)
  const dir = emit === false ? undefined : typeof emit === 'string' ? emit : DEFAULT_EMIT_DIR
  if (!dir) return { exploration, file: document }
  const file = toPosix(path.join(dir, OPENAPI_MODULE))
  await writeIfChanged(path.join(config.root, file), moduleSource(document, options))
  return { exploration, file }
}

/** The module's text. Credentials never reach it: they are read from the environment when given. */
function moduleSource(document: string, options: OpenApiConfig): string {
  const auth = options.auth
  const lines = [
    '// The exploration `venomqa explore --openapi` ran: the regression journeys beside this file import it, for the',
    '// setup (auth) and the invariant they check. Written again by each `venomqa explore --openapi`; paths are from the project root.',
  ]
  const needs: string[] = []
  let authSource = 'undefined'
  if (auth && 'bearer' in auth) {
    needs.push(BEARER_VARIABLE)
    authSource = `{ bearer: fromEnvironment(${JSON.stringify(BEARER_VARIABLE)}) }`
  } else if (auth) {
    const { credentials, ...rest } = auth
    if (credentials) needs.push(CREDENTIALS_VARIABLE)
    authSource = credentials ? `{ ...${JSON.stringify(rest)}, credentials: JSON.parse(fromEnvironment(${JSON.stringify(CREDENTIALS_VARIABLE)})) }` : JSON.stringify(rest)
  }
  const selection = { ...(options.include ? { include: options.include } : {}), ...(options.exclude ? { exclude: options.exclude } : {}) }
  return [
    ...lines,
    "import { openApiExploration } from '@venomqa/openapi'",
    '',
    ...(needs.length
      ? [
          `// ${needs[0] === BEARER_VARIABLE ? 'The bearer token' : 'The login credentials (JSON)'} the exploration used: without it every request would be refused, and a`,
          '// regression journey would replay nothing of what broke the invariant.',
          'function fromEnvironment(name: string): string {',
          '  const value = process.env[name]',
          "  if (!value) throw new Error(`set ${name}: the regression journeys send what openapi.auth in the config gave venomqa explore`)",
          '  return value',
          '}',
          '',
        ]
      : []),
    `export default openApiExploration(${JSON.stringify(document)}, { name: ${JSON.stringify(`openapi ${document}`)}, auth: ${authSource}, ...${JSON.stringify(selection)} })`,
    '',
  ].join('\n')
}

/** Where the regression journeys of an `openapi.auth` with a bearer token read it. */
export const BEARER_VARIABLE = 'VENOMQA_OPENAPI_BEARER'
/** Where they read the login credentials of an `openapi.auth` with a log-in, as JSON. */
export const CREDENTIALS_VARIABLE = 'VENOMQA_OPENAPI_CREDENTIALS'

/** The environment variable the regression journeys of this `openapi.auth` need, if any: `explore` says so. */
export function authVariable(options: OpenApiConfig): string | undefined {
  const auth = options.auth
  if (!auth) return undefined
  if ('bearer' in auth) return BEARER_VARIABLE
  return auth.credentials ? CREDENTIALS_VARIABLE : undefined
}

async function writeIfChanged(file: string, text: string): Promise<void> {
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source)
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}
