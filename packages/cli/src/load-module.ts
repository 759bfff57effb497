import path from 'node:path'
import { pathToFileURL } from 'node:url'

type Jiti = { import(id: string, opts?: { default?: boolean }): Promise<unknown> }
const instances = new Map<string, Jiti>()

const NATIVE = new Set(['.js', '.mjs', '.cjs'])

/**
 * Import a user file (config, journey, plugin). TypeScript goes through jiti, loaded only when a TS file
 * is met; plain JavaScript is imported natively, so a JS-only project never loads jiti at all.
 * `interopDefault` is off: a journey file's named exports must be its own, not its default's fields.
 */
export async function importUserFile(file: string, root: string): Promise<Record<string, unknown>> {
  if (NATIVE.has(path.extname(file))) return (await import(pathToFileURL(file).href)) as Record<string, unknown>
  let jiti = instances.get(root)
  if (!jiti) {
    const { createJiti } = await import('jiti')
    jiti = createJiti(pathToFileURL(path.join(root, 'package.json')).href, { interopDefault: false, moduleCache: true }) as Jiti
    instances.set(root, jiti)
  }
  return (await jiti.import(file)) as Record<string, unknown>
}
