import { createHash } from 'node:crypto'
import { accessSync, constants, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { type SourceMapPayload, createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { didYouMean, errorMessage, redactText } from '@venomqa/core'
import { cliVersion } from '../version'
import { esModuleExports } from './package-exports'
import { type CompileResult, type CompiledFile, compileTypeScript, importsName, stripTypes } from './compile'
import { resolveLocalTypeScript } from './resolve'
import { placeThroughMap } from './source-place'

/**
 * TypeScript files run as native ES modules, compiled once into a cache.
 *
 * Why: jiti, which runs a TypeScript file otherwise, costs every run about 30 ms before the first step
 * (compiling its 190 KB bundle, then resolving and evaluating the file through its own loader) and 0.8 MB
 * of heap, enough to bring on a full garbage collection in a run of a few thousand steps
 * (bench/cli-phases). A file compiled by an earlier run is imported here by Node as it is, and neither
 * jiti nor the compiler is loaded.
 *
 * Where: `<nearest node_modules>/.cache/venomqa/ts/`. A package the file imports is resolved from there as
 * from the file itself, since no node_modules lies between them; a local import is written as the file
 * URL of its own compiled copy; `import.meta.url`, `.dirname` and `.filename` are the file's own; stack
 * frames name the file and its lines (the copy ends with a sourceURL, and sucrase keeps every line).
 *
 * What is left to jiti, unchanged: a file that uses what only jiti's loader gives it (`require`,
 * `__dirname`, `module.exports`, `import()`, `#imports`), a namespace (sucrase drops it), a JavaScript,
 * JSON or TSX file it imports, an import cycle, and anything Node cannot link (a package that ships
 * TypeScript); so is every file under `run --watch`, which reloads files through jiti, and all of them
 * with VENOMQA_TS_LOADER=jiti. One module stays one instance: a file whose local imports jiti has loaded,
 * or will load (keepSharedWithJiti), goes to jiti as well; where that comes too late, a warning says so.
 */

/** Bumped when what this module writes changes; with the CLI's version, it names the cache entries. */
const FORMAT = 2

/** The set a compiled copy adds its file to when it starts to run; globalThis, since the copy has no import of ours. */
const STARTED = Symbol.for('venomqa.typescript.started')

type Verdict = { files: PlannedFile[] } | { problem: string; reached: string[] }

interface PlannedFile {
  file: string
  /** Where its compiled copy is, named for its content and its imports' copies. */
  out: string
  compiled: CompiledFile
  /** The compiled copy of the file each of compiled.local leads to, in order. */
  importCopies: string[]
}

/** Files whose compiled copy this process imported (or tried to), by file: a throw's place is read from it. */
const imported = new Map<string, PlannedFile>()

/** Whether TypeScript goes through jiti in this process (`run --watch`, VENOMQA_TS_LOADER=jiti). */
let jitiOnly = false
/** Files this process imported natively: jiti must not import them again. */
const nativeFiles = new Set<string>()
/** Files kept for jiti by `keepSharedWithJiti`: each shares a local import with a file only jiti can load. */
const keptForJiti = new Set<string>()

/** Load every TypeScript file of this process through jiti (`run --watch` reloads files through it). */
export function loadTypeScriptThroughJiti(): void {
  jitiOnly = true
}

/**
 * Import `file` natively, from its compiled copy (made now when there is none), or return why it goes
 * to jiti. A file that started to run and threw is thrown, never handed to jiti to run again.
 */
export async function importNatively(file: string): Promise<{ module: Record<string, unknown> } | { problem: string }> {
  if (throughJitiOnly()) return { problem: 'TypeScript is loaded through jiti in this process' }
  if (keptForJiti.has(file)) return { problem: 'it shares a local import with a file only jiti loads' }
  const verdict = plan(file)
  if ('problem' in verdict) return verdict
  const cache = requireCache()
  const loadedByJiti = verdict.files.find((f) => f.file in cache)
  if (loadedByJiti) return { problem: `${loadedByJiti.file} was loaded through jiti already` }
  const root = verdict.files.at(-1)!
  for (const f of verdict.files) {
    writeCopy(f)
    imported.set(f.file, f)
  }
  const started = startedFiles()
  // Files an earlier import ran (a helper two journeys share) are not this import's doing.
  const ranBefore = new Set(started)
  try {
    const module = (await import(pathToFileURL(root.out).href)) as Record<string, unknown>
    for (const f of verdict.files) nativeFiles.add(f.file)
    return { module }
  } catch (err) {
    // Nothing of the user's ran (Node met the error resolving, parsing or linking): jiti may load it.
    if (verdict.files.some((f) => started.has(f.file) && !ranBefore.has(f.file))) throw err
    // Unless that error is the user's mistake, which jiti would only put off until a step meets it.
    const missing = missingLocalExport(err, verdict.files) ?? (await missingPackageExport(err, verdict.files))
    if (missing) throw missing
    for (const f of verdict.files) if (!nativeFiles.has(f.file)) imported.delete(f.file)
    const problem = `Node could not load its compiled copy (${redactText(errorMessage(err))})`
    // A package that ships TypeScript, a named import of a CommonJS package whose exports Node cannot
    // list (`import { Pool } from 'pg'`): said once beside the copy, the next runs go to jiti at once
    // (see plan). Not a package missing yet, which an install brings.
    if (refusedForGood(err)) writeAtomically(refusalOf(root), problem)
    return { problem }
  }
}

/**
 * A name imported from a package whose ES module does not export it (`import { stepp } from '@venomqa/core'`):
 * the user's mistake, as a local one is (see missingLocalExport). Node says "does not provide an export
 * named" of an ES module only; of a CommonJS one, whose exports it cannot always list, it says "Named export
 * ... not found", and that still goes to jiti. Handed to jiti, the name was undefined and the file failed
 * as it ran, with a message of the transform's (`(0 , _core.stepp) is not a function`) naming neither the
 * import nor the package. The nearest name the package does export is suggested.
 */
async function missingPackageExport(err: unknown, files: readonly PlannedFile[]): Promise<MissingExportError | undefined> {
  const link = linkError(err, files)
  if (!link || LOCAL_SPECIFIER.test(link.requested) || !importsName(link.importer.compiled.code, link.requested, link.name)) return undefined
  const near = link.name === 'default' ? undefined : didYouMean(link.name, (await esModuleExports(link.requested, link.importer.file)) ?? [])
  const what = link.name === 'default' ? 'a default export' : `"${link.name}"`
  return new MissingExportError(link.importer.file, link.line, `it imports ${what} from '${link.requested}', which does not export it${near ? ` (did you mean "${near}"?)` : ''}`)
}

/** A specifier naming a file rather than a package: a local copy's URL, or a path. */
const LOCAL_SPECIFIER = /^(?:\.{1,2}(?:\/|$)|\/|file:)/

/** Node's refusal to link an import of a name a module does not export: the module as requested, the name, and the file and line of the import. */
function linkError(err: unknown, files: readonly PlannedFile[]): { requested: string; name: string; importer: PlannedFile; line: number } | undefined {
  if (!(err instanceof SyntaxError)) return undefined
  const said = /^The requested module '([^']+)' does not provide an export named '([^']+)'/.exec(err.message)
  // Node's stack of a link error starts with the importing module's place: its sourceURL, the TypeScript file.
  const at = /^(file:\/\/.+):(\d+)$/.exec(err.stack?.split('\n', 1)[0] ?? '')
  if (!said || !at) return undefined
  const importer = files.find((f) => pathToFileURL(f.file).href === at[1])
  return importer ? { requested: said[1]!, name: said[2]!, importer, line: Number(at[2]) } : undefined
}

/** A name imported from a local TypeScript file or a package that does not export it: where the import is, and what it names. */
export class MissingExportError extends Error {
  constructor(
    /** The file with the import. */
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message)
    this.name = 'MissingExportError'
  }
}

/**
 * A name imported from a local TypeScript file that does not export it (`import { nope } from './helper'`):
 * the user's mistake, which Node tells as it links the copies. Handed to jiti, whose CommonJS leaves the
 * name undefined, it was met only when a step called it: `(0 , _helper.nope) is not a function`, naming
 * neither file. Not one: a re-export (`export { T } from './types'`: sucrase cannot tell a type there, and
 * jiti's CommonJS takes it), which still goes to jiti. A name from a package: see missingPackageExport.
 */
function missingLocalExport(err: unknown, files: readonly PlannedFile[]): MissingExportError | undefined {
  const link = linkError(err, files)
  if (!link) return undefined
  const { importer, requested, name } = link
  const specifier = importer.compiled.local[importer.importCopies.findIndex((copy) => pathToFileURL(copy).href === requested)]?.specifier
  if (specifier === undefined || !importsName(importer.compiled.code, specifier, name)) return undefined
  const what = name === 'default' ? 'a default export' : `"${name}"`
  return new MissingExportError(importer.file, link.line, `it imports ${what} from '${specifier}', which does not export it`)
}

/** A refusal no install fixes: a file type Node does not load, an export Node cannot find, a directory import. */
function refusedForGood(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_DIR_IMPORT' || (err instanceof SyntaxError && /\bexport\b/.test(err.message))
}

/** Whether every TypeScript file of this process goes through jiti (`run --watch`, VENOMQA_TS_LOADER=jiti). */
const throughJitiOnly = () => jitiOnly || process.env.VENOMQA_TS_LOADER === 'jiti'

/** Where a copy Node refused to link says why: named, like the copy, for the file and its imports as they are. */
const refusalOf = (f: PlannedFile) => `${f.out}.jiti`

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Before a batch of files is imported (the journey files): keep for jiti each file that shares a local
 * import with a file of the batch that only jiti can load, so that the shared module is one instance.
 */
export function keepSharedWithJiti(files: readonly string[]): void {
  if (throughJitiOnly()) return
  const verdicts = files.filter(isTypeScript).map((file) => ({ file, verdict: plan(file) }))
  const jitiReach = new Set(verdicts.flatMap(({ verdict }) => ('problem' in verdict ? verdict.reached : [])))
  // Until nothing changes: a file kept for jiti brings its own imports to jiti, which others may share.
  for (let changed = true; changed; ) {
    changed = false
    for (const { file, verdict } of verdicts) {
      if (!('files' in verdict) || keptForJiti.has(file) || !verdict.files.some((f) => jitiReach.has(f.file))) continue
      keptForJiti.add(file)
      for (const f of verdict.files) jitiReach.add(f.file)
      changed = true
    }
  }
}

/**
 * The local files that `file`, about to go through jiti, shares with files imported natively: each will
 * be a second instance of its module. Empty in the usual case, where no such file is shared.
 */
export function sharedWithNative(file: string): string[] {
  if (!nativeFiles.size || !isTypeScript(file)) return []
  const verdict = plan(file)
  const reached = 'problem' in verdict ? verdict.reached : verdict.files.map((f) => f.file)
  return reached.filter((f) => nativeFiles.has(f))
}

export const isTypeScript = (file: string) => /\.m?ts$/.test(file)

function startedFiles(): Set<string> {
  const g = globalThis as { [STARTED]?: Set<string> }
  g[STARTED] ??= new Set()
  return g[STARTED]
}

/**
 * jiti keeps what it evaluates (TypeScript, transpiled JavaScript, CommonJS, JSON) in Node's require
 * cache, the one object every `require` shares, keyed by file, whatever file it was made for.
 */
export const requireCache = () => createRequire(import.meta.url).cache

/** Plans by file, for the life of the process: a file's verdict cannot change within one run. */
const plans = new Map<string, Verdict>()

/** The files `root` brings in, imports first, each compiled; or why it goes to jiti, with the files reached. */
function plan(root: string): Verdict {
  const known = plans.get(root)
  if (known) return known
  const verdict = planFresh(root)
  plans.set(root, verdict)
  return verdict
}

function planFresh(root: string): Verdict {
  if (!isTypeScript(root)) return { problem: 'it is not a .ts or .mts file', reached: [] }
  const cacheDir = cacheDirFor(root)
  if (!cacheDir) return { problem: 'no node_modules directory holds it or its ancestors', reached: [] }
  // Each file once, whatever its verdict: a graph of shared imports is walked in its size, not its paths.
  const state = new Map<string, PlannedFile | 'visiting' | 'failed'>()
  const order: PlannedFile[] = []
  let problem: string | undefined
  const visit = (file: string): PlannedFile | undefined => {
    const seen = state.get(file)
    if (seen === 'visiting') problem ??= `it imports ${path.basename(file)} in a cycle`
    if (seen !== undefined) return typeof seen === 'object' ? seen : undefined
    state.set(file, 'visiting')
    const planned = planFile(file)
    state.set(file, planned ?? 'failed')
    if (planned) order.push(planned)
    return planned
  }
  const start = canonical(root)
  const planFile = (file: string): PlannedFile | undefined => {
    // A file it imports is named (from the root's directory), the root itself not: the caller names it.
    const named = (text: string) => (file === start ? text : `${path.relative(path.dirname(start), file)}: ${text}`)
    if (file.split(path.sep).includes('node_modules')) {
      problem ??= named('it is in node_modules')
      return undefined
    }
    let source: string
    try {
      source = readFileSync(file, 'utf8')
    } catch (err) {
      problem ??= named(`it cannot be read (${errorMessage(err)})`)
      return undefined
    }
    const key = digest(`${FORMAT}\0${cliVersion()}\0${file}\0${source}`)
    const result = compiledFor(cacheDir, key, source, file)
    if (result.problem) problem ??= named(result.problem)
    // Followed also past a problem: the files reached are what the file shares with others (keepSharedWithJiti).
    const importCopies: string[] = []
    for (const { specifier } of result.compiled?.local ?? []) {
      const target = resolveLocalTypeScript(specifier, file)
      if ('problem' in target) {
        problem ??= named(target.problem)
        continue
      }
      const dep = visit(canonical(target.file))
      if (dep) importCopies.push(dep.out)
    }
    for (const specifier of result.compiled?.alsoReached ?? []) {
      const target = resolveLocalTypeScript(specifier, file)
      if ('file' in target) visit(canonical(target.file))
    }
    if (problem || !result.compiled) return undefined
    const name = `${entryPrefix(file)}${digest(`${key}\0${importCopies.join('\0')}`).slice(0, 20)}.mjs`
    return { file, out: path.join(cacheDir, name), compiled: result.compiled, importCopies }
  }
  visit(start)
  const reached = () => [...state.keys()]
  if (problem) return { problem, reached: reached() }
  // Node refused this very copy in an earlier run (see importNatively): jiti, and the files it reaches with it.
  const refused = readIfThere(refusalOf(order.at(-1)!))
  return refused === undefined ? { files: order } : { problem: refused, reached: reached() }
}

/**
 * A file by its real path, as Node names a module: one file reached through a symlink and through its own
 * path is one module with one copy, and a stack names it by its real path.
 */
export function canonical(file: string): string {
  try {
    return realpathSync.native(file)
  } catch {
    return file
  }
}

/** The compiled form of a source, from the cache (`<key>.json`) or compiled now and kept there. */
function compiledFor(cacheDir: string, key: string, source: string, file: string): CompileResult {
  const entry = path.join(cacheDir, `${entryPrefix(file)}${key}.json`)
  try {
    return JSON.parse(readFileSync(entry, 'utf8')) as CompileResult
  } catch {
    // Not compiled yet (or an entry cut short by a crash: compiled again).
  }
  const result = compileTypeScript(source, file)
  writeAtomically(entry, JSON.stringify(result))
  pruneEarlier(entry, file)
  return result
}

/** Write a file's runnable copy, unless an earlier run did: its name says everything its content depends on. */
function writeCopy(f: PlannedFile): void {
  if (statSync(f.out, { throwIfNoEntry: false })) return
  let text = f.compiled.code
  for (const e of copyEdits(f).reverse()) text = text.slice(0, e.start) + e.text + text.slice(e.end)
  writeAtomically(f.out, `${startMark(f.file)}${text}\n//# sourceURL=${pathToFileURL(f.file).href}\n`)
  pruneEarlier(f.out, f.file)
}

/**
 * What a copy puts in place of the compiled code's text, in order: each local import's specifier becomes
 * its copy's URL, each `import.meta` an object of the file's own url, dirname and filename. None holds a
 * line break, so the copy keeps every line where the code has it.
 */
function copyEdits(f: PlannedFile): Array<{ start: number; end: number; text: string }> {
  const { local, meta } = f.compiled
  const metaObject = `({ url: ${JSON.stringify(pathToFileURL(f.file).href)}, dirname: ${JSON.stringify(path.dirname(f.file))}, filename: ${JSON.stringify(f.file)} })`
  return [
    ...local.map((l, i) => ({ start: l.start, end: l.end, text: JSON.stringify(pathToFileURL(f.importCopies[i]!).href) })),
    ...meta.map((m) => ({ start: m.start, end: m.end, text: metaObject })),
  ].sort((a, b) => a.start - b.start)
}

/**
 * A column (from 1) on `line` of a copy's code, less its start mark, as a column of the compiled code: the
 * edits before it on that line (a specifier made a URL, `import.meta` an object) made the copy's text
 * longer there. A column inside an edit's text is the start of what it replaced.
 */
function columnBeforeEdits(f: PlannedFile, line: number, column: number): number {
  const { code } = f.compiled
  let lineStart = 0
  for (let l = 1; l < line; l++) {
    const br = code.indexOf('\n', lineStart)
    if (br < 0) return column
    lineStart = br + 1
  }
  const br = code.indexOf('\n', lineStart)
  const lineEnd = br < 0 ? code.length : br
  let shift = 0
  for (const e of copyEdits(f)) {
    if (e.start < lineStart || e.start >= lineEnd) continue
    const at = e.start - lineStart + 1 + shift
    if (column < at) break
    if (column < at + e.text.length) return e.start - lineStart + 1
    shift += e.text.length - (e.end - e.start)
  }
  return column - shift
}

/**
 * Every entry of the cache is named `<file's name>.<hash of its path>.<hash of what it holds>` and a suffix:
 * `.json` (the compiled form), `.mjs` (the runnable copy) and `.mjs.jiti` (Node refused that copy).
 */
const entryPrefix = (file: string) => `${path.basename(file).replace(/\.m?ts$/, '')}.${digest(file).slice(0, 8)}.`
const ENTRY_REST = /^(?:[0-9a-f]{32}\.json|[0-9a-f]{20}\.mjs(?:\.jiti)?)$/

/**
 * The cache keeps the latest entries of each file: when `kept` is written (an edit, a new CLI version, an
 * imported file changed), the earlier entries of the same kind for the same file are removed, so that the
 * cache grows with the files compiled, never with their edits. Only on a miss, which compiles anyway: a
 * warm run lists nothing. A run that still imports a removed copy at that moment (the file changed under a
 * run beside it) fails to link it, and goes to jiti. A deleted file's entries stay until the cache is deleted.
 */
function pruneEarlier(kept: string, file: string): void {
  const dir = path.dirname(kept)
  const prefix = entryPrefix(file)
  const kind = kept.endsWith('.json') ? '.json' : '.mjs'
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || path.join(dir, name) === kept || path.join(dir, name) === `${kept}.jiti`) continue
    const rest = name.slice(prefix.length)
    if (ENTRY_REST.test(rest) && (kind === '.json') === rest.endsWith('.json')) rmSync(path.join(dir, name), { force: true })
  }
}

