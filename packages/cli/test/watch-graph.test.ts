import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { affectedBy } from '../src/commands/watch'
import { userModuleTools } from '../src/load-module'
import { projectImports } from '../src/watch/imports'
import { tempDir } from './helpers/tmp'

// The import graph `run --watch` reruns by: read from the code jiti runs, resolved as jiti resolves.
let project: Awaited<ReturnType<typeof tempDir>>
const at = (rel: string) => path.join(project.dir, rel)

beforeAll(async () => {
  project = await tempDir({
    'package.json': '{ "type": "module" }',
    'journeys/a.journey.ts': [
      "import { journey } from '@venomqa/core'",
      "import type { Shape } from '../support/types'",
      "import { helper } from '../support/helper'",
      "import data from '../support/data.json'",
      "export { other } from '../support/reexported.js'",
      "const later = () => import('../support/lazy')",
      'const cast = <Shape>(<unknown>helper)',
      'export default journey(`a${data.n}`, { steps: [] })',
    ].join('\n'),
    'journeys/b.journey.ts': "import { journey } from '@venomqa/core'\nimport { helper } from '../support/helper'\nimport { unused } from '../support/unused'\nexport default journey('b', { steps: [helper] })\n",
    'journeys/c.journey.js': "const { thing } = require('../support/common.cjs')\nmodule.exports = thing\n",
    'journeys/broken.journey.ts': "import { helper } from '../support/helper'\nexport default journey('x', {\n",
    'support/types.ts': 'export interface Shape { n: number }\n',
    'support/helper.ts': "import { deep } from './deep'\nimport { helper as again } from './helper'\nexport const helper = deep ?? again\n",
    'support/deep.ts': "import pkg from 'some-package'\nexport const deep = pkg\n",
    'support/data.json': '{ "n": 1 }',
    'support/reexported.ts': 'export const other = 1\n',
    'support/lazy.ts': 'export const lazy = 1\n',
    'support/unused.ts': 'export const unused = 1\n',
    'support/common.cjs': 'exports.thing = 1\n',
    'node_modules/some-package/package.json': '{ "name": "some-package", "main": "index.js" }',
    'node_modules/some-package/index.js': "module.exports = require('./other')\n",
  })
})
afterAll(() => project.remove())

describe('projectImports', () => {
  it('follows what each file imports at run time, transitively, never into packages', async () => {
    const roots = ['journeys/a.journey.ts', 'journeys/b.journey.ts', 'journeys/c.journey.js', 'journeys/broken.journey.ts'].map(at)
    const graph = projectImports(roots, await userModuleTools(project.dir))
    const rel = (file: string) => [...graph.get(at(file))!].map((f) => path.relative(project.dir, f)).sort()
    // A type-only import runs nothing; `.js` finds the `.ts` file; JSON is a leaf; a cycle ends.
    expect(rel('journeys/a.journey.ts')).toEqual([
      'journeys/a.journey.ts',
      'support/data.json',
      'support/deep.ts',
      'support/helper.ts',
      'support/lazy.ts',
      'support/reexported.ts',
    ])
    // An import of names the file never uses is dropped by TypeScript, and so never loaded.
    expect(rel('journeys/b.journey.ts')).toEqual(['journeys/b.journey.ts', 'support/deep.ts', 'support/helper.ts'])
    expect(rel('journeys/c.journey.js')).toEqual(['journeys/c.journey.js', 'support/common.cjs'])
    // A file that does not parse is still watched, so its fix is seen.
    expect(rel('journeys/broken.journey.ts')).toEqual(['journeys/broken.journey.ts'])
  })
})

describe('affectedBy', () => {
  const graph = {
    config: new Set(['/p/venomqa.config.ts', '/p/plugins/audit.ts']),
    journeys: new Map([
      ['/p/a.journey.ts', new Set(['/p/a.journey.ts', '/p/shared.ts'])],
      ['/p/b.journey.ts', new Set(['/p/b.journey.ts', '/p/shared.ts'])],
      ['/p/c.journey.ts', new Set(['/p/c.journey.ts'])],
    ]),
    loose: new Set(['/p/data/dynamic.json']),
  }

  it('sends back the journeys that depend on a changed file, every one for the config or a loose file', () => {
    expect(affectedBy(['/p/shared.ts'], graph)).toEqual({ config: false, all: false, journeys: new Set(['/p/a.journey.ts', '/p/b.journey.ts']), unknown: [] })
    expect(affectedBy(['/p/c.journey.ts', '/p/.c.journey.ts.swp'], graph)).toEqual({
      config: false,
      all: false,
      journeys: new Set(['/p/c.journey.ts']),
      unknown: ['/p/.c.journey.ts.swp'],
    })
    expect(affectedBy(['/p/plugins/audit.ts'], graph)).toMatchObject({ config: true, all: true })
    expect(affectedBy(['/p/data/dynamic.json'], graph)).toMatchObject({ config: false, all: true })
  })
})
