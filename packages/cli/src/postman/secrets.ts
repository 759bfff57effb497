import { MASKED_PASSWORD, MASK_IN_TEXT, labelNamesSecret, redactText, secretEnvName } from '@venomqa/core'
import type { SecretEnv } from '../env-secrets'
import type { Variable } from './collection'

/**
 * Secrets in an imported collection. Journey files are committed, so no secret value is ever written into
 * one: the code reads it from an environment variable instead, and the file's header says which variables
 * to set, named by core's secretEnvName as the exploration emitter's are: `VENOMQA_SECRET_` and the name
 * of the place the value sat (a variable's key, a header's name, `bearer token`), upper snake-cased.
 */

/**
 * Whether a variable's value is a secret as a whole: Postman marks it so (`"type": "secret"`), or its key
 * names one by the rule every reporter masks with. An empty value hides nothing, and a value that only
 * refers to other variables (`{{apiKey}}`) holds none itself: both stay as they are.
 */
export function isSecretVariable(variable: Variable): boolean {
  if (typeof variable.value !== 'string' && typeof variable.value !== 'number') return false
  if (String(variable.value).replace(/\{\{[^{}]+\}\}/g, '').trim() === '') return false
  return variable.secret === true || labelNamesSecret(variable.key)
}

/**
 * The environment variables the journeys of one import read. One registry for all the files, so that a
 * secret has the same name in each; the same value found twice is one variable, and two values that would
 * share a name are told apart by `_2`, `_3`. Names depend only on the collection, not on the run.
 */
export class SecretEnvs {
  readonly #byValue = new Map<string, string>()
  readonly #standsFor = new Map<string, string>()

  /** The variable holding `value`, named after `key` the first time it is seen. */
  name(value: string, key: string, standsFor: string): string {
    const known = this.#byValue.get(value)
    if (known) return known
    const wanted = secretEnvName(key)
    let name = wanted
    for (let i = 2; this.#standsFor.has(name); i++) name = `${wanted}_${i}`
    this.#byValue.set(value, name)
    this.#standsFor.set(name, standsFor)
    return name
  }

  standsFor(name: string): string {
    return this.#standsFor.get(name) ?? ''
  }

  /** Every variable handed out, in the order first used. */
  get all(): SecretEnv[] {
    return [...this.#standsFor].map(([name, standsFor]) => ({ name, standsFor }))
  }
}

/** A piece of literal text: plain, or a credential to read from the environment, with the name it sat under. */
export type Span = { text: string; secret: false } | { text: string; secret: true; label?: string }

/**
 * Literal text cut where core's redactText would mask it (`api_key=...` in a query, `Bearer ...`, the
 * password of `https://user:pass@host`, `"password": "..."`), so that only the credential is read from the
 * environment and the rest stays readable. Text with nothing to mask is one plain span.
 */
export function credentialSpans(text: string): Span[] {
  const masked = redactText(text)
  if (masked === text) return [{ text, secret: false }]
  // Split at each mask, the masks kept (odd places): `[REDACTED]`, or a URL's password, `***` after its user.
  const pieces = masked.split(new RegExp(`(${MASK_IN_TEXT.source})`))
  const kept = pieces.filter((_, i) => i % 2 === 0)
  const masks = pieces.filter((_, i) => i % 2 === 1)
  // The kept parts in order, each masked part between two of them: the shortest match lines them up.
  const pattern = new RegExp(`^${kept.map(escapeRegExp).join('([\\s\\S]*?)')}$`)
  const match = pattern.exec(text)
  if (!match) return [{ text, secret: true }]
  const spans: Span[] = []
  kept.forEach((part, i) => {
    if (part) spans.push({ text: part, secret: false })
    const secret = match[i + 1]
    if (secret) spans.push({ text: secret, secret: true, label: masks[i] === MASKED_PASSWORD ? 'password' : labelBefore(part) })
  })
  return spans
}

/** The name a masked value follows (`api_key` in `?api_key=`, `bearer` in `Bearer `), if it follows one. */
function labelBefore(text: string): string | undefined {
  const named = /([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?$/.exec(text)
  if (named) return named[1]
  return /\b(Bearer|Basic)\s+$/i.exec(text)?.[1]
}

/**
 * An auth scheme before a credential (`Bearer abc`): kept in the code, so that the environment variable
 * holds the credential alone, as the user has it.
 */
export function splitScheme(text: string): { before: string; credential: string; after: string } {
  const m = /^(\s*(?:(?:Bearer|Basic|Token|Digest|ApiKey)\s+)?)([\s\S]*?)(\s*)$/i.exec(text)!
  return { before: m[1]!, credential: m[2]!, after: m[3]! }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