/** What a copy starts with: on the first line, so that every other line stays where it is in the TypeScript file. */
const startMark = (file: string) => `globalThis[Symbol.for(${JSON.stringify(STARTED.description)})]?.add(${JSON.stringify(file)});`

/**
 * Where a line and column (from 1) of `file`'s compiled copy are in the file as written, when this
 * process imported the copy; undefined otherwise. The line is the file's own (sucrase keeps lines); the
 * column is the copy's less its start mark and what its edits added before it on the line, read through
 * sucrase's source map, made again here, on this path only.
 */
export function placeInTypeScript(file: string, line: number, column: number): { line: number; column: number } | undefined {
  const f = imported.get(canonical(file))
  if (!f) return undefined
  // The mark is the copy's own, made for the file by its real path.
  const inCopy = line === 1 ? column - startMark(f.file).length : column
  // Inside the start mark: not the file's code, but its line 1.
  if (inCopy < 1) return { line, column: 1 }
  const inCode = columnBeforeEdits(f, line, inCopy)
  // Without a place in the map, the line is still the file's own (sucrase keeps lines).
  const fallback = { line, column: inCode }
  try {
    const mapped = placeThroughMap(sourceMapOf(f), 0, line, inCode)
    const compiledLine = lineOf(f.compiled.code, line)
    const sourceLine = lineOf(sourceOf(f), line)
    if (mapped && mapped.line === line && sameTextAt(compiledLine, inCode, sourceLine, mapped.column)) return mapped
    // sucrase's map loses its columns below some constructs (a template literal with a substitution): each
    // line after it maps from its start only, to a column of the line above. The code's line is the file's
    // with its types taken out, so its text, matched in order, gives the column.
    const aligned = alignedColumn(compiledLine, sourceLine, inCode)
    if (aligned !== undefined) return { line, column: aligned }
    return mapped ?? fallback
  } catch {
    return fallback
  }
}

