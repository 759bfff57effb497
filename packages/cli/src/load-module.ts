import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { errorMessage, isUserError, redactText } from '@venomqa/core'
import { warn as warnOnStderr } from './exit'
import { firstPartyPackageOf, packageInstalled } from './plugins/first-party'
import { MissingExportError, canonical, importNatively, isTypeScript, placeInTypeScript, requireCache, sharedWithNative, stacksArePlaced } from './typescript/native'
import { placeThroughMap } from './typescript/source-place'

/** What the CLI uses of jiti: importing, and (for `run --watch`) the transform and resolution it applies. */
export interface UserModuleTools {
  import(id: string, opts?: { default?: boolean }): Promise<unknown>
  /** The module's code as jiti runs it: TypeScript stripped, `import` and `export ... from` made calls. */
  transform(opts: { source: string; filename: string; ts?: boolean; async?: boolean }): string
  /** Where jiti resolves `id` from `parentURL` (a `file:` URL), or undefined with `try` when nothing is there. */
  esmResolve(id: string, opts: { parentURL: string; try: true }): string | undefined
}

const instances = new Map<string, UserModuleTools>()

const NATIVE = new Set(['.js', '.mjs', '.cjs'])

/**
 * Bumped by `forgetUserModules`: JavaScript files imported natively get a new URL, so Node, which keeps
 * an ES module for the life of the process, evaluates them again. Zero (no query) outside `run --watch`.
 */
let generation = 0

/**
 * Import a user file (config, journey, plugin). Plain JavaScript is imported natively; so is a `.ts` or
 * `.mts` file, from its compiled copy (typescript/native.ts), unless it needs what only jiti gives it. jiti
 * is loaded only when such a file is met, so most projects never load it after their first run.
 * `interopDefault` is off: a journey file's named exports must be its own, not its default's fields.
 * `warn` is told when a module has to be evaluated by both loaders.
 */
export async function importUserFile(file: string, root: string, warn: (message: string) => void = (m) => warnOnStderr(process, m)): Promise<Record<string, unknown>> {
  if (NATIVE.has(path.extname(file))) {
    const url = pathToFileURL(file).href
    const warnings = path.extname(file) === '.js' ? withoutModuleKindWarning() : undefined
    try {
      return (await import(generation ? `${url}?venomqa-reload=${generation}` : url)) as Record<string, unknown>
    } catch (err) {
      if (err instanceof SyntaxError && !frameInFile(err, file)) {
        const place = await syntaxErrorPlace(file)
        if (place) syntaxPlaces.set(err, place)
      }
      if (err instanceof SyntaxError && path.extname(file) === '.js' && ES_SYNTAX_IN_COMMONJS.test(err.message)) err.message = `${err.message} ${moduleKindHint(file)}`
      throw err
    } finally {
      warnings?.restore()
    }
  }
  if (isTypeScript(file)) {
    const native = await importNatively(file)
    if ('module' in native) return native.module
    const shared = sharedWithNative(file)
    if (shared.length)
      warn(
        `${path.relative(root, file) || file} goes through jiti (${native.problem}), and so does ${shared.map((f) => path.relative(root, f) || f).join(', ')} a second time: ` +
          'a file loaded earlier imports it natively, so its module is evaluated once by each loader (VENOMQA_TS_LOADER=jiti loads every TypeScript file through jiti)',
      )
  }
  const tools = await userModuleTools(root)
  if (!isTypeScript(file)) return (await tools.import(file)) as Record<string, unknown>
  // A name imported from a local file that does not export it, as Node refuses it natively (jiti-imports.ts).
  const before = new Set(Object.keys(requireCache()))
  let module: Record<string, unknown>
  try {
    module = (await tools.import(file)) as Record<string, unknown>
  } catch (err) {
    // Called as the file ran, the name gave a TypeError: the mistake behind it is what is said.
    throw (err instanceof TypeError && (await (await import('./typescript/jiti-imports')).missingExportUnderJiti(file, before))) || err
  }
  const missing = await (await import('./typescript/jiti-imports')).missingExportUnderJiti(file, before)
  if (missing) throw missing
  return module
}

/** The places syntaxErrorPlace found, by error: loadFailure reads them. */
/** What Node says of a `.js` file written as an ES module where it is read as CommonJS. */
const ES_SYNTAX_IN_COMMONJS = /^(Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module)/

