import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { expect, it } from 'vitest'

// What importing the runner costs is paid by every run, the shortest too: what only some runs use is
// loaded at its first use. A static import of any of these puts their cost back on every import.
const dist = path.join(import.meta.dirname, '../dist/index.js')
const LOADED_AT_FIRST_USE = ['node:zlib', 'node:crypto', 'node:fs/promises', 'node:os', 'node:fs', 'node:https']

it('importing the built runner loads no CommonJS module and none of the builtins only some runs use', () => {
  const { modules } = modulesLoadedBy(dist)
  expect(modules.filter((m) => LOADED_AT_FIRST_USE.includes(m))).toEqual([])
  // picocolors is CommonJS, bundled: loaded from node_modules, it would start Node's CommonJS loader.
  expect(modules.filter(fromPackage('picocolors'))).toEqual([])
  expect(modules.filter((m) => m.endsWith('.cjs') || m.endsWith('.json'))).toEqual([])
})

it('a console reporter colours with the bundled picocolors, in the ES module build and the CommonJS one, and loads no CommonJS module', () => {
  // Colours forced on: what the palette makes of a word shows that the bundled picocolors is the one in use.
  const made = [
    'const written = []',
    'const stream = { write: (text) => written.push(text), isTTY: false }',
    'const r = mod.builtinReporters.console({ options: { color: true, stream } })',
    'await r.hooks.runStart({ journeys: [], workers: 1 })',
    'await r.hooks.runEnd({})',
    'process.stdout.write(JSON.stringify(written.join("")))',
  ].join('\n')
  const esm = modulesLoadedBy(dist, made)
  expect(JSON.parse(esm.output)).toBe('\x1b[1mVenomQA: running 0 journeys\x1b[22m\n')
  expect(esm.modules.filter(fromPackage('picocolors'))).toEqual([])
  expect(esm.modules.filter((m) => m.endsWith('.cjs') || m.endsWith('.json'))).toEqual([])
  const cjs = modulesLoadedBy(path.join(import.meta.dirname, '../dist/index.cjs'), made)
  expect(JSON.parse(cjs.output)).toBe('\x1b[1mVenomQA: running 0 journeys\x1b[22m\n')
  expect(cjs.modules.filter(fromPackage('picocolors'))).toEqual([])
})
