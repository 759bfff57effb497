import { mkdir, symlink } from 'node:fs/promises'
import path from 'node:path'
import { PluginError } from '@venomqa/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadPlugin, loadPlugins } from '../src/plugins/load'
import { findPackage, isPathSpec, pluginCandidates } from '../src/plugins/resolve'
import { tempDir } from './helpers/tmp'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  vi.unstubAllEnvs()
  while (cleanups.length) await cleanups.pop()!()
})

/** `pnpm exec` puts the workspace's hoisted packages on NODE_PATH: a test of what is not installed looks in its project only. */
const onlyTheProject = () => vi.stubEnv('NODE_PATH', '')

/** A package in node_modules of a temp project, as npm would install it. */
function pkg(name: string, opts: { apiVersion?: number; peer?: string; version?: string; esmOnly?: boolean; main?: string; factory?: boolean } = {}) {
  const version = opts.version ?? '1.0.0'
  const body = opts.factory
    ? `export default (options) => ({ name: '${name}', version: '${version}', apiVersion: ${opts.apiVersion ?? 1}, setup(api) { api.addHealthCheck('from-factory:' + options.tag, async () => true) } })`
    : `export default { name: '${name}', version: '${version}', apiVersion: ${opts.apiVersion ?? 1}, setup() {} }`
  const manifest: Record<string, unknown> = { name, version, type: 'module' }
  if (opts.peer) manifest.peerDependencies = { '@venomqa/core': opts.peer }
  if (opts.main) manifest.main = opts.main
  else manifest.exports = opts.esmOnly ? { '.': { import: './dist/index.js' } } : { '.': { types: './x.d.ts', import: './dist/index.js', require: './dist/index.cjs' } }
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify(manifest),
    [`node_modules/${name}/${opts.main ?? 'dist/index.js'}`]: body,
  }
}

async function project(files: Record<string, string>) {
  const t = await tempDir({ 'package.json': '{"name":"p","type":"module"}', ...files })
  cleanups.push(t.remove)
  return t.dir
}

async function pluginError(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError)
    return err as PluginError
  }
  throw new Error('expected a PluginError')
}

describe('plugin candidates', () => {
  it('follow DESIGN.md section 5 order', () => {
    expect(pluginCandidates('redis')).toEqual([
      'redis',
      '@venomqa/redis',
      '@venomqa/adapter-redis',
      '@venomqa/state-redis',
      '@venomqa/reporter-redis',
      'venomqa-plugin-redis',
    ])
    expect(pluginCandidates('@acme/audit')).toEqual(['@acme/audit', '@acme/venomqa-plugin-audit'])
    expect(pluginCandidates('@venomqa/adapter-redis')).toEqual(['@venomqa/adapter-redis'])
  })

  it('tell paths from names', () => {
    for (const p of ['./a', '../a/b.ts', '/abs/p.js', 'plugin.mjs', 'C:\\x\\y.js']) expect(isPathSpec(p)).toBe(true)
    for (const p of ['csv', '@acme/x', 'venomqa-plugin-x']) expect(isPathSpec(p)).toBe(false)
  })
})

