import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * A user's TypeScript file made into an ES module Node runs as it is, with what the cache must still put
 * in: the file URLs of the local files it imports, and `import.meta`'s values.
 */
export interface CompiledFile {
  /** The module: types removed, each line where it was in the TypeScript (sucrase keeps lines). */
  code: string
  /** Each `./x` or `../x` it imports statically: the quoted specifier's place in `code`, to be replaced by a URL. */
  local: Array<{ start: number; end: number; specifier: string }>
  /** Each `import.meta` (followed by `.url`, `.dirname` or `.filename`): its place in `code`. */
  meta: Array<{ start: number; end: number }>
  /**
   * Local files it reaches other than by a static import (`require('./x')`, `import('./x')`): never in a
   * copy (such a file goes to jiti), but shared with the files that import them statically.
   */
  alsoReached: string[]
}

/**
 * The compiled file, or why it is left to jiti (it does something only jiti's loader gives a TypeScript
 * file), with what it was compiled to when it was: the local files it imports are still wanted then.
 */
export type CompileResult = { compiled: CompiledFile; problem?: undefined } | { compiled?: CompiledFile; problem: string }

/** Names jiti gives a TypeScript file and an ES module does not have. */
const COMMONJS_NAMES = new Set(['require', 'module', 'exports', '__dirname', '__filename'])
const META_FIELDS = new Set(['url', 'dirname', 'filename'])
const LOCAL = /^(?:\.{1,2}(?:\/|$)|\/|file:)/

type Node = { type: string; start: number; end: number; [key: string]: unknown }
type Compilers = typeof import('./compilers')
/**
 * sucrase and acorn, required when a file is compiled, never on a run that finds every copy made: their
 * code is not free to load. From dist/compilers.cjs, both bundled into one file (see compilers.ts); from
 * the sources (the package's own unit tests, where there is no build), from their packages.
 */
let compilers: Compilers | undefined
function loadCompilers(): Compilers {
  if (compilers) return compilers
  const require = createRequire(import.meta.url)
  const bundled = new URL('./compilers.cjs', import.meta.url)
  compilers = existsSync(bundled) ? (require(fileURLToPath(bundled)) as Compilers) : { transform: require('sucrase').transform, parse: require('acorn').parse }
  return compilers
}

/**
 * Compile one TypeScript file for Node to import natively, or say why it cannot be. sucrase removes the
 * types and keeps `import` and `export` as they are; acorn reads the result to find what must be checked:
 * CommonJS names (`require`, `__dirname`: jiti gives a TypeScript file those, an ES module has none),
 * `import()` of anything but a package, `#imports` (resolved from the nearest package.json, which the
 * cache copy does not have), and `import.meta` beyond its url, dirname and filename.
 */
