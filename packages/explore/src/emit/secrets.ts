import { REDACTED, isSecretKey, knownSecrets, redactText, secretEnvName } from '@venomqa/core'
import { Code } from './code'

/**
 * Whether a value must never be written into the emitted journey: it was redacted when recorded, sits
 * under a secret key, is a value this process knows to be secret (a token seen in a secret header or
 * field), or holds one (a bearer token inside a string).
 */
export function isSecretValue(value: unknown, key?: string): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return false
  const text = String(value)
  if (typeof value === 'string' && key !== undefined && isSecretKey(key) && value !== '') return true
  return text.includes(REDACTED) || knownSecrets.has(value) || redactText(text) !== text
}

/** The secrets a journey refers to, each read from an environment variable named after where it sat. */
export class SecretRefs {
  readonly #names = new Map<string, string>()

  /** `process.env.VENOMQA_SECRET_<KEY>`, remembered with what it stands for. */
  ref(key: string | undefined, where: string): Code {
    const name = secretEnvName(key)
    if (!this.#names.has(name)) this.#names.set(name, where)
    return new Code(`process.env.${name}`)
  }

  /** Each variable and what it stands for, in the order first used. */
  get used(): [name: string, where: string][] {
    return [...this.#names]
  }
}