/**
 * How to make a `.js` file an ES module, told beside Node's refusal: npm init writes `"type": "commonjs"`
 * (npm 11), and a journey written as the docs write one then fails with `Cannot use import statement
 * outside a module` alone.
 */
function moduleKindHint(file: string): string {
  const why = packageTypeOf(path.dirname(file)) === 'commonjs' ? 'as package.json says' : 'here'
  return `(this .js file is CommonJS, ${why}: name it .mjs, or set "type": "module" in package.json)`
}

/** The listeners set aside while `.js` files are imported, and the warnings held for them meanwhile. */
let held: { listeners: NodeJS.WarningListener[]; warnings: Error[]; imports: number } | undefined

/**
 * Node's own warning for such a file (`To load an ES module, set "type": "module" ...`), held back while
 * `.js` files are imported (overlapping imports share one hold): printed above the CLI's one-line message, it said the same again in another
 * voice, with advice to run node with --trace-warnings. Node emits it on the process's `warning` event
 * itself (not through process.emitWarning), so its listeners (the one that prints) are set aside for the
 * import, and every other warning that came meanwhile is emitted to them again after it.
 */
function withoutModuleKindWarning(): { restore(): void } {
  if (!held) {
    const listeners = process.listeners('warning')
    for (const listener of listeners) process.off('warning', listener)
    process.on('warning', hold)
    held = { listeners, warnings: [], imports: 0 }
  }
  const holding = held
  holding.imports++
  return {
    restore() {
      // The last import of those that overlap puts the listeners back: an earlier one would put back the hold.
      if (!held || --held.imports > 0) return
      const { listeners, warnings } = held
      held = undefined
      process.off('warning', hold)
      for (const listener of listeners) process.on('warning', listener)
      for (const warning of warnings) process.emit('warning', warning)
    },
  }
}

function hold(warning: Error): void {
  if (!warning.message.startsWith('To load an ES module')) held?.warnings.push(warning)
}

const syntaxPlaces = new WeakMap<Error, string>()

/**
 * Where the syntax error is that Node met importing a JavaScript file (`:line:column`, or `:line`), or
 * undefined. Node's module loader keeps the place out of the error (only a crash prints it), so it is
 * asked again: `node --check` prints the place of the same parse. A process, but only on this path.
 */
async function syntaxErrorPlace(file: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process')
  const stderr = await new Promise<string>((resolve) =>
    execFile(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 }, (_err, _stdout, err) => resolve(err ?? '')),
  )
  // `<file>:<line>`, the line of source, then a caret under the place (absent at the end of the input).
  const lines = stderr.split(/\r?\n/)
  const head = lines.findIndex((l) => l.startsWith(`${file}:`) && /^\d+$/.test(l.slice(file.length + 1)))
  if (head < 0) return undefined
  const line = lines[head]!.slice(file.length + 1)
  const caret = /^[ \t]*\^/.exec(lines[head + 2] ?? '')
  return caret ? `:${line}:${caret[0].length}` : `:${line}`
}

/** Whether a frame of the stack is in `file`: a header Node puts above a CommonJS syntax error is none. */
function frameInFile(err: Error, file: string): boolean {
  const url = pathToFileURL(file).href
  return (err.stack ?? '').split('\n').some((line) => /^\s+at /.test(line) && (line.includes(`${file}:`) || line.includes(url)))
}

/**
 * Why importing the user's file `abs` failed, and where in it (`:line:column`, or '' when it cannot be
 * told): jiti names the place of a syntax error at the end of its message, and a throw while the file ran
 * has the file in its stack, and a syntax error Node met in a JavaScript file has the place importUserFile
 * asked `node --check` for.
 */
export function loadFailure(err: unknown, abs: string): { place: string; message: string } {
  const found = placeOf(err, abs)
  // What the user's code threw (`vault: password=...`) is foreign text, masked as free text; the CLI's
  // own messages keep their `key: problem` shapes, which only credentials are masked in (see reportError).
  const message = isUserError(err) ? found.message : redactText(found.message)
  return { place: found.place, message: `${message}${installHint(message, abs)}${homeHint(message)}` }
}

/** Names users import from the wrong VenomQA package, and the package that exports them. */
const HOMES: Record<string, string> = { defineConfig: '@venomqa/cli' }

/**
 * For a name imported from a VenomQA package that is another's (`defineConfig` from `@venomqa/core`, which
 * the CLI exports, since only it reads configs), the import that works. Told by both loaders' words: ours
 * for TypeScript (see MissingExportError), Node's for JavaScript.
 */
