/**
 * A package's folder holds its manifest, configs and README; its code lives in src/, test/ and the like. A
 * script left at a package's root (a one-off that drops databases in a loop against the shared server) was
 * committed once and stayed: anyone could run it. Only the files below are kept at a root; a new kind is
 * added here on purpose. Files git tracks only: a build's or a run's leftovers are not the repository's.
 */
import { execFileSync } from 'node:child_process'
import { REPO_ROOT } from '@venomqa/test-utils'
import { expect, it } from 'vitest'

const KEPT_AT_A_ROOT = new Set([
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  '.gitignore',
  'tsconfig.json',
  'tsup.config.ts',
  'vitest.config.ts',
  // The examples' own: a config to run them with, the demo, the OpenAPI document explored, the page's types.
  'venomqa.config.ts',
  'demo.mjs',
  'openapi.json',
  'tsconfig.page.json',
])

it("keeps nothing at a package's root but its manifest, configs and README", () => {
  const tracked = execFileSync('git', ['ls-files', 'packages', 'examples', 'tooling', 'bench'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
  const atRoots = tracked.filter((file) => {
    const parts = file.split('/')
    return parts[0] === 'bench'
      ? parts.length === 2 && !/\.(ts|mjs)$/.test(parts[1]!) && !KEPT_AT_A_ROOT.has(parts[1]!)
      : parts.length === 3 && !KEPT_AT_A_ROOT.has(parts[2]!)
  })
  expect(atRoots).toEqual([])
})