/** Line `line` (from 1) of `text`, '' past its end. */
function lineOf(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? ''
}

/** Whether the code's text from `codeColumn` (from 1) is the source's from `sourceColumn`, as far as a token goes. */
function sameTextAt(code: string, codeColumn: number, source: string, sourceColumn: number): boolean {
  const token = /^(?:[\w$]+|\S)/.exec(code.slice(codeColumn - 1))?.[0]
  return token !== undefined && source.startsWith(token, sourceColumn - 1)
}

/**
 * The column (from 1) in `source` of the code's column `codeColumn`, where `code` is `source` with text
 * taken out (types, `!`, `as T`): each character of the code matched to the next equal one of the source.
 * Undefined when the code's text is not found so, in order (a line sucrase rewrote, such as an enum's).
 */
function alignedColumn(code: string, source: string, codeColumn: number): number | undefined {
  let at = 0
  for (let i = 0; i < codeColumn - 1; i++) {
    at = source.indexOf(code[i]!, at)
    if (at < 0) return undefined
    at++
  }
  return sameTextAt(code, codeColumn, source, at + 1) ? at + 1 : undefined
}

/** Set once stacks give places in TypeScript files as written (see stack-places.ts): read as they are, not placed again. */
let stacksPlaced = false
export const stacksArePlaced = () => stacksPlaced
export function markStacksPlaced(): void {
  stacksPlaced = true
}

