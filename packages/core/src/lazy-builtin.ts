/**
 * A Node built-in module, loaded when first asked for and kept: some cost more to load than a request
 * (https pulls in tls and crypto), and a command that sends nothing needs none of them. Kept, not asked
 * for again: `process.getBuiltinModule` checks and resolves its id at every call, and the transport asks
 * at every request.
 */
export function lazyBuiltin<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= process.getBuiltinModule(id) as T)
}
