import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { type InspectOptions, inspect } from 'node:util'
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
 * its Standard Schema interface, its prototype (`instanceof`), and writes (a test's spy) go to it too;
 * `Object.freeze`, `seal` and `preventExtensions` close it.
 * `build` gets zod's `z`. Printed (`console.log`), it shows the schema, not the proxy's empty target.
 */
export function lazySchema<Schema extends object>(build: (z: ZodApi) => Schema): Schema {
  let schema: Schema | undefined
  const real = () => (schema ??= build(loadZod().z))
  // Node prints a proxy's target without asking the proxy: the target says what to print instead.
  const target = { [inspect.custom]: (depth: number, options: InspectOptions, show: typeof inspect) => show(real(), { ...options, depth }) }
  /**
   * Once the proxy is closed (preventExtensions, seal, freeze), its target is a copy of the schema that the
   * proxy must report exactly: a change made to the schema is made to the copy too.
   */
  const mirror = (target: object, key: PropertyKey): boolean => {
    if (Reflect.isExtensible(target)) return true
    const descriptor = Reflect.getOwnPropertyDescriptor(real(), key)
    return descriptor ? Reflect.defineProperty(target, key, descriptor) : Reflect.deleteProperty(target, key)
  }
  return new Proxy(target as unknown as Schema, {
    get: (_target, key) => Reflect.get(real(), key),
    set: (target, key, value) => Reflect.set(real(), key, value) && mirror(target, key),
    has: (_target, key) => Reflect.has(real(), key),
    deleteProperty: (target, key) => Reflect.deleteProperty(real(), key) && mirror(target, key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor(target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key)
      // A proxy reports a property as non-configurable only if its target has it so (see defineProperty).
      return descriptor && (Reflect.getOwnPropertyDescriptor(target, key)?.configurable === false ? descriptor : { ...descriptor, configurable: true })
    },
    defineProperty(target, key, descriptor) {
      // A non-configurable property must exist on the target as well, or the proxy may not say it defined
      // it (a closed target gets it from mirror).
      if (Reflect.isExtensible(target) && !descriptor.configurable && !Reflect.defineProperty(target, key, descriptor)) return false
      return Reflect.defineProperty(real(), key, descriptor) && mirror(target, key)
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    preventExtensions(target) {
      // A proxy whose target is not extensible must report exactly the target's properties (Object.freeze
      // would throw otherwise): the target becomes a copy of the schema, then both are closed.
      const built = real()
      Reflect.deleteProperty(target, inspect.custom)
      for (const key of Reflect.ownKeys(built)) Reflect.defineProperty(target, key, Reflect.getOwnPropertyDescriptor(built, key)!)
      Reflect.setPrototypeOf(target, Reflect.getPrototypeOf(built))
      return Reflect.preventExtensions(built) && Reflect.preventExtensions(target)
    },
  })
}
