/**
 * Loading a first-party plugin does not load the whole of zod. Every `venomqa run` whose config names a
 * plugin imports it before anything runs, and zod's 95 modules cost about 50 ms of that start-up on a
 * two-core machine, more than the runner, core and undici together. The plugins write their options with
 * zod/mini, bundled tree-shaken into their build. Runs on the built packages, as CI builds them first: each
 * is imported in a fresh process that records every module the import loads.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { workspacePackages } from './workspace'

const isZod = fromPackage('zod')
const plugins = workspacePackages().filter((p) => p.rel.startsWith('packages/') && (p.json as { keywords?: string[] }).keywords?.includes('venomqa-plugin'))

it('the plugins are found, and the check sees zod when a module loads it', () => {
  expect(plugins.length).toBeGreaterThanOrEqual(9)
  // zod as the CLI's dependency resolves it: the check must see that module among those loaded.
  const cli = workspacePackages().find((p) => p.rel === 'packages/cli')!
  const zod = createRequire(path.join(cli.dir, 'package.json')).resolve('zod')
  expect(modulesLoadedBy(zod).modules.filter(isZod)).not.toEqual([])
})

it.each(plugins.map((p) => [p.rel, p] as const))('%s loads no module of the zod package', (_rel, pkg) => {
  const { modules } = modulesLoadedBy(path.join(pkg.dir, 'dist/index.js'))
  expect(modules.length).toBeGreaterThan(1)
  expect(modules.filter(isZod)).toEqual([])
})
