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
  // picocolors is CommonJS: the first such module starts Node's CommonJS loader.
  expect(modules.filter(fromPackage('picocolors'))).toEqual([])
  expect(modules.filter((m) => m.endsWith('.cjs') || m.endsWith('.json'))).toEqual([])
})

it('a console reporter loads picocolors when it is made, in the ES module build and the CommonJS one', () => {
  const made = "mod.builtinReporters.console({ options: { color: true } }); process.stdout.write(String(typeof require))"
  expect(modulesLoadedBy(dist, made).modules.filter(fromPackage('picocolors'))).not.toEqual([])
  const cjs = path.join(import.meta.dirname, '../dist/index.cjs')
  expect(modulesLoadedBy(cjs, made).modules.filter(fromPackage('picocolors'))).not.toEqual([])
})
