import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, didYouMean, redactText } from '@venomqa/core'

/** A document or a file one of its `$ref`s points into: its name in messages, where it is, what it holds. */
interface RefFile {
  name: string
  /** Its absolute path; undefined for a document fetched from a URL. */
  location?: string
  value: unknown
}

/** A `$ref` to a URL (fetched when the document's files are put into it) or of another scheme (left to the parser): where it sits, for a failure to name. */
export interface RemoteRef {
  where: string
  ref: string
  /** The URL without its fragment. */
  target: string
}

export interface RefCheckInput {
  /** The document's name in messages (the file or URL the user gave). */
  source: string
  /** Its absolute path, or its URL. */
  location: string
  isUrl: boolean
  raw: Record<string, unknown>
  /** Files are named relative to it, as the document is. */
  root: string
  /** Parse a file's text, as the document's was: a mistake in it is a ConfigError naming the file and the place. */
  parse(name: string, text: string): unknown
}

/**
 * Every `$ref` of the document, and of the files they point into, must be well formed and point at
 * something. The parser would report a bad one without saying where the `$ref` sits, or crash on it, or
 * ignore it (a `$ref` that is not a string), and where it sits is what the user has to fix: each mistake
 * is a ConfigError naming the file and the JSON pointer of the `$ref`. A `$ref` to a URL is fetched later
 * (inlineExternalRefs), one of another scheme left to the parser; its place is returned for a failure
 * there to name.
 */
export async function checkRefs(input: RefCheckInput): Promise<RemoteRef[]> {
  const remote: RemoteRef[] = []
  const root: RefFile = { name: input.source, ...(input.isUrl ? {} : { location: input.location }), value: input.raw }
  const files = new Map<string, RefFile>(root.location ? [[root.location, root]] : [])
  const queue: RefFile[] = [root]
  for (let file = queue.shift(); file; file = queue.shift())
    for (const { site, ref, where, fail } of wellFormedRefs(file.name, file.value)) {
      if (ref.uri === '') {
        if (file === root && ref.pointer === '') throw fail(`"${site.ref}" points to the whole document: a $ref names a part of it, as "#/components/schemas/Pet" does`)
        if (resolvePointer(file.value, ref.pointer) === undefined) throw fail(pointsToNothing(site.ref, file.value, ref.pointer, file === root ? 'the document' : file.name))
        continue
      }
      // A URL (or any document fetched from one: its relative `$ref`s are URLs too) is fetched later.
      if (/^[a-z][a-z0-9+.-]*:/i.test(ref.uri) || !file.location) {
        remote.push({ where, ref: site.ref, target: ref.uri })
        continue
      }
      const abs = path.resolve(path.dirname(file.location), decoded(ref.uri, site.ref, fail))
      let target = files.get(abs)
      if (!target) {
        target = await readRefFile(abs, input, (why) => fail(`"${site.ref}" points to the file ${shownPath(input.root, abs)}, ${why}${inDocumentHint(ref.uri, input.raw)}`))
        files.set(abs, target)
        queue.push(target)
      }
      if (resolvePointer(target.value, ref.pointer) === undefined) throw fail(pointsToNothing(site.ref, target.value, ref.pointer, target.name))
    }
  return remote
}

/** Where the files a document points into are put, in the document: every `$ref` then stays inside it. */
export const INLINED_KEY = 'x-venomqa-refs'

/** A pointer into a file put into the document: its index, and the pointer within the file. */
const INLINED_POINTER = new RegExp(`^/${INLINED_KEY}/(\\d+)(/.*)?$`)

/** The names of the files put into a document, by their index under INLINED_KEY: for placeOf. */
const inlinedNames = new WeakMap<object, string[]>()

/**
 * A place in the document `raw` as a message names it, `file#pointer`: a place inside a file put into it
 * (see inlineExternalRefs) is named in that file, where the user wrote it.
 */
export function placeOf(source: string, raw: object, pointer: string): string {
  const inlined = INLINED_POINTER.exec(pointer)
  const name = inlined && inlinedNames.get(raw)?.[Number(inlined[1])]
  return name ? `${name}#${inlined[2] ?? ''}` : `${source}#${pointer}`
}

