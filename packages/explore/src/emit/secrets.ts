import { createHash } from 'node:crypto'
import { holdsMask, isMadeUpSecret, isSecretEntry, isSecretKey, knownSecrets, redactText, secretEnvName } from '@venomqa/core'
import { Code, isPlainObject } from './code'

/**
 * Whether a value must never be written into the emitted journey: it was redacted when recorded, sits
 * under a secret key (by `isSecretName`: core's isSecretKey for a body's key, isSecretQueryName for a
 * query parameter or a form field, which redaction masks `?session=` and `?sig=` by), is a value this
 * process knows to be secret (a token seen in a secret header or field), or holds one (a bearer token
 * inside a string).
 */
export function isSecretValue(value: unknown, key?: string, isSecretName: (key: string) => boolean = isSecretKey): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return false
  const text = String(value)
  if (isMadeUpSecret(value)) return false
  if (typeof value === 'string' && key !== undefined && isSecretName(key) && value !== '') return true
  // A mask in it (`[REDACTED]`, a URL's `app:***@`): the record hid a secret there.
  return holdsMask(text) || knownSecrets.has(value) || redactText(text) !== text
}

/**
 * The secrets a journey refers to, each read from an environment variable named after where it sat:
 * `VENOMQA_SECRET_PASSWORD`, and for a second value of that name `VENOMQA_SECRET_PASSWORD_2` (`_3`...),
 * as a curl command names what a report hid. One variable per value: a value the run knows (the
 * context's, an action's input, a value the record kept) is told apart by itself; one the record hid,
 * by where it was sent (a body field and a query parameter of one name are two values to it). Read from
 * one variable, two values would be sent as one, and the replay would not send what broke the invariant.
 */
export class SecretRefs {
  /** Each variable: what it stands for, and the value (hashed: never kept as it is) or the place it is told by. */
  readonly #vars = new Map<string, { where: string; identity: string }>()

  /** `process.env.VENOMQA_SECRET_<KEY>`, or `..._<KEY>_2` for another value of that name. */
  ref(key: string | undefined, where: string, value?: unknown): Code {
    return this.#code(secretEnvName(key), where, identityOf(value, where))
  }

  /**
   * For a value the journey only shows (an action's input, in the sequence it checks the invariant
   * with) and does not send: the first variable of its name, which a request of the sequence sent the
   * value from (an input is usually sent as it is); a variable of its own when there is none.
   */
  refByName(key: string | undefined, where: string, value?: unknown): Code {
    const identity = identityOf(value, where)
    const base = secretEnvName(key)
    // The variable a request sent this very value from: of an input `{ passwords: [a, b] }` sent as it is,
    // `b` is the second variable of the name, not the first. One of its own name first, then any.
    const holding = identity.startsWith('value ') ? [...this.#vars].filter(([, v]) => v.identity === identity).map(([name]) => name) : []
    const same = holding.find((name) => name === base || new RegExp(`^${base}_\\d+$`).test(name)) ?? holding[0]
    if (same) return new Code(`process.env.${same}`)
    return this.#vars.has(base) ? new Code(`process.env.${base}`) : this.#code(base, where, identity)
  }

  /** Each variable and what it stands for, in the order first used. */
  get used(): [name: string, where: string][] {
    return [...this.#vars].map(([name, v]) => [name, v.where])
  }

  #code(base: string, where: string, identity: string): Code {
    let name = base
    for (let n = 2; this.#vars.has(name) && this.#vars.get(name)!.identity !== identity; n++) name = `${base}_${n}`
    if (!this.#vars.has(name)) this.#vars.set(name, { where, identity })
    return new Code(`process.env.${name}`)
  }
}

/** A value as it is, hashed, when the run knows it; else the place it was sent to, which is all the record says. */
function identityOf(value: unknown, where: string): string {
  const known = (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') && !holdsMask(String(value))
  return known ? `value ${createHash('sha256').update(String(value)).digest('hex')}` : `place ${where}`
}

/**
 * A list or an object whose every leaf is a secret (see secretTree): one redaction masks whole
 * (`passwords: [...]`, `credentials: {...}`), or a list under any secret key (`tokenList: [...]`, whose
 * items are masked one by one). An object under `auth` (`{ type: 'bearer', token }`) is read entry by
 * entry instead, as redaction reads it.
 */
export function isSecretList(key: string | undefined, value: unknown): value is unknown[] | Record<string, unknown> {
  if (key === undefined || !(Array.isArray(value) || isPlainObject(value))) return false
  return isSecretEntry(key, value) || (Array.isArray(value) && isSecretKey(key))
}

/** Where a secret leaf sits below the key that names it (`passwords[1]`, `credentials.password`), for the journey's header. */
export type SecretRefer = (name: string, at: string, leaf: unknown) => Code

/**
 * A list or an object that sits under a key naming secrets (`passwords: ['a', 'b']`, `credentials: { user,
 * password }`, which a record masks whole), with its shape: each secret leaf as `refer` writes it, named
 * after the key and the object keys below it (`credentials_password`; the items of a list share its name,
 * which SecretRefs numbers `_2`, `_3` by value), every other leaf as it is (null, a boolean, an empty
 * string, a value VenomQA made up). Read from one variable, the list would be sent as a string where the
 * app got a list, and the replay would not send what broke the invariant.
 */
export function secretTree(value: unknown, key: string, refer: SecretRefer, at: string = key, depth = 0): unknown {
  if (depth > 50) return refer(key, at, value)
  if (Array.isArray(value)) return value.map((v, i) => secretTree(v, key, refer, `${at}[${i}]`, depth + 1))
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretTree(v, `${key}_${k}`, refer, `${at}.${k}`, depth + 1)]))
  if (value === null || value === undefined || typeof value === 'boolean' || value === '' || isMadeUpSecret(value)) return value
  return refer(key, at, value)
}