function homeHint(message: string): string {
  const ours = /it imports "([^"]+)" from '(@venomqa\/[^']+)', which does not export it/.exec(message)
  const nodes = /The requested module '(@venomqa\/[^']+)' does not provide an export named '([^']+)'/.exec(message)
  const [name, from] = ours ? [ours[1]!, ours[2]!] : nodes ? [nodes[2]!, nodes[1]!] : []
  const home = name && HOMES[name]
  if (!home || home === from) return ''
  return `: ${name} is ${home}'s, not ${from}'s; write \`import { ${name} } from '${home}'\``
}

/**
 * For a VenomQA package that is not installed where the file is (`Cannot find module '@venomqa/openapi'`,
 * or Node's `Cannot find package '...'`), what to do about it: a journey `venomqa explore` wrote imports
 * `@venomqa/core`, and one of `explore --openapi` `@venomqa/openapi`, which a project that installed the
 * CLI alone (with pnpm, which hoists nothing) does not have. Only VenomQA's own package names are told to be
 * installed (see FIRST_PARTY_PLUGINS), and not one that is there but failed to load for another reason.
 */
function installHint(message: string, abs: string): string {
  const specifier = /(?:^|: )Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1]
  const pkg = specifier && firstPartyPackageOf(specifier)
  if (!pkg || packageInstalled(pkg, path.dirname(abs))) return ''
  return `: VenomQA's ${pkg} is not installed in this project (npm install -D ${pkg})`
}

function placeOf(err: unknown, abs: string): { place: string; message: string } {
  if (err instanceof MissingExportError)
    return [abs, canonical(abs)].includes(err.file) ? { place: `:${err.line}`, message: err.message } : { place: '', message: `${shownPath(err.file)}:${err.line}: ${err.message}` }
  const message = withoutRequireStack(err, abs)
  const checked = err instanceof Error ? syntaxPlaces.get(err) : undefined
  if (checked) return { place: checked, message }
  const parse = /^(?:ParseError: )?([\s\S]*?)\s*\n\s*(.+):(\d+):(\d+)\s*$/.exec(message)
  if (parse) {
    // Its column counts from 0 (babel's); an editor's, as every other place here, from 1.
    const at = `:${parse[3]}:${Number(parse[4]) + 1}`
    if (parse[2] === abs) return { place: at, message: parse[1]! }
    // In a file the journey imports: that file's place leads the message, as an editor takes it.
    return { place: '', message: `${shownPath(parse[2]!)}${at}: ${parse[1]}` }
  }
  // The file as a stack names it: its path, or its URL (with `run --watch`'s reload query on it).
  // By its real path too: a TypeScript file's compiled copy names it so (see canonical).
  const names = [...new Set([abs, canonical(abs)])].flatMap((p) => [escapeRegExp(p), `${escapeRegExp(pathToFileURL(p).href)}(?:\\?[^:]*)?`])
  const inFile = new RegExp(`(?:^|[ (])(?:${names.join('|')}):(\\d+):(\\d+)\\)?$`)
  const stack = err instanceof Error && err.stack ? err.stack.split('\n').slice(1) : []
  for (const frame of stack) {
    const at = inFile.exec(frame.trim())
    if (!at) continue
    if (NATIVE.has(path.extname(abs))) return { place: `:${at[1]}:${at[2]}`, message }
    const compiled = placeInTypeScript(abs, Number(at[1]), Number(at[2]))
    // Under --debug the stack gives the file's own place already (see stack-places.ts).
    if (compiled) return { place: stacksArePlaced() ? `:${at[1]}:${at[2]}` : `:${compiled.line}:${compiled.column}`, message }
    // A place in the code jiti ran, which is not the file's own: see placeInSource. Without its source
    // map, the line as jiti ran it is the best guess there is.
    const source = placeInSource(abs, Number(at[1]), Number(at[2]))
    return { place: source ? `:${source.line}:${source.column}` : `:${at[1]}`, message }
  }
  return { place: '', message }
}

/**
 * A module that cannot be found, in one line: Node's CommonJS loader (jiti's) lists the files that
 * required it under "Require stack:", one per line. Only the one that imports it is said, when it is
 * another file than the one the command loaded (`lib/db.ts`, which the config imports).
 */
