import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type * as Zod from 'zod'

/** zod's `z`, for the functions that build a schema. */
export type ZodApi = typeof Zod.z

let zod: typeof Zod | undefined

/**
 * zod, loaded when a schema of the runner's own plugins (memory, http-control) is first used. Importing the
 * runner must not cost zod's start-up (95 modules, as long as loading the rest of the runner) to a run
 * that never checks those options, which is every library run without them.
 *
 * Required, so that a synchronous check (`memoryPorts({...})` throws at once) can load it: Node 20.19,
 * the oldest Node VenomQA runs on, requires ES modules. It is zod's ES entry, the one instance
 * `import 'zod'` gives the CLI and the plugins; a CommonJS build of the runner, which has no
 * `import.meta.resolve`, takes zod's CommonJS entry, as its own consumers do.
 */
export function loadZod(): typeof Zod {
  if (!zod) {
    const entry = typeof import.meta.resolve === 'function' ? fileURLToPath(import.meta.resolve('zod')) : 'zod'
    zod = createRequire(import.meta.url)(entry) as typeof Zod
  }
  return zod
}

/**
 * A zod schema built the first time anything reads it, then that schema in every respect: its methods,
 * its Standard Schema interface, its prototype (`instanceof`). `build` gets zod's `z`.
 */
export function lazySchema<Schema extends object>(build: (z: ZodApi) => Schema): Schema {
  let schema: Schema | undefined
  const real = () => (schema ??= build(loadZod().z))
  return new Proxy({} as Schema, {
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor(_target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key)
      // A proxy may not report a property its (empty) target lacks as non-configurable.
      return descriptor && { ...descriptor, configurable: true }
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  })
}