export interface InlineInput {
  /** The document's name in messages (its path as given, or its URL, credentials masked). */
  source: string
  /** Its URL: http(s), as fetched (credentials in it are sent again to the same server), or file:. */
  location: string
  raw: Record<string, unknown>
  /** The text at a file: or http(s) URL; throws an Error saying why not (connection refused, answered 404, no such file). */
  readText(url: string): Promise<string>
  parse(name: string, text: string): unknown
  /** A URL as messages name it: credentials masked, a file by its path. */
  shown(url: string): string
}

/**
 * The `$ref`s of a document that point to other files (`./schemas.json#/Pet`, relative to the document,
 * or a URL of their own) are read here, each file once, and put into the document under INLINED_KEY,
 * each `$ref` rewritten to point there: the parser then meets only `$ref`s inside the document, and so
 * does the schema validator after it. Left to the parser, a relative `$ref` of a fetched document was
 * looked for in the working directory, a URL on loopback or a private address (where an API under test
 * serves its schemas) was refused, and so was one on a port of the fetch standard's "bad ports" (its
 * fetch), each said only as "Unable to resolve $ref pointer"; a schema of another file that refers to
 * itself was left as a `$ref` to that file, which the validator cannot resolve.
 * A file points to files and URLs; what was fetched from a URL points to URLs only (a server never
 * names a file of this machine to read). A `$ref` of another scheme in a file is left to the parser
 * (checkRefs keeps its place). Each mistake names the file and the `$ref`: a file that cannot be read or
 * fetched, a pointer to nothing in it.
 */
