import { ConfigError, isSecretKey } from '@venomqa/core'
import { keyPath } from './issues'
import { type TypedVariable, typedValueOf } from './typed-variables'

/**
 * A variable (`${NAME}`, `${NAME:-default}`, escaped as `$${NAME}`), or else any other `${`: one that is
 * not a variable (`${UNCLOSED`, `${}`, `${A-B}`, `${X:default}`), which was sent as it was written.
 */
const VAR = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$(\$?)\{/g

/**
 * A variable that is unset and has no default, at a key path; or, `malformed`, a `${` that is no variable,
 * which is the file's mistake whatever the environment and profile.
 */
export interface UnsetVariable {
  path: PropertyKey[]
  message: string
  malformed?: true
}

/**
 * A value read from a variable whose name is a secret's (`API_TOKEN`, `DB_PASSWORD`), at a key path. A
 * config error describes it as "the value of $API_TOKEN", and the run masks it in every output: under a
 * key that names no secret (`headers: { X-Api: ${API_SECRET} }`, `baseUrl: ${API_TOKEN}`), nothing else
 * would tell that it is one.
 */
export interface HiddenValue {
  path: PropertyKey[]
  name: string
  value: string
}

/**
 * Replace `${VAR}` and `${VAR:-default}` in every string of a config, from `env`. `$${VAR}` stays
 * literal (`${VAR}`). A variable that is unset and has no default is an error naming the key; with
 * `unset` given, each is collected there instead (and left empty), so all problems are told at once.
 * Only plain objects and arrays are walked: plugin objects in a TS config are left alone. With `hidden`
 * given, the values read from secret-named variables are collected there (see HiddenValue); with `typed`,
 * the strings that were one variable whole and read as a number or a boolean (see TypedVariable).
 */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  source: string,
  path: PropertyKey[] = [],
  unset?: UnsetVariable[],
  hidden?: HiddenValue[],
  typed?: TypedVariable[],
): unknown {
  if (typeof value === 'string') {
    // Filled in as the app starts, from what the plugins and backends set by then (see RunAppOptions.env).
    if (isAppEnvValue(path)) return value
    const text = interpolateString(value, env, source, path, unset, hidden)
    if (typed && WHOLE_VARIABLE.test(value)) {
      const typedValue = typedValueOf(text)
      if (typedValue !== undefined) typed.push({ path, value: typedValue })
    }
    return text
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, source, [...path, i], unset, hidden, typed))
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, source, [...path, k], unset, hidden, typed)
    return out
  }
  return value
}

/** A value of `app.env` (also in a profile): `app.env.DATABASE_URL`, `profiles.ci.app.env.DATABASE_URL`. */
function isAppEnvValue(path: PropertyKey[]): boolean {
  const at = path[0] === 'profiles' ? path.slice(2) : path
  return at.length === 3 && at[0] === 'app' && at[1] === 'env'
}

/** A string that is one variable and nothing else (`${RETRIES}`, `${RETRIES:-2}`): see TypedVariable. */
const WHOLE_VARIABLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  source: string,
  path: PropertyKey[],
  unset?: UnsetVariable[],
  hidden?: HiddenValue[],
): string {
  return text.replace(VAR, (whole, escaped: string, name: string | undefined, fallback: string | undefined, escapedOther: string, at: number) => {
    if (escaped) return whole.slice(1)
    // `$${` before what is no variable is text, as it was.
    if (escapedOther) return whole
    if (name === undefined) {
      const message = `${keyPath(path)}: ${malformedVariable(text.slice(at), isSecretKey(String(path[path.length - 1] ?? '')))}`
      if (!unset) throw new ConfigError(message, { where: source })
      unset.push({ path, message, malformed: true })
      return whole
    }
    const v = env[name]
    if (v !== undefined && v !== '') {
      // Only what came from the environment: a default is written in the file for all to read.
      if (hidden && isSecretKey(name)) hidden.push({ path, name, value: v })
      return v
    }
    if (fallback !== undefined) return fallback
    const message = `${keyPath(path)}: environment variable ${name} is not set (set it, or give a default: \${${name}:-value})`
    if (!unset) throw new ConfigError(message, { where: source })
    unset.push({ path, message })
    return ''
  })
}

/**
 * What is wrong with a `${` that starts no variable (`rest` is the text from it on), and how it is
 * written; the text itself is left out under a key that names a secret.
 */
function malformedVariable(rest: string, secret: boolean): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME}, as the user writes it
  const how = 'write ${NAME} or ${NAME:-default} (a name of letters, digits and _, not starting with a digit), or $${ for the text ${'
  const close = rest.indexOf('}')
  if (close < 0) return `a "\${" with no closing "}": ${how}`
  const inner = rest.slice(2, close)
  if (!inner.trim()) return `an empty "\${}": ${how}`
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${...}, its text left out
  const shown = secret ? 'a "${...}"' : `"${rest.slice(0, close + 1).slice(0, 60)}"`
  return `${shown} is not a variable: ${how}`
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}