export function compileTypeScript(source: string, file: string): CompileResult {
  if (source.startsWith('#!')) return { problem: 'it starts with #!', compiled: reachedByText(source) }
  // sucrase removes a namespace as it removes types, its values with it (`Names is not defined` when used).
  if (NAMESPACE.test(source)) return { problem: 'it declares a namespace', compiled: reachedByText(source) }
  let code: string
  try {
    code = stripTypes(source, file).code
  } catch (err) {
    return { problem: `sucrase cannot compile it (${(err as Error).message.split('\n')[0]})`, compiled: reachedByText(source) }
  }
  let ast: Node
  try {
    ast = loadCompilers().parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true }) as unknown as Node
  } catch (err) {
    return { problem: `its compiled code does not parse (${(err as Error).message})`, compiled: reachedByText(source) }
  }
  const local: CompiledFile['local'] = []
  const meta: CompiledFile['meta'] = []
  const alsoReached: string[] = []
  const reachedLiteral = (node: unknown) => {
    const literal = node as (Node & { value?: unknown }) | undefined
    if (literal?.type === 'Literal' && typeof literal.value === 'string' && LOCAL.test(literal.value)) alsoReached.push(literal.value)
  }
  let problem: string | undefined
  const importFrom = (node: unknown) => {
    const literal = node as Node & { value?: unknown }
    const specifier = literal.value as string
    if (specifier.startsWith('#')) problem ??= `it imports ${specifier} (a package.json "imports" entry)`
    else if (LOCAL.test(specifier)) local.push({ start: literal.start, end: literal.end, specifier })
  }
  // Every node is visited, also after a problem: the local imports are wanted whatever the verdict.
  const visit = (node: Node, parent: Node | undefined) => {
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
        if (node.source) {
          if (LOCAL.test((node.source as { value: string }).value) && (node.attributes as unknown[] | undefined)?.length)
            problem ??= 'it imports a file with import attributes'
          importFrom(node.source)
        }
        break
      case 'ImportExpression':
        // Even of a package: one Node cannot load (it ships TypeScript) would fail only when the step runs.
        problem ??= 'it calls import()'
        reachedLiteral(node.source)
        break
      case 'CallExpression':
        if ((node.callee as Node).type === 'Identifier' && (node.callee as { name: string }).name === 'require') reachedLiteral((node.arguments as Node[])[0])
        break
      case 'MetaProperty': {
        const field = parent?.type === 'MemberExpression' && parent.object === node && !parent.computed ? (parent.property as { name?: string }).name : undefined
        if ((node.meta as { name: string }).name === 'import') {
          if (field && META_FIELDS.has(field)) meta.push({ start: node.start, end: node.end })
          else problem ??= `it reads import.meta${field ? `.${field}` : ''}`
        }
        break
      }
      case 'Identifier':
        if (COMMONJS_NAMES.has(node.name as string) && !isPropertyName(node, parent)) problem ??= `it uses ${node.name as string}`
        break
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const v of value) if (v && typeof v === 'object' && typeof (v as Node).type === 'string') visit(v as Node, node)
      } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') visit(value as Node, node)
    }
  }
  visit(ast, undefined)
  return problem ? { problem, compiled: { code, local, meta, alsoReached } } : { compiled: { code, local, meta, alsoReached } }
}

/** `namespace X {` or `module X {` not under `declare`: code, which sucrase drops. A mention in a comment or string costs only the copy. */
const NAMESPACE = /^[ \t]*(?:export[ \t]+)?(?:namespace|module)[ \t]+[\w$.]+[ \t]*\{/m

/**
 * For a file that cannot be compiled: the local files it names in an import, an export or a require, read
 * from its text, so that the files it shares with others are still known (see keepSharedWithJiti).
 */
function reachedByText(source: string): CompiledFile {
  const alsoReached = [...source.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*(['"])(\.{1,2}\/[^'"\n]*)\1/g)].map((m) => m[2]!)
  return { code: '', local: [], meta: [], alsoReached }
}

/**
 * sucrase's output for a source, with a source map when asked (only to tell where a throw was). Required,
 * not imported: loaded only when a file changed since the last run (see loadCompilers).
 */
export function stripTypes(source: string, file: string, withMap = false): { code: string; sourceMap?: import('sucrase').TransformResult['sourceMap'] } {
  const { transform } = loadCompilers()
  const options = { transforms: ['typescript' as const], disableESTransforms: true, filePath: file }
  return transform(source, withMap ? { ...options, sourceMapOptions: { compiledFilename: `${file}.mjs` } } : options)
}

/**
 * Whether compiled code has an `import` statement of `specifier` that names `name` (`default` for a
 * default import): an import, not a re-export (`export { T } from './types'`), which may name a type.
 */
export function importsName(code: string, specifier: string, name: string): boolean {
  let ast: Node
  try {
    ast = loadCompilers().parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true }) as unknown as Node
  } catch {
    return false
  }
  type Specifier = { type: string; imported?: { name?: string; value?: string } }
  return (ast.body as Node[]).some(
    (node) =>
      node.type === 'ImportDeclaration' &&
      (node.source as { value: string }).value === specifier &&
      (node.specifiers as Specifier[]).some((s) =>
        name === 'default' ? s.type === 'ImportDefaultSpecifier' : s.type === 'ImportSpecifier' && (s.imported?.name ?? s.imported?.value) === name,
      ),
  )
}

/** `x.require(...)`, `{ module: 1 }`, `class { exports() {} }`: a name of a property, not the variable. */
function isPropertyName(node: Node, parent: Node | undefined): boolean {
  if (!parent) return false
  if (parent.type === 'MemberExpression') return parent.property === node && !parent.computed
  if (parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition')
    return parent.key === node && !parent.computed && !(parent as { shorthand?: boolean }).shorthand
  return false
}
