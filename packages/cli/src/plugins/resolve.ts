import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { exports as resolveExports } from 'resolve.exports'

export interface PackageJson {
  name?: string
  version?: string
  type?: string
  main?: string
  module?: string
  exports?: unknown
  peerDependencies?: Record<string, string>
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  keywords?: unknown
}

/**
 * Whether a package says it is made for VenomQA: it depends on `@venomqa/core` (as a peer, as VenomQA's
 * own plugins and those `venomqa init --plugin` writes do), or has the `venomqa-plugin` keyword. A bare name (`redis`,
 * `wiremock`) is also the name of other libraries a project may have installed.
 */
export function speaksVenomQA(pkg: PackageJson): boolean {
  const deps = [pkg.peerDependencies, pkg.dependencies, pkg.optionalDependencies]
  return deps.some((d) => !!d && Object.hasOwn(d, '@venomqa/core')) || (Array.isArray(pkg.keywords) && pkg.keywords.includes('venomqa-plugin'))
}

export interface FoundPackage {
  name: string
  /** The package directory, symlinks resolved. */
  dir: string
  pkg: PackageJson
  /** The file `import(name)` loads. */
  entry: string
}

/**
 * The package names a plugin spec may mean, in the order DESIGN.md section 5 gives: the exact name;
 * `@venomqa/<spec>` and `@venomqa/{adapter,state,reporter}-<spec>`; `venomqa-plugin-<spec>`.
 * A scoped spec `@org/x` also tries `@org/venomqa-plugin-x`.
 */
export function pluginCandidates(spec: string): string[] {
  const out = [spec]
  const scoped = /^(@[^/]+)\/(.+)$/.exec(spec)
  if (scoped) {
    if (scoped[1] !== '@venomqa') out.push(`${scoped[1]}/venomqa-plugin-${scoped[2]}`)
  } else {
    out.push(`@venomqa/${spec}`, `@venomqa/adapter-${spec}`, `@venomqa/state-${spec}`, `@venomqa/reporter-${spec}`, `venomqa-plugin-${spec}`)
  }
  return [...new Set(out)]
}

/** A VenomQA plugin package in the project's node_modules, and the short name a spec may give it (`html` for `@venomqa/reporter-html`). */
export interface InstalledPlugin {
  name: string
  short: string
}

/**
 * The VenomQA plugin packages installed where Node finds packages from `root` (see nodeModulesDirs),
 * whether loaded or not: `@venomqa/*`, `venomqa-plugin-*` and `@org/venomqa-plugin-*`. A name installed in
 * two places is listed once, as the nearest copy is the one Node loads.
 */
export function installedPlugins(root: string): InstalledPlugin[] {
  const found = new Map<string, InstalledPlugin>()
  for (const nm of nodeModulesDirs(root))
    for (const name of pluginPackagesIn(nm)) if (!found.has(name)) found.set(name, { name, short: shortPluginName(name) })
  return [...found.values()]
}

/** The name a spec may give a plugin package: the reverse of pluginCandidates. */
function shortPluginName(name: string): string {
  if (name.startsWith('@venomqa/')) return name.slice('@venomqa/'.length).replace(/^(adapter|state|reporter)-/, '')
  return name.replace(/^(@[^/]+\/)?venomqa-plugin-/, '$1')
}

/**
 * The node_modules directories Node searches from `root`, nearest first: `node_modules` in root and every
 * parent directory (a workspace package's plugins are often hoisted to the workspace root), then NODE_PATH.
 * Only the ones that exist.
 */
export function nodeModulesDirs(root: string): string[] {
  const dirs: string[] = []
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') dirs.push(path.join(dir, 'node_modules'))
    if (path.dirname(dir) === dir) break
  }
  dirs.push(...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean))
  return dirs.filter((d) => existsSync(d))
}