export async function inlineExternalRefs(input: InlineInput): Promise<void> {
  const inlined: unknown[] = []
  const names: string[] = []
  const indexOf = new Map<string, number>()
  const queue: { name: string; url: string; value: unknown; prefix: string }[] = [{ name: input.source, url: input.location, value: input.raw, prefix: '' }]
  for (let file = queue.shift(); file; file = queue.shift())
    for (const { site, ref, fail } of wellFormedRefs(file.name, file.value)) {
      const holder = resolvePointer(file.value, site.pointer) as { $ref: string }
      if (ref.uri === '') {
        // The document's own were checked already; a read file's point into it, now under its prefix.
        if (file.prefix === '') continue
        if (resolvePointer(file.value, ref.pointer) === undefined) throw fail(pointsToNothing(site.ref, file.value, ref.pointer, file.name))
        holder.$ref = `#${file.prefix}${ref.pointer}`
        continue
      }
      let target: URL
      try {
        target = new URL(ref.uri, file.url)
      } catch {
        throw fail(`"${site.ref}" is not a URL, nor a path relative to ${file.name}`)
      }
      const fromFile = new URL(file.url).protocol === 'file:'
      if (target.protocol === 'file:' ? !fromFile : target.protocol !== 'http:' && target.protocol !== 'https:') {
        if (fromFile) continue
        // Named as written, a URL: no file of this machine is meant.
        throw fail(`"${redactText(site.ref)}" points to ${redactText(target.href)}: a document fetched from a URL can point to other URLs only`)
      }
      // A URL may carry a key (`?api_key=...`), as the document's own does: masked in every message.
      const written = target.protocol === 'file:' ? site.ref : redactText(site.ref)
      target.hash = ''
      // Back into the document itself: a pointer into it, not a second copy of it.
      if (target.href === new URL(input.location).href.replace(/#.*$/, '')) {
        if (resolvePointer(input.raw, ref.pointer) === undefined) throw fail(pointsToNothing(site.ref, input.raw, ref.pointer, input.source))
        holder.$ref = `#${ref.pointer}`
        continue
      }
      let index = indexOf.get(target.href)
      if (index === undefined) {
        const name = input.shown(target.href)
        let text: string
        try {
          text = await input.readText(target.href)
        } catch (err) {
          throw fail(`"${written}" points to ${name}, which cannot be ${target.protocol === 'file:' ? 'read' : 'fetched'}: ${err instanceof Error ? err.message : String(err)}`)
        }
        index = inlined.length
        indexOf.set(target.href, index)
        const value = input.parse(name, text)
        inlined.push(value)
        names.push(name)
        queue.push({ name, url: target.href, value, prefix: `/${INLINED_KEY}/${index}` })
      }
      if (resolvePointer(inlined[index], ref.pointer) === undefined) throw fail(pointsToNothing(written, inlined[index], ref.pointer, input.shown(target.href)))
      holder.$ref = `#/${INLINED_KEY}/${index}${ref.pointer}`
    }
  if (!inlined.length) return
  input.raw[INLINED_KEY] = inlined
  inlinedNames.set(input.raw, names)
}

/**
 * Every `$ref` of the file `name` holding `value`, checked well formed (a string, a URI reference whose
 * fragment is a JSON pointer), split at its `#`, with where it sits and how to refuse it there.
 */
function* wellFormedRefs(name: string, value: unknown) {
  for (const found of refSites(value)) {
    const where = `${name}#${found.pointer}/$ref`
    const fail = (problem: string) => new ConfigError(`${where}: ${problem}`, { where })
    if (typeof found.ref !== 'string') throw fail(`a $ref is a string (a URI reference, as "#/components/schemas/Pet"), got ${kindOf(found.ref)}`)
    yield { site: { pointer: found.pointer, ref: found.ref }, ref: parseRef(found.ref, fail), where, fail }
  }
}

/**
 * Every `$ref` under `value`, with the JSON pointer of the object that holds it: a string, as the parser
 * reads one, or anything else but an object (a property named "$ref" is a schema, not a reference).
 */
function refSites(value: unknown): { pointer: string; ref: unknown }[] {
  const out: { pointer: string; ref: unknown }[] = []
  const walk = (node: unknown, pointer: string): void => {
    if (!node || typeof node !== 'object') return
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${pointer}/${i}`))
    const ref = (node as { $ref?: unknown }).$ref
    if (ref !== undefined && (ref === null || typeof ref !== 'object' || Array.isArray(ref))) out.push({ pointer, ref })
    for (const [key, child] of Object.entries(node)) walk(child, `${pointer}/${escapePointer(key)}`)
  }
  walk(value, '')
  return out
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`
}

/** A `$ref` split at its `#`: the file or URL (empty for the same file) and the JSON pointer, decoded. */
function parseRef(ref: string, fail: (problem: string) => ConfigError): { uri: string; pointer: string } {
  const hash = ref.indexOf('#')
  const uri = hash < 0 ? ref : ref.slice(0, hash)
  const fragment = hash < 0 ? '' : ref.slice(hash + 1)
  if (fragment !== '' && !fragment.startsWith('/'))
    throw fail(`"${ref}" is malformed: after "#" comes a JSON pointer, which starts with "/" (as in "#/${fragment}")`)
  for (const token of fragment.split('/').slice(1)) {
    const text = decoded(token, ref, fail)
    if (/~(?![01])/.test(text)) throw fail(`"${ref}" is malformed: in a JSON pointer "~" is followed by 0 (for "~") or 1 (for "/")`)
  }
  return { uri, pointer: fragment }
}

/** A %-encoded part of a `$ref` decoded, or the mistake named (a "%" with no two hex digits after it). */
function decoded(text: string, ref: string, fail: (problem: string) => ConfigError): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw fail(`"${ref}" is malformed: a "%" in it is not followed by two hexadecimal digits (write "%25" for "%")`)
  }
}

/** The file a `$ref` points into, read and parsed: one that cannot be read is the `$ref`'s mistake (`fail`), one that does not parse the file's, named by `parse`. */
async function readRefFile(abs: string, input: RefCheckInput, fail: (why: string) => ConfigError): Promise<RefFile> {
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw fail(code === 'ENOENT' ? 'which does not exist' : `which cannot be read (${code ?? 'error'})`)
  }
  const name = shownPath(input.root, abs)
  return { name, location: abs, value: input.parse(name, text) }
}

