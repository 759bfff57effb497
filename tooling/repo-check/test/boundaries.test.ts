/**
 * Package boundaries (DESIGN.md section 2): a package reaches another only through its published entry
 * points, never into its files; a published package imports only node builtins and what its package.json
 * declares; a plugin takes nothing from VenomQA but @venomqa/core; the runner and the CLI import no driver.
 */
import { builtinModules } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
// TypeScript's JavaScript API: TypeScript 7, the repository's compiler, is a native program without one.
import ts from '@typescript/typescript6'
import { describe, expect, it } from 'vitest'
import { type WorkspacePackage, relative, sourceFiles, workspacePackages } from './workspace'

/**
 * What a file imports: imports, re-exports, `import()` and `require()` as TypeScript's own scanner reads
 * them (strings and comments are not mistaken for imports), and `new URL('./x', import.meta.url)`.
 */
export function specifiers(code: string): string[] {
  const out = ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName)
  for (const m of code.matchAll(/\bnew\s+URL\s*\(\s*['"](\.{1,2}\/[^'"\n]*)['"]\s*,\s*import\.meta\.url/g)) out.push(m[1]!)
  return out
}

/** `@scope/name/sub/path` -> [`@scope/name`, `./sub/path`]; `pg` -> [`pg`, `.`]. */
export function splitBare(spec: string): [string, string] {
  const parts = spec.split('/')
  const n = spec.startsWith('@') ? 2 : 1
  return [parts.slice(0, n).join('/'), parts.length > n ? `./${parts.slice(n).join('/')}` : '.']
}

const BUILTINS = new Set(builtinModules)
const isBuiltin = (name: string) => name.startsWith('node:') || BUILTINS.has(name)

/** Database, cache, mail, mock and search clients: each belongs to the one plugin that wraps it. */
const DRIVERS = ['pg', 'mysql2', 'ioredis', 'bullmq', 'nodemailer', 'smtp-server', 'mailparser', 'wiremock-captain', '@elastic/elasticsearch']
const isPlugin = (name: string) => /^@venomqa\/(state|adapter|reporter)-/.test(name)

/** Reaching into another package on purpose, each with its reason. */
const ALLOWED: { file: RegExp; spec: RegExp; why: string }[] = [
  {
    file: /^packages\/[^/]+\/vitest\.config\.ts$/,
    spec: /^\.\.\/[^/]+\/src\/index\.ts$/,
    why: 'a vitest alias to a package entry, the way tests see source without a rebuild (vitest.shared.ts)',
  },
  {
    file: /^packages\/cli\/scripts\/schemas\.ts$/,
    spec: /^\.\.\/\.\.\/core\/schema\/results\.schema\.json$/,
    why: "the generator writes core's results schema from the CLI's zod schemas; nothing is imported",
  },
]

const packages = workspacePackages()
const byName = new Map(packages.map((p) => [p.json.name, p]))

function ownerOf(file: string): WorkspacePackage | undefined {
  return packages.filter((p) => file === p.dir || file.startsWith(p.dir + path.sep)).sort((a, b) => b.dir.length - a.dir.length)[0]
}

function exportsSubpath(pkg: WorkspacePackage, subpath: string): boolean {
  const exp = pkg.json.exports
  if (exp === undefined || typeof exp === 'string') return subpath === '.'
  return Object.hasOwn(exp as object, subpath)
}

/** Problems in one file of `pkg`; `strict` adds the rules for code that is published or run (not tests). */
export function problems(pkg: WorkspacePackage, file: string, code: string, strict: boolean): string[] {
  const found: string[] = []
  // What a published package needs at run time must be a dependency; a private one (bench) runs from here.
  const declared = {
    ...pkg.json.dependencies,
    ...pkg.json.peerDependencies,
    ...pkg.json.optionalDependencies,
    ...(pkg.json.private ? pkg.json.devDependencies : {}),
  }
  for (const spec of specifiers(code)) {
    if (ALLOWED.some((a) => a.file.test(relative(file)) && a.spec.test(spec))) continue
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec)
      const owner = ownerOf(target)
      if (owner && owner !== pkg) found.push(`${spec}: a relative path into ${owner.rel}; import ${owner.json.name} instead`)
      continue
    }
    if (isBuiltin(spec)) continue
    const [name, subpath] = splitBare(spec)
    const other = byName.get(name)
    if (other && subpath !== '.' && !exportsSubpath(other, subpath)) found.push(`${spec}: not an entry point of ${name} (its exports map has no "${subpath}")`)
    if (!strict) continue
    if (!(name in declared) && name !== pkg.json.name) found.push(`${spec}: ${name} is not in the dependencies or peerDependencies of ${pkg.json.name}`)
    if (pkg.json.name === '@venomqa/core') found.push(`${spec}: @venomqa/core imports nothing but node builtins`)
    if (isPlugin(pkg.json.name) && name.startsWith('@venomqa/') && name !== '@venomqa/core')
      found.push(`${spec}: a plugin takes only @venomqa/core from VenomQA`)
    if ((pkg.json.name === '@venomqa/runner' || pkg.json.name === '@venomqa/cli') && DRIVERS.includes(name))
      found.push(`${spec}: ${pkg.json.name} may not import a driver`)
  }
  return found
}

