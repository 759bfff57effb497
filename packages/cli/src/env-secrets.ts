import { commentText, literal, quote } from './codegen'

/**
 * Secrets in the journeys the CLI writes (`venomqa generate`, `venomqa import postman`). Journey files are
 * committed, so a secret is never written into one: the code reads it from an environment variable
 * through one emitted function, the file's header says which variables to set, and the command says it
 * once on stderr. Both commands write the same words, so that a user meets one convention.
 */

/** An environment variable the written journeys read a secret from, and what it stands for. */
export interface SecretEnv {
  name: string
  standsFor: string
}

/** The code that reads the secret of `name`: the call of the function `secretsReader` writes. */
export function secretRead(name: string): string {
  return `fromEnvironment(${quote(name)})`
}

/** The header lines naming each variable. The same words as the exploration emitter's header. */
export function secretsHeader(secrets: readonly SecretEnv[]): string[] {
  if (!secrets.length) return []
  return [
    '// Secrets are never written here; set these environment variables to send the values they stand for:',
    ...secrets.map((s) => `//   ${s.name}: ${commentText(s.standsFor)}`),
  ]
}

/**
 * Every secret is read through one function, which names an unset variable: `process.env.X` alone would
 * send the text "undefined" in its place (`?? ''` an empty token), and a request that accepts it (a
 * sign-up, a login with that password, an endpoint that ignores a bad token) would pass, the run green
 * while the secret never reached the API.
 */
export function secretsReader(secrets: readonly SecretEnv[]): string[] {
  if (!secrets.length) return []
  const standsFor = Object.fromEntries(secrets.map((s) => [s.name, s.standsFor]))
  return [
    '/** What each environment variable above stands for: said when one is not set. */',
    `const secretSources: Record<string, string> = ${literal(standsFor, '', 120)}`,
    '',
    '/**',
    ' * A secret, read when a step sends it. Unset, that step fails naming it, instead of sending "undefined",',
    " * and names the file's other unset variables too: one run tells everything to set.",
    ' */',
    'function fromEnvironment(name: string): string {',
    '  const env = process.env',
    '  const value = env[name]',
    '  if (!value) {',
    '    const unset = [name, ...Object.keys(secretSources).filter((other) => other !== name && !env[other])]',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
    "    const others = unset.length > 1 ? `; this file also reads ${unset.slice(1).join(', ')}, not set either` : ''",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
    "    const error = new Error(`${name} is not set: export it with the value of ${secretSources[name]}${others}`)",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
    "    throw Object.assign(error, { suggestion: `Set ${unset.join(', ')} in the environment venomqa run starts in (on CI, from a secret): no journey file holds ${unset.length > 1 ? 'them' : 'it'}.` })",
    '  }',
    '  // Masked from now on in the console, the reports and the results, wherever a step sends it: in a header',
    '  // or a URL path whose name says nothing of a secret too.',
    '  knownSecrets.add([value])',
    '  return value',
    '}',
    '',
  ]
}

/**
 * What the command tells the user once, on stderr: which environment variables the written journeys
 * read, since a run without them sends no credential. Empty when the journeys read none.
 */
export function secretsNotice(secrets: readonly SecretEnv[]): string {
  if (!secrets.length) return ''
  const lines = secrets.map((s) => `  ${s.name}: ${s.standsFor}\n`).join('')
  const n = secrets.length
  return `venomqa: no secret is written in the journeys; they read ${n === 1 ? 'it' : 'them'} from ${n === 1 ? 'this environment variable' : 'these environment variables'}, to set before venomqa run:\n${lines}`
}
