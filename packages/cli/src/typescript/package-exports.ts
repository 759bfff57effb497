import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { findPackage } from '../plugins/resolve'

/**
 * The names a package that is an ES module exports, as `import()` from the file `from` gives them; undefined
 * when the package is not found there, or is CommonJS (whose exports Node lists only as far as it can read
 * them off the code: a name missing from that list may still be there).
 */
export function esModuleExports(specifier: string, from: string): Promise<string[] | undefined> {
  // Once per package and directory: under jiti every import of every file loaded is looked at after each
  // load, and the package lookup reads package.json files from the disk.
  const key = `${specifier}\0${path.dirname(from)}`
  let names = known.get(key)
  if (!names) known.set(key, (names = namesOf(specifier, from)))
  return names
}

const known = new Map<string, Promise<string[] | undefined>>()

async function namesOf(specifier: string, from: string): Promise<string[] | undefined> {
  const found = findPackage(specifier, path.dirname(from))
  if (!found || !isEsModule(found.entry, found.pkg.type)) return undefined
  try {
    return Object.keys((await import(pathToFileURL(found.entry).href)) as object)
  } catch {
    return undefined
  }
}

function isEsModule(entry: string, type: string | undefined): boolean {
  const ext = path.extname(entry)
  return ext === '.mjs' || (ext === '.js' && type === 'module')
}