describe('package boundaries', () => {
  it('the checks catch what they are for', () => {
    const pkg = (name: string) => byName.get(name)!
    const runnerFile = path.join(pkg('@venomqa/runner').dir, 'src/x.ts')
    const redisFile = path.join(pkg('@venomqa/adapter-redis').dir, 'src/x.ts')
    const benchFile = path.join(pkg('@venomqa/bench').dir, 'x/index.ts')
    expect(problems(pkg('@venomqa/runner'), runnerFile, "import { Pool } from 'pg'", true).join()).toMatch(/may not import a driver/)
    expect(problems(pkg('@venomqa/runner'), runnerFile, "import x from '@venomqa/core/src/errors'", false).join()).toMatch(/not an entry point/)
    expect(problems(pkg('@venomqa/runner'), runnerFile, "import x from '../../core/src/errors'", false).join()).toMatch(/relative path into packages\/core/)
    expect(problems(pkg('@venomqa/bench'), benchFile, "import x from '../../packages/adapter-redis/src/index'", true).join()).toMatch(/relative path/)
    expect(problems(pkg('@venomqa/adapter-redis'), redisFile, "import { createRunner } from '@venomqa/runner'", true).join()).toMatch(/only @venomqa\/core/)
    expect(problems(pkg('@venomqa/core'), path.join(pkg('@venomqa/core').dir, 'src/x.ts'), "import { z } from 'zod'", true).join()).toMatch(/imports nothing/)
    expect(
      problems(
        pkg('@venomqa/adapter-redis'),
        redisFile,
        "import { version } from '@venomqa/core/package.json'\nimport net from 'node:net'\nimport Redis from 'ioredis'",
        true,
      ),
    ).toEqual([])
  })

  const published = packages.filter((p) => p.rel.startsWith('packages/') || p.rel.startsWith('examples/'))
  describe.each(published.map((p) => [p.json.name, p] as const))('%s', (_name, pkg) => {
    it('src imports only builtins and declared dependencies, by their entry points', () => {
      const found = sourceFiles(path.join(pkg.dir, 'src')).flatMap((f) => problems(pkg, f, fs.readFileSync(f, 'utf8'), true).map((p) => `${relative(f)}: ${p}`))
      expect(found).toEqual([])
    })
    it('tests reach other packages only through their entry points', () => {
      const dirs = fs
        .readdirSync(pkg.dir)
        .filter((d) => d !== 'src' && d !== 'node_modules' && d !== 'dist' && fs.statSync(path.join(pkg.dir, d)).isDirectory())
      const files = [...dirs.flatMap((d) => sourceFiles(path.join(pkg.dir, d))), ...sourceFiles(pkg.dir).filter((f) => path.dirname(f) === pkg.dir)]
      const found = files.flatMap((f) => problems(pkg, f, fs.readFileSync(f, 'utf8'), false).map((p) => `${relative(f)}: ${p}`))
      expect(found).toEqual([])
    })
  })

  it('benchmarks import packages, not their files, and declare what they import', () => {
    const bench = byName.get('@venomqa/bench')!
    const found = sourceFiles(bench.dir).flatMap((f) => problems(bench, f, fs.readFileSync(f, 'utf8'), true).map((p) => `${relative(f)}: ${p}`))
    expect(found).toEqual([])
  })

  it('tooling reaches packages only through their entry points', () => {
    const found = packages
      .filter((p) => p.rel.startsWith('tooling/'))
      .flatMap((p) => sourceFiles(p.dir).flatMap((f) => problems(p, f, fs.readFileSync(f, 'utf8'), false).map((x) => `${relative(f)}: ${x}`)))
    expect(found).toEqual([])
  })
})