/** The plugin packages in one node_modules directory, by package name. Reading directories imports nothing. */
export function pluginPackagesIn(nm: string): string[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir)
    } catch {
      return []
    }
  }
  const out: string[] = []
  for (const entry of list(nm)) {
    if (entry.startsWith('venomqa-plugin-')) out.push(entry)
    else if (entry === '@venomqa') out.push(...list(path.join(nm, entry)).map((p) => `${entry}/${p}`))
    else if (entry.startsWith('@')) out.push(...list(path.join(nm, entry)).filter((p) => p.startsWith('venomqa-plugin-')).map((p) => `${entry}/${p}`))
  }
  return out
}

/** `./x`, `../x`, `/x`, `C:\x`, or a file name with a script extension: a path, not a package name. */
export function isPathSpec(spec: string): boolean {
  return /^\.{1,2}([\\/]|$)/.test(spec) || path.isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec) || /\.(c|m)?(j|t)s$/.test(spec)
}

const VALID_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

/**
 * Find an installed package the way Node does from `root`: `node_modules/<name>` in root and every
 * parent directory, then NODE_PATH. Reads its package.json and picks the entry `import()` would load.
 */
export function findPackage(name: string, root: string): FoundPackage | undefined {
  for (const { dir, pkg } of installedUnder(name, root)) {
    const entry = packageEntry(dir, pkg)
    if (entry) return { name, dir, pkg, entry }
  }
  return undefined
}

/** Each directory a package of `name` is installed in, seen from `root` as Node looks, with its package.json. */
function* installedUnder(name: string, root: string): Generator<{ dir: string; pkg: PackageJson }> {
  if (!VALID_NAME.test(name)) return
  for (const nm of nodeModulesDirs(root)) {
    const pkgFile = path.join(nm, name, 'package.json')
    if (!existsSync(pkgFile)) continue
    const dir = realpathSync(path.dirname(pkgFile))
    yield { dir, pkg: readPackageJson(path.join(dir, 'package.json')) }
  }
}

/**
 * A package installed under `name` that cannot be imported (findPackage passes it by): its exports map has
 * no `.` entry for `import` (a CommonJS-only build, `{ ".": { "require": ... } }`), or its main file is not
 * there. Said as such, where the package was told as not installed at all.
 */
export function findUnimportablePackage(name: string, root: string): { name: string; dir: string; pkg: PackageJson } | undefined {
  for (const { dir, pkg } of installedUnder(name, root)) if (!packageEntry(dir, pkg)) return { name, dir, pkg }
  return undefined
}

export function readPackageJson(file: string): PackageJson {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson
  } catch {
    return {}
  }
}

/**
 * The file the package's `.` export maps to for `import()` under Node (conditions `node`, `import`,
 * `module-sync`, `default`, in the package's key order), else module/main/index.js. A package whose exports
 * map has no `.` entry, or none for these conditions, cannot be imported: undefined.
 */
export function packageEntry(dir: string, pkg: PackageJson): string | undefined {
  if (pkg.exports !== undefined) {
    let targets: string[] | void
    try {
      targets = resolveExports({ ...pkg, name: pkg.name ?? path.basename(dir) }, '.', { conditions: ['module-sync'] })
    } catch {
      // resolve.exports throws for a missing "." entry or no matching condition: not importable.
      return undefined
    }
    const target = targets?.[0]
    return target ? path.join(dir, target) : undefined
  }
  for (const candidate of [pkg.main, 'index.js', 'index.mjs', 'index.cjs']) {
    if (!candidate) continue
    const file = path.join(dir, candidate)
    for (const f of [file, `${file}.js`, path.join(file, 'index.js')]) if (existsSync(f) && statSync(f).isFile()) return f
  }
  return undefined
}

/** The nearest package.json at or above a file, with its directory. */
export function nearestPackage(from: string): { dir: string; pkg: PackageJson } | undefined {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json')
    if (existsSync(file)) return { dir, pkg: readPackageJson(file) }
    if (path.dirname(dir) === dir) return undefined
  }
}
