/**
 * A package's version is written once, in its package.json: the build puts it into dist (tsup.preset.ts),
 * so every plugin, RUNNER_VERSION, PLUGIN_VERSION and the CLI's --version say what the package.json says.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'

const packagesDir = path.join(REPO_ROOT, 'packages')
const pkgs = fs
  .readdirSync(packagesDir)
  .map((d) => ({ dir: path.join(packagesDir, d), json: JSON.parse(fs.readFileSync(path.join(packagesDir, d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private)

// Spelt in two halves: the test runner replaces the whole name in source files, this one included.
const CONSTANT = ['__VENOMQA', '_PKG_VERSION__'].join('')

/** The version strings a built module exports: `*_VERSION` strings, and the `version` of each plugin object. */
function exportedVersions(mod: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(mod)) {
    if (/_VERSION$/.test(key) && typeof value === 'string') out[key] = value
    const plugin = value as { name?: unknown; version?: unknown; setup?: unknown } | null
    if (plugin && typeof plugin === 'object' && typeof plugin.name === 'string' && typeof plugin.version === 'string' && typeof plugin.setup === 'function')
      out[`${key}.version`] = plugin.version
  }
  return out
}

function filesUnder(dir: string, test: (f: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
}

describe.each(pkgs.map((p) => [p.json.name as string, p] as const))('%s', (name, p) => {
  it('dist says the version its package.json says, and src never writes it out', async () => {
    const version = p.json.version as string
    const built = filesUnder(path.join(p.dir, 'dist'), (f) => /\.(c?js|d\.c?ts)$/.test(f))
    expect(built.length, `${name} is not built`).toBeGreaterThan(0)
    for (const f of built) expect(fs.readFileSync(f, 'utf8').includes(CONSTANT), `${path.relative(REPO_ROOT, f)} still names ${CONSTANT}`).toBe(false)

    const versions = exportedVersions((await import(pathToFileURL(path.join(p.dir, 'dist/index.js')).href)) as Record<string, unknown>)
    const isPlugin = /^@venomqa\/(state|adapter|reporter)-/.test(name) || name === '@venomqa/runner'
    if (isPlugin) expect(Object.keys(versions).length, `${name} exports no plugin or version`).toBeGreaterThan(0)
    for (const [key, v] of Object.entries(versions)) if (!/^(PLUGIN_API|RESULTS_SCHEMA)_VERSION$/.test(key)) expect(v, `${name} ${key}`).toBe(version)

    // A second copy of the version in src would go stale at the next release.
    const literal = new RegExp(`(['"\`])${version.replaceAll('.', '\\.')}\\1`)
    const copies = filesUnder(path.join(p.dir, 'src'), (f) => /\.[cm]?ts$/.test(f)).filter((f) => literal.test(fs.readFileSync(f, 'utf8')))
    expect(copies.map((f) => path.relative(REPO_ROOT, f))).toEqual([])
  })
})

describe('@venomqa/cli', () => {
  it('--version prints the version of its package.json', () => {
    const cli = pkgs.find((p) => p.json.name === '@venomqa/cli')!
    const out = execFileSync(process.execPath, [path.join(cli.dir, 'dist/bin.js'), '--version'], { encoding: 'utf8' })
    expect(out.trim()).toBe(cli.json.version)
  })
})