/** sucrase's source map of a file, made again the first time a place in it is asked for (a stack has several). */
const sourceMaps = new WeakMap<PlannedFile, SourceMapPayload>()
function sourceMapOf(f: PlannedFile): SourceMapPayload {
  let map = sourceMaps.get(f)
  if (!map) {
    map = stripTypes(sourceOf(f), f.file, true).sourceMap as unknown as SourceMapPayload
    sourceMaps.set(f, map)
  }
  return map
}

/** The file as written, read the first time a place in it is asked for. */
const sources = new WeakMap<PlannedFile, string>()
function sourceOf(f: PlannedFile): string {
  let text = sources.get(f)
  if (text === undefined) sources.set(f, (text = readFileSync(f.file, 'utf8')))
  return text
}

/**
 * The nearest `node_modules` above the file, and the cache directory in it; undefined when there is none
 * (a package the file imports would not be found from there either, and jiti reports that as it does).
 */
function cacheDirFor(file: string): string | undefined {
  // Once per directory: a run's journey files mostly share one, and the walk up is a stat per level.
  const from = path.dirname(file)
  if (!cacheDirs.has(from)) cacheDirs.set(from, findCacheDir(from))
  return cacheDirs.get(from)
}

const cacheDirs = new Map<string, string | undefined>()

function findCacheDir(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules')
    if (statSync(modules, { throwIfNoEntry: false })?.isDirectory()) {
      const cache = path.join(modules, '.cache', 'venomqa', 'ts')
      try {
        mkdirSync(cache, { recursive: true })
        // A node_modules the user may not write (installed by another user, a read-only image): jiti then,
        // rather than compiling again on every run a copy that can never be kept.
        accessSync(cache, constants.W_OK)
        return cache
      } catch {
        return undefined
      }
    }
    if (path.dirname(dir) === dir) return undefined
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32)

/** Written whole or not at all: two runs at once (shards, workers) may write the same entry. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    writeFileSync(temp, text)
    renameSync(temp, file)
  } catch {
    // A read-only cache: the next run compiles again. Nothing half-written is left.
    rmSync(temp, { force: true })
  }
}
