import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { stripTypes } from './compile'
import { didYouMean } from '@venomqa/core'
import { MissingExportError, canonical, isTypeScript, requireCache } from './native'
import { esModuleExports } from './package-exports'
import { resolveLocalTypeScript } from './resolve'

type Node = { type: string; start: number; end: number; loc?: { start: { line: number } }; [key: string]: unknown }
type Acorn = typeof import('acorn')
let acorn: Acorn | undefined

const LOCAL = /^(?:\.{1,2}(?:\/|$)|\/|file:)/

/**
 * What Node tells when it links a TypeScript file's compiled copy (see missingLocalExport in native.ts),
 * for a file jiti loaded instead (`run --watch`, VENOMQA_TS_LOADER=jiti, or a file only jiti can load): a
 * name imported from a local TypeScript file that does not export it. jiti runs the file as CommonJS, which
 * leaves the name undefined, and the mistake was met only when a step called it:
 * `(0 , _helper.nope) is not a function`, naming neither file.
 *
 * `file` is the one jiti was asked for, `before` the modules loaded before it: the files this import
 * loaded are checked against the exports jiti made of the local files they import, as Node would check
 * them. As there, only an `import`: a re-export (`export { T } from './types'`) may name a type, and a
 * module whose exports are not an ES module's (`module.exports = ...`) is not judged.
 */
export async function missingExportUnderJiti(file: string, before: ReadonlySet<string>): Promise<MissingExportError | undefined> {
  const cache = requireCache()
  const loaded = new Set([file, ...Object.keys(cache).filter((f) => !before.has(f))])
  for (const importer of loaded) {
    if (!isTypeScript(importer) || importer.split(path.sep).includes('node_modules')) continue
    const missing = await missingIn(importer, cache)
    if (missing) return missing
  }
  return undefined
}

async function missingIn(importer: string, cache: NodeJS.Dict<NodeModule>): Promise<MissingExportError | undefined> {
  let ast: Node
  try {
    const code = stripTypes(readFileSync(importer, 'utf8'), importer).code
    acorn ??= createRequire(import.meta.url)('acorn') as Acorn
    ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, locations: true }) as unknown as Node
  } catch {
    // What does not read or parse is told by jiti itself.
    return undefined
  }
  for (const node of ast.body as Node[]) {
    if (node.type !== 'ImportDeclaration') continue
    const specifier = (node.source as { value: string }).value
    const exported = LOCAL.test(specifier) ? localExports(specifier, importer, cache) : await esModuleExports(specifier, importer)
    if (!exported) continue
    type Specifier = { type: string; imported?: { name?: string; value?: string } }
    for (const s of node.specifiers as Specifier[]) {
      const name = s.type === 'ImportDefaultSpecifier' ? 'default' : s.type === 'ImportSpecifier' ? (s.imported?.name ?? s.imported?.value) : undefined
      if (name === undefined || exported.includes(name)) continue
      const what = name === 'default' ? 'a default export' : `"${name}"`
      // A package's names are many and public: the nearest is worth a guess (`stepp` for `step`).
      const near = LOCAL.test(specifier) || name === 'default' ? undefined : didYouMean(name, exported)
      return new MissingExportError(importer, node.loc?.start.line ?? 1, `it imports ${what} from '${specifier}', which does not export it${near ? ` (did you mean "${near}"?)` : ''}`)
    }
  }
  return undefined
}

/** The names a local TypeScript file exports, as jiti made its module; undefined when that cannot be told. */
function localExports(specifier: string, importer: string, cache: NodeJS.Dict<NodeModule>): string[] | undefined {
  const target = resolveLocalTypeScript(specifier, importer)
  if ('problem' in target) return undefined
  const exports = (cache[target.file] ?? cache[canonical(target.file)])?.exports as Record<string, unknown> | undefined
  // Only an ES module as jiti made it says which names it exports.
  if (!exports || typeof exports !== 'object' || exports.__esModule !== true) return undefined
  return Object.keys(exports)
}
