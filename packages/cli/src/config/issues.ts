import { didYouMean, isSecretOptionKey, redactText, schemaKeysAt, shapedUnionBranch, toldByShape } from '@venomqa/core'
import type * as z from 'zod/mini'
import type { HiddenValue } from './interpolate'
import { EXPECTED, KNOWN_KEYS, OWN_MESSAGE, configSchema } from './schema'

type Segment = PropertyKey

/** `profiles.ci.plugins[0]`: how the user would point at the key in their file. */
export function keyPath(path: readonly Segment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(String(seg))}]`
  }
  return out || '(top level)'
}

/** The EXPECTED entry for a path: profile prefixes dropped, list items as `key[]`, map values as `key.*`. */
function expectedFor(path: readonly Segment[]): string | undefined {
  let p = [...path]
  if (p[0] === 'profiles' && p.length > 2) p = p.slice(2)
  const [head, second] = p
  if (typeof head !== 'string') return undefined
  if (p.length === 1) return EXPECTED[head]
  if (p.length === 2 && typeof second === 'number') return EXPECTED[`${head}[]`]
  if (p.length === 2 && (head === 'headers' || head === 'profiles')) return EXPECTED[`${head}.*`]
  // A nested key with an entry of its own (`openapi.auth`): zod's own words for a union are "Invalid input".
  if (p.every((seg) => typeof seg === 'string')) return EXPECTED[p.join('.')]
  // An item of a nested list (`http.retry.statuses[1]`).
  if (typeof p.at(-1) === 'number' && p.slice(0, -1).every((seg) => typeof seg === 'string')) return EXPECTED[`${p.slice(0, -1).join('.')}[]`]
  return undefined
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let v: unknown = root
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[seg as string]
  }
  return v
}

/** A short description of what the user wrote: `"abc"`, `-1`, `an array`, `nothing`. */
export function describeValue(v: unknown, secret = false): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  // A shape ("an object") hides nothing: only what could be the secret itself is hidden.
  if (secret && !toldByShape(v)) return 'a hidden value'
  if (typeof v === 'string') {
    // Masked as free text first: a URL's `?api_key=`, a `password=` in a connection string.
    const shown = redactText(v)
    return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown)
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `a list of ${v.length}`
  if (typeof v === 'function') return 'a function'
  return 'an object'
}

/** The keys an object at this path may have, for "unknown key" messages. */
function knownKeysAt(path: readonly Segment[]): string[] | undefined {
  if (path.length === 0) return KNOWN_KEYS
  if (path[0] === 'profiles' && path.length === 2) return KNOWN_KEYS.filter((k) => k !== 'profiles')
  const p = path[0] === 'profiles' && path.length > 2 ? path.slice(2) : path
  if (p[0] === 'reporters' && p.length === 2) return ['name', 'output', 'options']
  return schemaKeysAt(configSchema(), p)
}

/**
 * What a value read from secret-named variables is called in a message: by its variables, never itself
 * (`retries: ${DB_PASSWORD}` used to print the password as the value that is not a number).
 */
function describeHidden(value: unknown, hidden: readonly HiddenValue[]): string {
  const names = [...new Set(hidden.map((h) => `$${h.name}`))]
  const exact = hidden.find((h) => h.value === value)
  return exact ? `the value of $${exact.name}` : `a value made with ${names.length === 1 ? 'the value of ' : 'the values of '}${names.join(', ')}`
}

/** One line per problem: `retries: expected a whole number from 0 to 100, got "3x"`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, hidden: readonly HiddenValue[] = []): string[] {
  const lines: string[] = []
  // The keys an object takes are listed at its first unknown key only: on every line, two typos at the
  // top level printed all of them twice, and hid the typos among them.
  const listedAt = new Set<string>()
  for (const issue of issues) {
    const path = issue.path as Segment[]
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(path)
      for (const key of issue.keys) {
        const hint = known ? didYouMean(key, known) : undefined
        const list = known && !listedAt.has(keyPath(path)) ? `; known keys: ${known.join(', ')}` : ''
        listedAt.add(keyPath(path))
        lines.push(`${keyPath([...path, key])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}${list}`)
      }
      continue
    }
    // One form of a union that the value has the shape of (`{ bearer }` with bearer unset): its own
    // problems, named at their keys, say more than "expected { bearer } or { login, ... }".
    const shaped = shapedUnionBranch<z.core.$ZodIssue>(issue)
    if (shaped) {
      lines.push(...formatIssues(shaped.map((i) => ({ ...i, path: [...path, ...i.path] })), input, hidden))
      continue
    }
    const value = valueAt(input, path)
    const secret = path.some(isSecretOptionKey)
    const expected = ownMessage(issue)?.replace(/^expected /, '') ?? expectedFor(path) ?? zodExpected(issue)
    const at = keyPath(path)
    const fromSecrets = typeof value === 'string' && !secret ? hidden.filter((h) => keyPath(h.path) === at) : []
    lines.push(`${at}: expected ${expected}, got ${fromSecrets.length ? describeHidden(value, fromSecrets) : describeValue(value, secret)}`)
  }
  return lines
}

/** The message of a check that has one of its own (see OWN_MESSAGE): it says more than the key's description. */
export function ownMessage(issue: z.core.$ZodIssue): string | undefined {
  return issue.code === 'custom' && (issue.params as Record<string, unknown> | undefined)?.[OWN_MESSAGE] ? issue.message : undefined
}

function zodExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'tuple' ? 'a [name, options] pair' : issue.expected === 'record' || issue.expected === 'object' ? 'an object' : `a ${issue.expected}`
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'a non-empty string' : `a string of at least ${String(issue.minimum)} characters`
      if (issue.origin === 'array') return `a list of at least ${String(issue.minimum)}`
      return `a value of at least ${String(issue.minimum)}`
    case 'too_big':
      return `a value of at most ${String(issue.maximum)}`
    case 'invalid_format':
      return issue.format === 'starts_with' ? `a string starting with ${JSON.stringify((issue as { prefix?: string }).prefix)}` : `a ${issue.format}`
    default:
      return issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '')
  }
}
