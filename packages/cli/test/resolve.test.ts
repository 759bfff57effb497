import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageEntry } from '../src/plugins/resolve'
import { tempDir } from './helpers/tmp'

const DIR = path.join(path.sep, 'pkg')
const entry = (exports: unknown) => packageEntry(DIR, { name: 'venomqa-plugin-x', exports })
const at = (file: string) => path.join(DIR, file)

describe('packageEntry: the file import() loads, from the exports map', () => {
  it('reads the string, the conditions-only and the "." forms', () => {
    expect(entry('./main.js')).toBe(at('main.js'))
    expect(entry({ import: './a.mjs', require: './a.cjs' })).toBe(at('a.mjs'))
    expect(entry({ '.': './x.js', './sub': './sub.js', './package.json': './package.json' })).toBe(at('x.js'))
  })

  it('takes the first condition in the package key order among node, import, module-sync and default', () => {
    expect(entry({ '.': { types: './x.d.ts', import: './esm.js', require: './cjs.cjs' } })).toBe(at('esm.js'))
    expect(entry({ '.': { require: './cjs.cjs', default: './any.js' } })).toBe(at('any.js'))
    expect(entry({ '.': { default: './any.js', import: './esm.js' } })).toBe(at('any.js'))
    expect(entry({ '.': { 'module-sync': './sync.js', import: './esm.js' } })).toBe(at('sync.js'))
    expect(entry({ '.': { browser: './web.js', node: { require: './n.cjs', import: './n.mjs' }, default: './any.js' } })).toBe(at('n.mjs'))
    expect(entry({ '.': { development: './dev.js', import: './esm.js' } })).toBe(at('esm.js'))
  })

  it('takes the first usable target of an array', () => {
    expect(entry(['./a.js', './b.js'])).toBe(at('a.js'))
    expect(entry({ '.': [{ require: './r.cjs' }, './fallback.js'] })).toBe(at('fallback.js'))
  })

  it('finds nothing to import: require-only, types-only, no "." entry, a null target', () => {
    expect(entry({ '.': { require: './r.cjs' } })).toBeUndefined()
    expect(entry({ '.': { types: './x.d.ts' } })).toBeUndefined()
    expect(entry({ './package.json': './package.json' })).toBeUndefined()
    expect(entry({ '.': null })).toBeUndefined()
    expect(entry({})).toBeUndefined()
  })

  it('falls back to main, then index.js, only when there is no exports map', async () => {
    const t = await tempDir({ 'lib/main.js': '', 'index.js': '' })
    try {
      expect(packageEntry(t.dir, { main: 'lib/main' })).toBe(path.join(t.dir, 'lib/main.js'))
      expect(packageEntry(t.dir, {})).toBe(path.join(t.dir, 'index.js'))
      expect(packageEntry(t.dir, { main: 'lib/main.js', exports: { '.': { require: './lib/main.js' } } })).toBeUndefined()
    } finally {
      await t.remove()
    }
  })
})
