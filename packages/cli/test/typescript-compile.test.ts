import { afterEach, describe, expect, it } from 'vitest'
import { compileTypeScript } from '../src/typescript/compile'
import { resolveLocalTypeScript } from '../src/typescript/resolve'
import { tempDir } from './helpers/tmp'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const problemOf = (source: string) => {
  const r = compileTypeScript(source, '/p/journeys/a.journey.ts')
  return r.problem
}

describe('compileTypeScript', () => {
  it('removes the types, keeps imports and exports, and keeps every line where it was', () => {
    const source = [
      "import type { Journey } from '@venomqa/core'",
      "import { journey, step, type StepContext } from '@venomqa/core'",
      'interface Item {',
      '  id: number',
      '}',
      'const item: Item = { id: 1 } as Item',
      "export default journey('j', { steps: [step('s', async ({ http }: StepContext): Promise<void> => { throw new Error('line 7') })] })",
      'export type Alias = Journey',
    ].join('\n')
    const r = compileTypeScript(source, '/p/a.ts')
    expect(r.problem).toBeUndefined()
    const lines = r.compiled!.code.split('\n')
    expect(lines.length).toBe(8)
    expect(lines[1]).toMatch(/^import \{ journey, step, ?\} from '@venomqa\/core'$/)
    expect(lines[0]!.trim()).toBe('')
    expect(lines[5]).toBe('const item = { id: 1 } ')
    expect(lines[6]).toContain("throw new Error('line 7')")
    expect(r.compiled!.code).not.toMatch(/Item|StepContext|Journey\b/)
  })

  it('gives the place of each local import, for the cache to put a file URL there', () => {
    // Imports whose bindings are never used are dropped, as TypeScript drops them: these are used.
    const source = "import { a } from './a'\nexport * from \"../b.js\"\nexport { c } from './c.ts'\nimport pg from 'pg'\nimport fs from 'node:fs'\nexport { a, pg, fs }\n"
    const { code, local } = compileTypeScript(source, '/p/x.ts').compiled!
    expect(local.map((l) => l.specifier)).toEqual(['./a', '../b.js', './c.ts'])
    for (const l of local) expect(JSON.parse(code.slice(l.start, l.end).replace(/^'|'$/g, '"'))).toBe(l.specifier)
  })

  it('gives the place of import.meta where only url, dirname or filename is read', () => {
    const source = "const here = import.meta.url\nconst dir: string = import.meta.dirname\nexport { here, dir }\n"
    const { code, meta } = compileTypeScript(source, '/p/x.ts').compiled!
    expect(meta.map((m) => code.slice(m.start, m.end))).toEqual(['import.meta', 'import.meta'])
  })

  it('leaves to jiti a file that needs what only jiti gives it', () => {
    expect(problemOf("const fs = require('node:fs')")).toBe('it uses require')
    expect(problemOf('export const here = __dirname')).toBe('it uses __dirname')
    expect(problemOf('module.exports = { a: 1 }')).toBe('it uses module')
    expect(problemOf("exports.a = 1")).toBe('it uses exports')
    // Even of a package: one Node cannot load would fail only when the step runs, where jiti loads it.
    expect(problemOf("const m = await import('./other')")).toBe('it calls import()')
    expect(problemOf('const name = "x"; const m = await import(name)')).toBe('it calls import()')
    expect(problemOf("const pg = await import('pg')")).toBe('it calls import()')
    expect(problemOf("namespace Names {\n  export const j = 'x'\n}\nexport const n = Names.j")).toBe('it declares a namespace')
    expect(problemOf("export namespace Names {\n  export const j = 'x'\n}")).toBe('it declares a namespace')
    expect(problemOf("export const r = import.meta.resolve('x')")).toBe('it reads import.meta.resolve')
    expect(problemOf('export const m = import.meta')).toBe('it reads import.meta')
    expect(problemOf("import x from '#internal'\nexport { x }")).toBe('it imports #internal (a package.json "imports" entry)')
    expect(problemOf("import data from './data.json' with { type: 'json' }\nexport { data }")).toBe('it imports a file with import attributes')
    expect(problemOf('#!/usr/bin/env node\nexport {}')).toBe('it starts with #!')
    expect(problemOf('export const = 1')).toMatch(/^sucrase cannot compile it \(/)
  })

  it('keeps a property named like those, a package import() and a local import after a problem', () => {
    const fine = [
      "step('s', ({ ctx }) => ctx.require('id'))",
      'const o = { module: 1, exports() {}, require: 2 }',
      'class C { module = 1; exports() {} }',
      "declare namespace Types {\n  const x: number\n}",
      "declare module 'x' {\n  export const y: number\n}",
      'export { o, C }',
    ].join('\n')
    expect(problemOf(fine)).toBeUndefined()
    const r = compileTypeScript("import { a } from './a'\nexport const here = __dirname\nimport { b } from './b'\nexport { a, b }\nconst c = require('./c')\n", '/p/x.ts')
    expect(r.problem).toBe('it uses __dirname')
    expect(r.compiled!.local.map((l) => l.specifier)).toEqual(['./a', './b'])
    expect(r.compiled!.alsoReached).toEqual(['./c'])
    // A file sucrase cannot compile: the local files its text names, still.
    const broken = compileTypeScript("import { a } from './a'\n@decorated class X {}\nexport const = 1\nconst s = require('../s')\n", '/p/x.ts')
    expect(broken.problem).toMatch(/^sucrase cannot compile it/)
    expect(broken.compiled!.alsoReached).toEqual(['./a', '../s'])
  })
})

describe('resolveLocalTypeScript', () => {
  it('finds the TypeScript file an import names as jiti does, and nothing where a JavaScript file would come first', async () => {
    const t = await tempDir({
      'a.ts': '',
      'b.ts': '',
      'c.js': '',
      'c.ts': '',
      'm.mts': '',
      'dir/index.ts': '',
      'jsdir/index.js': '',
      'pkgdir/package.json': '{ "main": "main.ts" }',
      'pkgdir/index.ts': '',
      'jsdir/index.ts': '',
      'plain.js': '',
      'data.json': '{}',
    })
    cleanups.push(t.remove)
    const from = `${t.dir}/a.ts`
    const file = (rel: string) => ({ file: `${t.dir}/${rel}` })
    expect(resolveLocalTypeScript('./b', from)).toEqual(file('b.ts'))
    expect(resolveLocalTypeScript('./b.ts', from)).toEqual(file('b.ts'))
    expect(resolveLocalTypeScript('./b.js', from)).toEqual(file('b.ts'))
    expect(resolveLocalTypeScript('./m.mjs', from)).toEqual(file('m.mts'))
    expect(resolveLocalTypeScript('./dir', from)).toEqual(file('dir/index.ts'))
    expect(resolveLocalTypeScript(`file://${t.dir}/b.ts`, from)).toEqual(file('b.ts'))
    expect(resolveLocalTypeScript('./c', from)).toEqual({ problem: 'it imports ./c, which is a JavaScript file (c.js)' })
    expect(resolveLocalTypeScript('./c.js', from)).toEqual({ problem: 'it imports the JavaScript file ./c.js' })
    expect(resolveLocalTypeScript('./pkgdir', from)).toEqual({ problem: 'it imports the directory ./pkgdir, which has a package.json' })
    expect(resolveLocalTypeScript('./jsdir', from)).toEqual({ problem: 'it imports ./jsdir, which is a JavaScript file (index.js)' })
    expect(resolveLocalTypeScript('./plain.js', from)).toEqual({ problem: 'it imports the JavaScript file ./plain.js' })
    expect(resolveLocalTypeScript('./data.json', from)).toEqual({ problem: 'it imports ./data.json, a file that is not TypeScript' })
    expect(resolveLocalTypeScript('./missing', from)).toEqual({ problem: 'it imports ./missing, which is not there' })
    expect(resolveLocalTypeScript('./b.ts?v=1', from)).toEqual({ problem: 'it imports ./b.ts?v=1, with a query or a fragment' })
  })
})
