/**
 * The keys an object schema takes at a path, for "did you mean" under an unknown key. Standard Schema has
 * no way to list them: this reads the definitions zod 4 keeps on every schema (`_zod.def`, the same in zod
 * and zod/mini), through what only wraps a schema (optional, a default, a pipe, a lazy getter). A union's
 * keys are those of each of its object forms. Anything else (another library's schema) gives undefined,
 * and then no suggestion.
 */
export function schemaKeysAt(schema: unknown, path: readonly PropertyKey[] = []): string[] | undefined {
  let s = unwrapped(schema)
  for (const seg of path) {
    const def = definition(s)
    if (def?.type === 'object' && typeof seg === 'string') s = unwrapped((def.shape as Record<string, unknown>)[seg])
    // The form of a union that has this key: `openapi.auth.signUp` is in the log-in form.
    else if (def?.type === 'union' && typeof seg === 'string') s = unwrapped((def.options as unknown[]).map((o) => definition(unwrapped(o))).find((d) => d?.type === 'object' && seg in (d.shape as object))?.shape?.[seg as never])
    else if (def?.type === 'array' && typeof seg === 'number') s = unwrapped(def.element)
    else return undefined
  }
  return keysOf(s)
}

function keysOf(schema: unknown): string[] | undefined {
  const def = definition(schema)
  if (def?.type === 'object') return Object.keys(def.shape as object)
  if (def?.type !== 'union') return undefined
  const keys = (def.options as unknown[]).flatMap((o) => keysOf(unwrapped(o)) ?? [])
  return keys.length ? [...new Set(keys)] : undefined
}

function definition(schema: unknown): Record<string, unknown> | undefined {
  return (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def
}

const WRAPPERS = ['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional']

function unwrapped(schema: unknown): unknown {
  let s = schema
  for (let i = 0; i < 8; i++) {
    const def = definition(s)
    if (def && WRAPPERS.includes(def.type as string)) s = def.innerType
    else if (def?.type === 'pipe') s = def.in
    else if (def?.type === 'lazy' && typeof def.getter === 'function') s = (def.getter as () => unknown)()
    else break
  }
  return s
}
