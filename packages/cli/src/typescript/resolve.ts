import { statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where a local import leads: a TypeScript file the cache compiles too, or why it is left to jiti. */
export type LocalTarget = { file: string } | { problem: string }

const TYPESCRIPT = new Set(['.ts', '.mts'])
/** Before `.ts` in jiti's order of extensions: where one of these is there too, jiti loads it instead. */
const JAVASCRIPT = ['.js', '.mjs', '.cjs']

const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false
const isDirectory = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false

/**
 * The TypeScript file `specifier` (`./x`, `./x.js`, `./x.ts`, `../dir`) names from `fromFile`, found as
 * jiti finds it, or a problem where the answer is not one TypeScript file: a JavaScript or JSON file
 * (jiti runs those its own way), a name that fits both a `.js` and a `.ts` file, or nothing at all.
 */
export function resolveLocalTypeScript(specifier: string, fromFile: string): LocalTarget {
  if (/[?#]/.test(specifier.replace(/^file:\/\//, ''))) return { problem: `it imports ${specifier}, with a query or a fragment` }
  const base = specifier.startsWith('file:') ? fileURLToPath(specifier) : path.resolve(path.dirname(fromFile), specifier)
  const ext = path.extname(base)
  if (TYPESCRIPT.has(ext)) return isFile(base) ? { file: base } : { problem: `it imports ${specifier}, which is not there` }
  if (ext === '.js' || ext === '.mjs') {
    // TypeScript's own convention: `./x.js` names `x.ts` (and `./x.mjs` names `x.mts`), unless x.js is there.
    if (isFile(base)) return { problem: `it imports the JavaScript file ${specifier}` }
    const ts = base.slice(0, -ext.length) + (ext === '.js' ? '.ts' : '.mts')
    return isFile(ts) ? { file: ts } : { problem: `it imports ${specifier}, which is not there` }
  }
  if (isFile(base)) return { problem: `it imports ${specifier}, a file that is not TypeScript` }
  const withExtension = candidate(base, specifier)
  if (withExtension) return withExtension
  if (isDirectory(base)) {
    // Its package.json may name another entry (`main`), as jiti would follow.
    if (isFile(path.join(base, 'package.json'))) return { problem: `it imports the directory ${specifier}, which has a package.json` }
    return candidate(path.join(base, 'index'), specifier) ?? { problem: `it imports the directory ${specifier}, which has no index.ts` }
  }
  return { problem: `it imports ${specifier}, which is not there` }
}

/** `stem.ts`, when it is there and no `stem.js` (or `.mjs`, `.cjs`) comes before it. */
function candidate(stem: string, specifier: string): LocalTarget | undefined {
  for (const ext of JAVASCRIPT) if (isFile(stem + ext)) return { problem: `it imports ${specifier}, which is a JavaScript file (${path.basename(stem + ext)})` }
  return isFile(`${stem}.ts`) ? { file: `${stem}.ts` } : undefined
}
