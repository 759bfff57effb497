import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, errorMessage } from '@venomqa/core'

/** A glob as a RegExp over '/'-separated relative paths: `**`, `*`, `?`, `{a,b}`, `[abc]`. */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  let depth = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/'
        re += slashAfter ? '(?:[^/]*(?:/|$))*' : '.*'
        i += slashAfter ? 2 : 1
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '{') {
      // A `{` without its `}` is the character itself: opened as a group, it made an invalid RegExp
      // (`journeys/**\/*.{journey.ts`), which crashed the command instead of matching nothing.
      if (closingBrace(glob, i) < 0) re += '\\{'
      else {
        depth++
        re += '(?:'
      }
    } else if (c === '}' && depth > 0) {
      depth--
      re += ')'
    } else if (c === ',' && depth > 0) re += '|'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) re += '\\['
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&')
  }
  try {
    return new RegExp(`^${re}$`)
  } catch (err) {
    // What is left that a RegExp refuses (a class like `[z-a]`): the user's glob, named, not a crash.
    throw new ConfigError(`"${glob}" is not a valid glob: ${errorMessage(err)}`, { where: glob })
  }
}

/** A path as a glob that matches that path only: each wildcard character as a class of itself (`[[]id].ts`). */
export function escapeGlob(p: string): string {
  return p.replace(/[*?{[]/g, '[$&]')
}

/** Where the `}` that closes the `{` at `open` is, or -1: nested pairs counted. */
function closingBrace(glob: string, open: number): number {
  let depth = 0
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++
    else if (glob[i] === '}' && --depth === 0) return i
  }
  return -1
}

const MAGIC = /[*?{[]/

/** The directory part before the first wildcard: walking starts there. */
function staticBase(glob: string): string {
  const parts = glob.split('/')
  const base: string[] = []
  for (const p of parts.slice(0, -1)) {
    if (MAGIC.test(p)) break
    base.push(p)
  }
  return base.join('/')
}

/**
 * Files under `root` matching any of `patterns` (relative globs; a leading `!` excludes), sorted.
 * node_modules and dot directories are skipped. Absolute paths in the result.
 */
export async function globFiles(patterns: readonly string[], root: string): Promise<string[]> {
  const include = patterns.filter((p) => !p.startsWith('!')).map(normalize)
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(normalize(p.slice(1))))
  const found = new Set<string>()
  for (const pattern of include) {
    const re = globToRegExp(pattern)
    const base = staticBase(pattern)
    for (const rel of await walk(path.join(root, base), base)) if (re.test(rel) && !exclude.some((x) => x.test(rel))) found.add(rel)
  }
  return [...found].sort().map((rel) => path.join(root, rel))
}

const SCRIPT = /\.(?:[cm]?[jt]s)$/
const DECLARATION = /\.d\.[cm]?ts$/

/**
 * Script files under the static base of the patterns that none of them matches, relative to `root`, the
 * first `max`: when no journey file is found, a `journeys/orders.ts` the pattern `journeys/**\/*.journey.ts`
 * skips is most often a journey whose name lacks the `.journey` the pattern asks for.
 */
export async function scriptsNotMatched(patterns: readonly string[], root: string, max = 3): Promise<string[]> {
  const bases = new Set(patterns.filter((p) => !p.startsWith('!')).map((p) => staticBase(normalize(p))))
  const found = new Set<string>()
  for (const base of bases) for (const rel of await walk(path.join(root, base), base)) if (SCRIPT.test(rel) && !DECLARATION.test(rel)) found.add(rel)
  return [...found].sort().slice(0, max)
}

function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '')
}

async function walk(dir: string, rel: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const out: string[] = []
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const childRel = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), childRel)))
    else if (e.isFile() || e.isSymbolicLink()) out.push(childRel)
  }
  return out
}

export function hasMagic(p: string): boolean {
  return MAGIC.test(p)
}