/** For a `$ref` written as a path into the document without its "#" (`components/schemas/Pet`), the one meant. */
function inDocumentHint(uri: string, raw: Record<string, unknown>): string {
  const pointer = `/${uri.replace(/^\.?\//, '')}`
  return resolvePointer(raw, pointer) === undefined ? '' : ` (a $ref within the document starts with "#": "#${pointer}")`
}

/** A name as a token of a JSON pointer (RFC 6901): `~` as `~0`, `/` as `~1`. For a pointer a message shows. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * The JSON pointer to `names`, one below the other, as resolvePointer reads one (a `$ref`'s fragment): each
 * name escaped, then percent-encoded. A name holding `/`, `~` or `%` (`thing/id`, `lot~1no`, `pct%41`) is
 * then found as it is, not as the place its unescaped text points to.
 */
export function pointerTo(...names: string[]): string {
  return names.map((name) => `/${encodeURIComponent(escapePointer(name))}`).join('')
}

/**
 * The value at a JSON pointer (`/a/b`, `''` the whole), or undefined, also for a pointer that is malformed.
 * Read as a URI fragment writes it (RFC 6901 section 6): percent-decoded, then `~1` and `~0` unescaped.
 */
export function resolvePointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value
  if (!pointer.startsWith('/')) return undefined
  let at: unknown = value
  for (const part of pointer.slice(1).split('/')) {
    const key = pointerKey(part)
    if (key === undefined) return undefined
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

/**
 * `"#/components/schemas/Prodcut" points to nothing in the document; did you mean "#/components/schemas/Product"?`:
 * the `$ref` as written (`written`), with, when one name of its pointer is a typo of a name there (see
 * didYouMean) and the pointer so corrected points at something, the `$ref` corrected.
 */
function pointsToNothing(written: string, value: unknown, pointer: string, where: string): string {
  const near = nearPointer(value, pointer)
  const hash = written.indexOf('#')
  const suggestion = near === undefined || hash < 0 ? undefined : `${written.slice(0, hash + 1)}${near}`
  return `"${written}" points to nothing in ${where}${suggestion ? `; did you mean "${suggestion}"?` : ''}`
}

/** The pointer with its first name that is not there replaced by the closest one that is, when the whole then resolves. */
function nearPointer(value: unknown, pointer: string): string | undefined {
  const parts = pointer.split('/').slice(1)
  let at: unknown = value
  for (const [i, part] of parts.entries()) {
    if (!at || typeof at !== 'object') return undefined
    const key = pointerKey(part)
    if (key === undefined) return undefined
    if (!Object.hasOwn(at, key)) {
      // One letter for another is no typo of a name of one letter (`B` for `A`): a guess, not a near miss.
      const near = key.length > 1 ? didYouMean(key, Object.keys(at)) : undefined
      if (near === undefined) return undefined
      const corrected = ['', ...parts.slice(0, i), near.replace(/~/g, '~0').replace(/\//g, '~1'), ...parts.slice(i + 1)].join('/')
      return resolvePointer(value, corrected) === undefined ? undefined : corrected
    }
    at = (at as Record<string, unknown>)[key]
  }
  return undefined
}

/** A name of a pointer as written in a `$ref`'s fragment, decoded; undefined for one that does not decode. */
function pointerKey(part: string): string | undefined {
  try {
    return decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')
  } catch {
    return undefined
  }
}

/**
 * The place of the `$ref` a parser failure is about, when it names one of the URLs `remote` points to
 * (its message, or its `source`): `<file>#<pointer>/$ref`.
 */
export function remotePlace(err: unknown, remote: readonly RemoteRef[]): RemoteRef | undefined {
  const message = err instanceof Error ? err.message : String(err)
  const source = (err as { source?: unknown } | undefined)?.source
  return remote.find((r) => r.target !== '' && (source === r.target || message.includes(r.target)))
}

/** A file as messages name it: relative to the root, as the document is, `/`-separated. */
export function shownPath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/') || abs
}