function withoutRequireStack(err: unknown, abs: string): string {
  const message = errorMessage(err)
  const cut = message.indexOf('\nRequire stack:')
  if (cut < 0) return message
  // Nearest first: the file that requires it (under jiti, the only one listed).
  const stack = (err as { requireStack?: unknown }).requireStack
  const importer = Array.isArray(stack) && typeof stack[0] === 'string' ? stack[0] : undefined
  const another = importer !== undefined && importer !== abs && importer !== canonical(abs)
  return `${message.slice(0, cut)}${another ? ` (imported by ${shownPath(importer)})` : ''}`
}

/** A file as the user finds it: relative to the working directory when under it, else absolute. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** What jiti puts before a module's code, on its line 1, to run it (jiti 2's evalModule, for an import). */
const JITI_WRAPPER = '(async function (exports, require, module, __filename, __dirname, jitiImport, jitiESMResolve) { '

/**
 * Where a line and column (from 1) of the code jiti ran for the TypeScript file `abs` are in the file as
 * written, or undefined when that cannot be told. jiti's transform keeps most lines where they were, but
 * not all: it moves the comments above an import below the import it hoists to line 1, and joins
 * statements onto one line, so a throw below them is reported a line or more off. Only on this path, the
 * file is transformed again as jiti transformed it to run it, with a source map, which says where.
 */
function placeInSource(abs: string, line: number, column: number): { line: number; column: number } | undefined {
  try {
    const { createJiti } = createRequire(import.meta.url)('jiti') as typeof import('jiti')
    // The options jiti's import ran the file with (see userModuleTools), and a map; no cache is written.
    const jiti = createJiti(pathToFileURL(abs).href, { interopDefault: false, sourceMaps: true, fsCache: false, moduleCache: false }) as unknown as UserModuleTools
    const code = jiti.transform({ source: readFileSync(abs, 'utf8'), filename: abs, ts: /\.[cm]?tsx?$/.test(abs), async: true })
    const inline = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code)
    if (!inline) return undefined
    // On line 1 the code runs after jiti's function wrapper: its columns count from the wrapper's start.
    return placeThroughMap(JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')), JITI_WRAPPER.length, line, column)
  } catch {
    return undefined
  }
}

/** The jiti instance that loads the user's files under `root` (one per root, created on first use). */
export async function userModuleTools(root: string): Promise<UserModuleTools> {
  let jiti = instances.get(root)
  if (!jiti) {
    // Required, not imported: an import of jiti's CommonJS from an ES module has Node scan its 190 KB for
    // export names first, about 12 ms of every TypeScript run's start-up.
    const { createJiti } = createRequire(import.meta.url)('jiti') as typeof import('jiti')
    jiti = createJiti(pathToFileURL(path.join(root, 'package.json')).href, { interopDefault: false, moduleCache: true }) as unknown as UserModuleTools
    instances.set(root, jiti)
  }
  return jiti
}

const inNodeModules = (file: string) => file.split(path.sep).includes('node_modules')
const isUnder = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep)

/** The user's files that jiti has loaded: under `root` (or among `also`), outside node_modules. */
export function loadedUserFiles(root: string, also: ReadonlySet<string> = new Set()): string[] {
  return Object.keys(requireCache()).filter((file) => !inNodeModules(file) && (isUnder(file, root) || also.has(file)))
}

/**
 * Make the next imports read the user's files again (`venomqa run --watch`, between runs). Within one
 * run a module shared by several journey files stays one instance, as in `venomqa run`; across runs each
 * is evaluated anew. Packages in node_modules are kept. What cannot be forgotten: a JavaScript ES module
 * imported by another file (Node offers no way to drop one); see `isNativeEsModule`.
 */
export function forgetUserModules(root: string, also: ReadonlySet<string> = new Set()): void {
  generation++
  const cache = requireCache()
  for (const file of loadedUserFiles(root, also)) delete cache[file]
}

/**
 * Whether a file is a JavaScript ES module that Node, not jiti, evaluates (as jiti decides: `.mjs`, or
 * `.js` under a package.json with `"type": "module"`). Only a journey or config file of that kind is
 * reloaded by `forgetUserModules`; one that such a file imports keeps its first version.
 */
export function isNativeEsModule(file: string): boolean {
  const ext = path.extname(file)
  if (ext === '.mjs') return true
  return ext === '.js' && packageTypeOf(path.dirname(file)) === 'module'
}

function packageTypeOf(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { type?: string }).type
    } catch {
      // No package.json here (or not JSON, which Node would refuse too): look further up.
    }
    if (path.dirname(d) === d) return undefined
  }
}
