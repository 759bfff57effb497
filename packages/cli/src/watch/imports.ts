import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'acorn'
import { isCodeFile } from '../code-files'
import type { UserModuleTools } from '../load-module'

/** `./x`, `../x`, `/abs/x` and `file:` URLs: a project file. A bare name is a package, never followed. */
const LOCAL = /^(?:\.{1,2}(?:\/|$)|\/|file:)/

/**
 * The project files each root (a journey file, the config file) depends on: itself and every file it
 * imports, transitively, never into node_modules or a package. The imports are read from the code jiti
 * actually runs (its transform drops TypeScript's type-only imports; `import`, `export ... from` and
 * `import()` become `jitiImport(...)`, and `require(...)` stays), and resolved as jiti resolves them,
 * so `./helper` and `./helper.js` find `helper.ts` exactly when loading does. A file that cannot be read
 * or parsed (a syntax error while it is being written) is kept, with no imports.
 */
export function projectImports(roots: readonly string[], tools: Pick<UserModuleTools, 'transform' | 'esmResolve'>): Map<string, Set<string>> {
  const direct = new Map<string, string[]>()
  const importsOf = (file: string) => {
    let found = direct.get(file)
    if (!found) direct.set(file, (found = readImports(file, tools)))
    return found
  }
  const out = new Map<string, Set<string>>()
  for (const root of roots) {
    const reached = new Set<string>()
    const todo = [root]
    while (todo.length) {
      const file = todo.pop()!
      if (reached.has(file)) continue
      reached.add(file)
      todo.push(...importsOf(file))
    }
    out.set(root, reached)
  }
  return out
}

function readImports(file: string, tools: Pick<UserModuleTools, 'transform' | 'esmResolve'>): string[] {
  // Only code has imports: any other file (JSON, say) is a leaf of the graph.
  if (!isCodeFile(file)) return []
  let code: string
  try {
    const source = readFileSync(file, 'utf8')
    code = tools.transform({ source, filename: file, ts: /\.[cm]?tsx?$/.test(file), async: true })
  } catch {
    return []
  }
  const parentURL = pathToFileURL(file).href
  const out: string[] = []
  for (const spec of importSpecifiers(code)) {
    if (!LOCAL.test(spec)) continue
    const url = tools.esmResolve(spec, { parentURL, try: true })
    if (!url?.startsWith('file:')) continue
    const resolved = fileURLToPath(url)
    if (!resolved.split(path.sep).includes('node_modules') && !out.includes(resolved)) out.push(resolved)
  }
  return out
}

type Node = { type: string; [key: string]: unknown }

/** The string specifiers of `require(...)`, `jitiImport(...)` and `import(...)` in jiti's output. */
export function importSpecifiers(code: string): string[] {
  let ast: Node
  try {
    ast = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      allowHashBang: true,
    }) as unknown as Node
  } catch {
    return []
  }
  const out: string[] = []
  const literal = (n: unknown) => {
    const node = n as Node | undefined
    if (node?.type === 'Literal' && typeof node.value === 'string') out.push(node.value)
  }
  const visit = (node: Node) => {
    if (node.type === 'CallExpression') {
      const callee = node.callee as Node
      if (callee.type === 'Identifier' && (callee.name === 'require' || callee.name === 'jitiImport')) literal((node.arguments as Node[])[0])
    } else if (node.type === 'ImportExpression') literal(node.source)
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const v of value) if (v && typeof v === 'object' && typeof (v as Node).type === 'string') visit(v as Node)
      } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') visit(value as Node)
    }
  }
  visit(ast)
  return out
}