describe('loading plugins from the project root', () => {
  it('resolves a short name to the first candidate installed, from a parent node_modules too', async () => {
    const dir = await project({ ...pkg('@venomqa/adapter-cache'), ...pkg('venomqa-plugin-cache'), 'sub/.keep': '' })
    const loaded = await loadPlugin('cache', { root: path.join(dir, 'sub'), coreVersion: '0.1.0' })
    expect(loaded).toMatchObject({ source: 'package', packageName: '@venomqa/adapter-cache', packageVersion: '1.0.0' })
    expect(loaded.plugin.name).toBe('@venomqa/adapter-cache')
  })

  it('resolves @org/x to @org/venomqa-plugin-x, an ESM-only package and a main-only package', async () => {
    const dir = await project({ ...pkg('@acme/venomqa-plugin-audit', { esmOnly: true }), ...pkg('venomqa-plugin-old-style', { main: 'lib/main.js' }) })
    expect((await loadPlugin('@acme/audit', { root: dir, coreVersion: '0.1.0' })).packageName).toBe('@acme/venomqa-plugin-audit')
    expect((await loadPlugin('old-style', { root: dir, coreVersion: '0.1.0' })).plugin.name).toBe('venomqa-plugin-old-style')
  })

  it('follows a symlinked package (pnpm, npm link) and reports its real directory', async () => {
    const dir = await project({ ...pkg('venomqa-plugin-real') })
    await mkdir(path.join(dir, 'node_modules/@x'), { recursive: true })
    await symlink(path.join(dir, 'node_modules/venomqa-plugin-real'), path.join(dir, 'node_modules/@x/linked'))
    const found = findPackage('@x/linked', dir)
    expect(found?.dir).toBe(path.join(dir, 'node_modules/venomqa-plugin-real'))
  })

  it('a library of the exact name that is not a VenomQA plugin (node-redis as `redis`) gives way to the adapter', async () => {
    const library = { 'node_modules/redis/package.json': '{"name":"redis","version":"4.7.0","main":"index.js"}', 'node_modules/redis/index.js': 'exports.createClient = () => ({})\n' }
    const dir = await project({ ...library, ...pkg('@venomqa/adapter-redis', { peer: '>=0.1.0' }) })
    expect((await loadPlugin('redis', { root: dir, coreVersion: '0.1.0' })).packageName).toBe('@venomqa/adapter-redis')
    // A package of that name made for VenomQA is still first: it says so with a core dependency or the keyword.
    const own = { 'node_modules/redis/package.json': '{"name":"redis","version":"1.0.0","type":"module","keywords":["venomqa-plugin"],"main":"index.js"}', 'node_modules/redis/index.js': "export default { name: 'redis', version: '1.0.0', apiVersion: 1, setup() {} }\n" }
    const ownDir = await project({ ...own, ...pkg('@venomqa/adapter-redis', { peer: '>=0.1.0' }) })
    expect((await loadPlugin('redis', { root: ownDir, coreVersion: '0.1.0' })).packageName).toBe('redis')
    // With no VenomQA package of the name, the library is tried, and the error says what to install.
    const alone = await project({ 'node_modules/kvstore/package.json': '{"name":"kvstore","version":"2.0.0","main":"index.js"}', 'node_modules/kvstore/index.js': 'exports.open = () => ({})\n' })
    const err = await pluginError(loadPlugin('kvstore', { root: alone, coreVersion: '0.1.0' }))
    expect(err.message).toMatch(/does not export a VenomQA plugin.*\. "kvstore" is the installed package kvstore, which does not say it is a VenomQA plugin, and none of these is installed: @venomqa\/kvstore, @venomqa\/adapter-kvstore, .*\. VenomQA has no plugin of that name/s)
    // No package named after the spec is said to exist: @venomqa/adapter-kvstore does not.
    expect(err.message).not.toContain('npm install')
  })

  it("a library of the exact name in the way of VenomQA's own plugin (postgres.js as `postgres`) names the real package to install", async () => {
    onlyTheProject()
    const library = { 'node_modules/postgres/package.json': '{"name":"postgres","version":"3.4.5","main":"index.js"}', 'node_modules/postgres/index.js': 'module.exports = () => ({})\n' }
    const dir = await project(library)
    const err = await pluginError(loadPlugin(['postgres', { url: 'postgres://localhost/app' }], { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toMatch(/"postgres" is the installed package postgres, which does not say it is a VenomQA plugin/)
    expect(err.message).toMatch(/VenomQA's own plugin of that name is @venomqa\/state-postgres: npm install -D @venomqa\/state-postgres$/)
    expect(err.message).not.toContain('@venomqa/adapter-postgres)')
  })

  it.each([
    ['mysql', '@venomqa/state-mysql'],
    ['postgres', '@venomqa/state-postgres'],
    ['elasticsearch', '@venomqa/adapter-elasticsearch'],
    ['slack', '@venomqa/reporter-slack'],
    ['mailhog', '@venomqa/adapter-mailhog'],
    ['redis', '@venomqa/adapter-redis'],
    ['pg-proxy', '@venomqa/pg-proxy'],
  ])("a missing first-party plugin (%s) is told to install VenomQA's own package, %s", async (spec, own) => {
    onlyTheProject()
    const dir = await project({})
    const err = await pluginError(loadPlugin(spec, { root: dir, coreVersion: '0.1.0' }))
    expect(err.message.split('\n').at(-1)).toBe(`VenomQA's own plugin of that name is ${own}: npm install -D ${own}.`)
  })

  it('a name that is no first-party plugin is told the naming convention, and no package to install', async () => {
    onlyTheProject()
    // VenomQA's packages that are no plugins are installed in every project: `nope` is no typo of `core`.
    const dir = await project({ ...pkg('@venomqa/core'), ...pkg('@venomqa/runner') })
    for (const spec of ['nope', '@acme/audit', '@venomqa/nope']) {
      const err = await pluginError(loadPlugin(spec, { root: dir, coreVersion: '0.1.0' }))
      const advice = err.message.split('\n').at(-1)!
      expect(advice, spec).not.toContain('npm install')
      expect(advice, spec).toMatch(/^VenomQA has no plugin (package )?of that name/)
    }
    const err = await pluginError(loadPlugin('nope', { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toContain('a third-party plugin is published as venomqa-plugin-nope, or @<org>/venomqa-plugin-nope: install the one you mean, from a publisher you trust, or give a path to a plugin file (./plugins/nope.ts).')
  })

  it('an unknown name lists every candidate tried', async () => {
    const dir = await project({})
    const err = await pluginError(loadPlugin('nope', { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toContain(`unknown plugin "nope": none of these packages is installed in ${dir}:`)
    for (const c of pluginCandidates('nope')) expect(err.message).toContain(`  - ${c}\n`)
  })

  // A CommonJS-only build (exports with "require" alone) was told as not installed, and then "Did you mean
  // "cjs"? It is installed.", naming the very spec typed.
  it('an installed plugin that cannot be imported is told as such, not as missing', async () => {
    const dir = await project({
      'node_modules/venomqa-plugin-cjs/package.json': JSON.stringify({
        name: 'venomqa-plugin-cjs',
        version: '1.0.0',
        exports: { '.': { require: './dist/index.cjs' } },
        peerDependencies: { '@venomqa/core': '>=0.1.0 <1.0.0' },
      }),
      'node_modules/venomqa-plugin-cjs/dist/index.cjs': "module.exports = { name: 'venomqa-plugin-cjs', version: '1.0.0', apiVersion: 1 }",
    })
    const err = await pluginError(loadPlugin('cjs', { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toBe(
      'plugin "cjs" is the installed package venomqa-plugin-cjs, which VenomQA cannot import: its package.json "exports" has no "." entry for import (a CommonJS-only build has only "require"). VenomQA loads plugins as ES modules: the package needs an ESM build in "exports" under "import" (tsup\'s format: [\'esm\', \'cjs\'], as `venomqa init --plugin` writes it); a package of yours is built and packed again, another\'s reported to its publisher',
    )
    expect(err.message).not.toContain('Did you mean')
  })

  it('a name close to an installed plugin is a typo: it says which one, and never to install the typo', async () => {
    const dir = await project({ ...pkg('@venomqa/state-postgres', {}) })
    const err = await pluginError(loadPlugin('@venomqa/state-postgress', { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toContain('Did you mean "@venomqa/state-postgres"? It is installed.')
    expect(err.message).not.toContain('npm install')
    expect(err.message).not.toContain('./plugins/')
    // Named where the user wrote it, in the config or a flag.
    const placed = await loadPlugins(['http-control', 'postgress'], { root: dir, coreVersion: '0.1.0' }, ['plugins[0]', 'plugins[1]']).catch((e) => e)
    expect(placed).toBeInstanceOf(PluginError)
    expect(placed.where).toBe('plugins[1]')
    expect(placed.message).toContain('Did you mean "postgres"?')
  })

  it('a plugin factory that throws (its options refused) is a plugin error naming it, not an unexpected error', async () => {
    const dir = await project({ 'plugins/fn.mjs': "export default (opts) => { if (!opts.ok) throw new Error('factory needs ok'); return {} }\n" })
    const err = await pluginError(loadPlugin('./plugins/fn.mjs', { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toMatch(/^plugin "\.\/plugins\/fn\.mjs": the function it exports \(fn\.mjs(:\d+)*\) threw: factory needs ok$/)
  })

  it("a plugin factory's error that quotes a secret option is masked, as a setup's is", async () => {
    const dir = await project({ 'plugins/leaky.mjs': "export default (opts) => { throw new Error('factory boom ' + opts.password) }\n" })
    const err = await pluginError(loadPlugin(['./plugins/leaky.mjs', { password: 'S3cr3t-f4ctory' }], { root: dir, coreVersion: '0.1.0' }))
    expect(err.message).toMatch(/threw: factory boom \[REDACTED\]$/)
  })

  it('refuses a plugin for another apiVersion and one whose core peer range excludes this core', async () => {
    const dir = await project({
      ...pkg('venomqa-plugin-future', { apiVersion: 2 }),
      ...pkg('venomqa-plugin-past', { apiVersion: 0 }),
      ...pkg('venomqa-plugin-old', { peer: '^9.0.0', version: '3.1.0' }),
    })
    // A plugin newer than this VenomQA: what to upgrade is VenomQA, which the message used not to say.
    expect((await pluginError(loadPlugin('future', { root: dir, coreVersion: '0.1.0' }))).message).toBe(
      "plugin venomqa-plugin-future@1.0.0 is built for plugin API 2, newer than this VenomQA's (plugin API 1): upgrade @venomqa/cli and @venomqa/core to a release that speaks plugin API 2, or install a version of the plugin made for plugin API 1",
    )
    expect((await pluginError(loadPlugin('past', { root: dir, coreVersion: '0.1.0' }))).message).toBe(
      'plugin venomqa-plugin-past@1.0.0 is built for plugin API 0, but this VenomQA speaks plugin API 1: install a version of the plugin made for plugin API 1',
    )
    expect((await pluginError(loadPlugin('old', { root: dir, coreVersion: '0.1.0' }))).message).toContain(
      'plugin venomqa-plugin-old@3.1.0 needs @venomqa/core ^9.0.0, but this VenomQA runs @venomqa/core 0.1.0',
    )
    expect((await loadPlugin('old', { root: dir, coreVersion: '9.2.0' })).plugin.name).toBe('venomqa-plugin-old')
  })

  it('loads a TypeScript plugin by path, relative to the root', async () => {
    const dir = await project({
      'plugins/audit.ts': `import type { Plugin } from '@venomqa/core'\nconst p: Plugin = { name: 'audit', version: '0.0.1', apiVersion: 1 }\nexport default p\n`,
    })
    const loaded = await loadPlugin('./plugins/audit.ts', { root: dir })
    expect(loaded).toMatchObject({ source: 'path', from: path.join(dir, 'plugins/audit.ts') })
    expect((await pluginError(loadPlugin('./plugins/missing.ts', { root: dir }))).message).toContain('plugin file ./plugins/missing.ts does not exist')
  })

  it('a module without a plugin says what it must export', async () => {
    const dir = await project({ 'not-a-plugin.mjs': 'export const x = 1' })
    expect((await pluginError(loadPlugin('./not-a-plugin.mjs', { root: dir }))).message).toContain(
      'does not export a VenomQA plugin: its default export must be definePlugin(',
    )
  })

  it('calls a default-exported factory with the options', async () => {
    const dir = await project({ ...pkg('venomqa-plugin-made', { factory: true }) })
    const loaded = await loadPlugin(['made', { tag: 't1' }], { root: dir, coreVersion: '0.1.0' })
    expect(loaded.plugin.name).toBe('venomqa-plugin-made')
    expect(loaded.options).toEqual({ tag: 't1' })
  })

  it('checks inline plugin objects; a plugin named again without options, or with the same, loads once; with others, it is another instance', async () => {
    const dir = await project({ ...pkg('venomqa-plugin-twice') })
    const ctx = { root: dir, coreVersion: '0.1.0' }
    const once = await loadPlugins(['twice', ['venomqa-plugin-twice', { a: 1 }], 'twice', ['twice', { a: 1 }]], ctx)
    expect(once.map((l) => [l.options, l.where])).toEqual([[{ a: 1 }, 'plugins[3]']])
    // Two databases, each its own backend: neither entry is dropped for the other.
    const two = await loadPlugins([['twice', { db: 'orders' }], ['twice', { db: 'users' }], 'twice'], ctx, ['plugins[0]', 'plugins[1]', '--plugin twice'])
    expect(two.map((l) => [l.options, l.where])).toEqual([
      [{ db: 'orders' }, 'plugins[0]'],
      [{ db: 'users' }, 'plugins[1]'],
    ])
    const err = await pluginError(loadPlugin({ name: 'inline', version: '1', apiVersion: 7 } as never, { root: dir }))
    expect(err.message).toContain('is built for plugin API 7')
  })

  it('resolves the built-in http-control plugin without looking at node_modules', async () => {
    const dir = await project({})
    const loaded = await loadPlugin(['http-control', { url: 'http://127.0.0.1:1' }], { root: dir })
    expect(loaded).toMatchObject({ source: 'built-in', packageName: '@venomqa/runner', options: { url: 'http://127.0.0.1:1' } })
    expect(loaded.plugin.name).toBe('http-control')
  })
})

