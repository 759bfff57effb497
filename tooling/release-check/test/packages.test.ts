/**
 * Every public package packs on its own with only what a user needs, and `changeset version` bumps a
 * package and its internal dependents.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, describe, expect, it } from 'vitest'

const packagesDir = path.join(REPO_ROOT, 'packages')
const pkgs = fs
  .readdirSync(packagesDir)
  .map((d) => ({ dir: path.join(packagesDir, d), json: JSON.parse(fs.readFileSync(path.join(packagesDir, d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-pack-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

const pnpm = (args: string[], cwd: string) => execFileSync('pnpm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe.each(pkgs.map((p) => [p.json.name as string, p] as const))('%s', (name, p) => {
  it('packs only dist, README, LICENSE, package.json (and schema files), with resolvable exports and real versions', () => {
    const out = pnpm(['pack', '--pack-destination', tmp, '--json'], p.dir)
    const tarball = (JSON.parse(out.slice(out.indexOf('{'))) as { filename: string }).filename
    const files = execFileSync('tar', ['-tzf', path.isAbsolute(tarball) ? tarball : path.join(tmp, tarball)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''))
    expect(files).toContain('package.json')
    expect(files).toContain('README.md')
    expect(files).toContain('LICENSE')
    const stray = files.filter((f) => !/^(dist\/|schema\/)|^(README\.md|LICENSE|package\.json)$/.test(f))
    expect(stray, `${name} packs files a user does not need`).toEqual([])
    expect(files.some((f) => f.startsWith('dist/') && f.endsWith('.map') && f.includes('test'))).toBe(false)
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', path.isAbsolute(tarball) ? tarball : path.join(tmp, tarball), 'package/package.json'], { encoding: 'utf8' }),
    )
    // Every file the exports map names is in the tarball.
    const targets: string[] = []
    const walk = (v: unknown) => {
      if (typeof v === 'string') targets.push(v.replace(/^\.\//, ''))
      else if (v && typeof v === 'object') Object.values(v).forEach(walk)
    }
    walk(packed.exports)
    for (const t of targets) if (t !== 'package.json') expect(files, `${name} exports ${t}`).toContain(t)
    for (const bin of Object.values(packed.bin ?? {})) expect(files).toContain(String(bin).replace(/^\.\//, ''))
    // workspace: ranges are replaced by real versions.
    expect(JSON.stringify(packed)).not.toContain('workspace:')
    expect(packed.sideEffects).toBe(false)
    expect(packed.engines?.node).toBe('>=20.19')
    // Plugins take core as a peer, never as their own copy; the range spans the 0.x line, because the
    // plugin API version, not core's minor, says whether they fit (see .changeset/config.json).
    if (name.includes('/state-') || name.includes('/adapter-') || name.includes('/reporter-')) {
      expect(packed.peerDependencies?.['@venomqa/core']).toBe('>=0.1.0 <1.0.0')
      expect(packed.dependencies?.['@venomqa/core']).toBeUndefined()
    }
    if (name === '@venomqa/core') expect(packed.dependencies ?? {}).toEqual({})
  })

  it('has a README with a runnable example', () => {
    const readme = fs.readFileSync(path.join(p.dir, 'README.md'), 'utf8')
    expect(readme).toContain(name)
    expect(readme).toMatch(/```(ts|typescript|bash|sh|yaml)/)
  })
})

describe('changesets', () => {
  it('`changeset version` bumps a package and its internal dependents', () => {
    // A copy of the repo's manifests and changeset config, so the real tree is never touched.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-changeset-'))
    try {
      for (const f of ['package.json', 'pnpm-workspace.yaml']) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f))
      fs.mkdirSync(path.join(root, '.changeset'))
      fs.copyFileSync(path.join(REPO_ROOT, '.changeset/config.json'), path.join(root, '.changeset/config.json'))
      for (const p of pkgs) {
        const d = path.join(root, 'packages', path.basename(p.dir))
        fs.mkdirSync(d, { recursive: true })
        fs.copyFileSync(path.join(p.dir, 'package.json'), path.join(d, 'package.json'))
      }
      fs.writeFileSync(path.join(root, '.changeset/runner-fix.md'), "---\n'@venomqa/runner': patch\n---\n\nA fix.\n")
      execFileSync('git', ['init', '-q'], { cwd: root })
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/changeset'), ['version'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      const read = (d: string) => JSON.parse(fs.readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8'))
      const before = (d: string) => pkgs.find((p) => path.basename(p.dir) === d)!.json.version as string
      const bumpPatch = (v: string) => v.replace(/(\d+)$/, (n) => String(Number(n) + 1))
      expect(read('runner').version).toBe(bumpPatch(before('runner')))
      // The CLI depends on the runner: it is bumped too, and its range follows.
      expect(read('cli').version).toBe(bumpPatch(before('cli')))
      expect(read('core').version).toBe(before('core'))
      expect(fs.existsSync(path.join(root, 'packages/runner/CHANGELOG.md'))).toBe(true)
      // A core minor: every package that uses it gets a patch, plugins keep their peer range (no 1.0.0).
      fs.writeFileSync(path.join(root, '.changeset/core-feature.md'), "---\n'@venomqa/core': minor\n---\n\nA feature.\n")
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/changeset'), ['version'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      expect(read('core').version).toBe(before('core').replace(/^(\d+)\.(\d+)\.\d+$/, (_m, a, b) => `${a}.${Number(b) + 1}.0`))
      for (const d of ['state-postgres', 'adapter-redis', 'reporter-html']) {
        expect(read(d).version, d).toBe(bumpPatch(before(d)))
        expect(read(d).peerDependencies['@venomqa/core']).toBe('workspace:>=0.1.0 <1.0.0')
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
