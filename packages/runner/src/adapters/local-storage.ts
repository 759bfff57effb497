import type * as Fs from 'node:fs'
import type * as Fsp from 'node:fs/promises'
import path from 'node:path'
import { type StoragePort, type StoredObject, TEMP_PREFIX, UserError, atomicWriteFile, makeDirectories, lazyBuiltin } from '@venomqa/core'

// Loaded at first use, not when the package is imported: a run that never writes a file never loads them
// (an ESM import of node:fs reads every export, fs.promises and what it loads included).
const fs = lazyBuiltin<typeof Fs>('node:fs')
const fsp = lazyBuiltin<typeof Fsp>('node:fs/promises')

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
}

/**
 * The storage port on a local directory. Keys are '/'-separated relative paths (`reports/2024/a.json`);
 * a key that could leave the directory is refused. Writes are atomic (temp file, then rename).
 *
 * A content type given to `put` is remembered by this instance; otherwise it is guessed from the extension.
 */
export class LocalStorage implements StoragePort {
  readonly root: string
  readonly #contentTypes = new Map<string, string>()

  constructor(options: { dir: string }) {
    if (typeof options?.dir !== 'string' || options.dir === '')
      throw new UserError('E_STORAGE', 'LocalStorage({ dir }): dir must be a directory path')
    this.root = path.resolve(options.dir)
  }

  async put(key: string, content: string | Uint8Array, options: { contentType?: string } = {}): Promise<void> {
    const file = this.#fileFor(key)
    if (typeof content !== 'string' && !(content instanceof Uint8Array))
      throw new UserError('E_STORAGE', `storage.put("${key}"): content must be a string or a Uint8Array`)
    try {
      await atomicWriteFile(file, content)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST')
        throw keyError(key, 'it clashes with an existing key: one key cannot be both an object and a folder of others')
      throw err
    }
    if (options.contentType) this.#contentTypes.set(key, options.contentType)
    else this.#contentTypes.delete(key)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.#fileFor(key)
    try {
      return new Uint8Array(await fsp().readFile(file))
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined
      throw err
    }
  }

  async getText(key: string): Promise<string | undefined> {
    const bytes = await this.get(key)
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes)
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fsp().stat(this.#fileFor(key))).isFile()
    } catch (err) {
      if (isMissing(err)) return false
      throw err
    }
  }

  async delete(key: string): Promise<boolean> {
    const file = this.#fileFor(key)
    if (!(await this.exists(key))) return false
    await fsp().rm(file, { force: true })
    this.#contentTypes.delete(key)
    await this.#pruneEmptyDirs(path.dirname(file))
    return true
  }

  /** Every object whose key starts with `prefix` (a plain string prefix, as in S3), sorted by key. */
  async list(prefix = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = []
    await this.#walk(this.root, '', async (key, file) => {
      if (!key.startsWith(prefix)) return
      const info = await fsp().stat(file)
      out.push({
        key,
        size: info.size,
        contentType: this.#contentTypes.get(key) ?? CONTENT_TYPES[path.extname(key).toLowerCase()],
        modifiedAt: info.mtime.toISOString(),
      })
    })
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** Remove everything inside the directory; the directory itself stays. */
  async clear(): Promise<void> {
    let entries: string[]
    try {
      entries = await fsp().readdir(this.root)
    } catch (err) {
      if (isMissing(err)) return
      throw err
    }
    await Promise.all(entries.map((e) => fsp().rm(path.join(this.root, e), { recursive: true, force: true })))
    this.#contentTypes.clear()
  }

  /** True when the directory exists (or can be created) and is writable. */
  async healthCheck(): Promise<boolean> {
    try {
      await makeDirectories(this.root)
      await fsp().access(this.root, fs().constants.W_OK | fs().constants.R_OK)
      return true
    } catch {
      return false
    }
  }

  #fileFor(key: string): string {
    checkKey(key)
    const file = path.join(this.root, ...key.split('/'))
    // Belt and braces: checkKey already refuses anything that could resolve outside the root.
    if (!file.startsWith(this.#rootWithSep())) throw keyError(key, 'it resolves outside the storage directory')
    return file
  }

  #rootWithSep(): string {
    return this.root.endsWith(path.sep) ? this.root : this.root + path.sep
  }

  async #walk(dir: string, prefix: string, visit: (key: string, file: string) => Promise<void>): Promise<void> {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fsp().readdir(dir, { withFileTypes: true })
    } catch (err) {
      if (isMissing(err)) return
      throw err
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue
      const key = prefix + entry.name
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await this.#walk(full, `${key}/`, visit)
      else if (entry.isFile()) await visit(key, full)
    }
  }

  /** Remove directories left empty by a delete, up to (not including) the root. */
  async #pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.#rootWithSep()) && dir !== this.root) {
      try {
        await fsp().rmdir(dir)
      } catch {
        return // not empty (or already gone): stop climbing
      }
      dir = path.dirname(dir)
    }
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw keyError(String(key), 'a key must be a non-empty string')
  if (key.includes('\0')) throw keyError(key, 'it contains a NUL byte')
  if (key.includes('\\')) throw keyError(key, "use '/' to separate path segments, not '\\'")
  if (key.startsWith('/') || path.isAbsolute(key) || /^[a-zA-Z]:/.test(key))
    throw keyError(key, 'it is absolute; keys are paths relative to the storage directory')
  const segments = key.split('/')
  if (segments.includes('..')) throw keyError(key, "'..' segments are not allowed")
  if (segments.some((s) => s === '' || s === '.')) throw keyError(key, "empty or '.' segments are not allowed")
  if (segments.some((s) => s.startsWith(TEMP_PREFIX))) throw keyError(key, `segments starting with "${TEMP_PREFIX}" are reserved`)
}

function keyError(key: string, why: string): UserError {
  return new UserError('E_STORAGE_KEY', `storage key "${key}" is not allowed: ${why}`, { where: key })
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
