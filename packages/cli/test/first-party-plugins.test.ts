import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { FIRST_PARTY_LIBRARIES, FIRST_PARTY_PLUGINS, firstPartyPackageFor, firstPartyPackageOf } from '../src/plugins/first-party'

// The packages a missing plugin's message tells the user to install are VenomQA's own, and all of them:
// a name that does not exist would send the user to whoever publishes it first.
describe('first-party plugin packages', () => {
  const workspacePlugins = readdirSync(path.join(REPO_ROOT, 'packages'))
    .map((dir) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as { name: string; private?: boolean; keywords?: string[] })
    .filter((pkg) => !pkg.private && pkg.keywords?.includes('venomqa-plugin'))
    .map((pkg) => pkg.name)

  it("are the workspace's published packages with the venomqa-plugin keyword", () => {
    expect(workspacePlugins.length).toBeGreaterThan(0)
    expect([...FIRST_PARTY_PLUGINS].sort()).toEqual([...workspacePlugins].sort())
  })

  it('each is what its short name and its own name stand for', () => {
    for (const name of FIRST_PARTY_PLUGINS) {
      expect(firstPartyPackageFor(name)).toBe(name)
      expect(firstPartyPackageFor(name.replace(/^@venomqa\/((adapter|state|reporter)-)?/, ''))).toBe(name)
    }
  })

  it("with the libraries, are every published package of the workspace: the names a message may tell the user to install", () => {
    const published = readdirSync(path.join(REPO_ROOT, 'packages'))
      .map((dir) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as { name: string; private?: boolean })
      .filter((pkg) => !pkg.private)
      .map((pkg) => pkg.name)
    expect([...FIRST_PARTY_PLUGINS, ...FIRST_PARTY_LIBRARIES].sort()).toEqual(published.sort())
    expect(firstPartyPackageOf('@venomqa/openapi')).toBe('@venomqa/openapi')
    expect(firstPartyPackageOf('@venomqa/core/testing')).toBe('@venomqa/core')
    expect(firstPartyPackageOf('@venomqa/opnapi')).toBeUndefined()
    expect(firstPartyPackageOf('venomqa-plugin-csv')).toBeUndefined()
  })
})
