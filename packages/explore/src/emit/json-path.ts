import { deepEqual } from '@venomqa/core'
import { accessor } from './code'

export type JsonPath = (string | number)[]

/** Every place in `body` that holds `value` (deep equality for objects), in document order. */
export function pathsOf(body: unknown, value: unknown): JsonPath[] {
  const found: JsonPath[] = []
  const walk = (node: unknown, at: JsonPath, depth: number): void => {
    if (depth > 50) return
    if (node === value || (typeof value === 'object' && value !== null && deepEqual(node, value))) {
      found.push(at)
      return
    }
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...at, i], depth + 1))
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...at, k], depth + 1)
  }
  walk(body, [], 0)
  return found
}

/** Every primitive leaf of `body` with where it sits. */
export function leavesOf(body: unknown): { path: JsonPath; value: string | number }[] {
  const out: { path: JsonPath; value: string | number }[] = []
  const walk = (node: unknown, at: JsonPath, depth: number): void => {
    if (depth > 50) return
    if (typeof node === 'string' || (typeof node === 'number' && Number.isFinite(node))) out.push({ path: at, value: node })
    else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...at, i], depth + 1))
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...at, k], depth + 1)
  }
  walk(body, [], 0)
  return out
}

/**
 * The path a context key was most likely read from: the one whose last key is the context key itself
 * (`token` for `token`), then one the key ends with (`id` for `todoId`), then a plain `id`, then the
 * shortest, then the first in the document.
 */
export function bestPath(paths: readonly JsonPath[], ctxKey: string): JsonPath | undefined {
  return [...paths].sort((a, b) => pathScore(a, ctxKey) - pathScore(b, ctxKey) || a.length - b.length)[0]
}

/** How well a path's last key names a context key, as bestPath ranks it: 0 the key itself, 3 a name that says nothing of it. */
export function pathScore(path: JsonPath, ctxKey: string): number {
  const last = String(path[path.length - 1] ?? '').toLowerCase()
  const key = ctxKey.toLowerCase()
  if (last === key) return 0
  if (last && key.endsWith(last)) return 1
  if (last === 'id') return 2
  return UNNAMED
}

/** The score of a path whose name says nothing of the key (`page` for `projectId`). */
export const UNNAMED = 3

/** `.user.id`, `[0].id`: a path as property accesses. */
export function accessPath(path: JsonPath): string {
  return path.map(accessor).join('')
}

/** A name for a value read from a response: `id`, `user_id`, `items_0_id`. */
export function pathName(path: JsonPath): string {
  return path.map(String).join('_') || 'body'
}
