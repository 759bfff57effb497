import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORE_PEER_RANGE, PLUGIN_TOOLCHAIN, indexTs, initPluginCommand, pluginNames } from '../src/commands/init-plugin'
import { CLI_BIN, assertBuilt, cleanEnv } from './helpers/project'

const exec = promisify(execFile)

// `venomqa init --plugin x` as a plugin author runs it: the scaffold is installed with plain npm (core and
// runner from their packed tarballs, the build tools from the npm registry), tested, built and packed; the
// tarball is installed into a project that has the packed core, runner, explore, openapi and cli and the
// repository's example plugin (venomqa-plugin-csv), as a user installs them: workspace: ranges rewritten by
// pnpm at pack, registry dependencies (undici, commander, jiti, yaml, zod) from the npm registry. `npx
// venomqa run` with both plugins runs a journey against the todo app in its own process.
// One project for both plugins: each npm install of the packed packages costs seconds of the suite. The
// project installs VenomQA while the scaffold is installed, tested and packed, instead of waiting for the
// plugin's tarball to install everything after them; the tarball then joins it, `npm install -D` as the
// scaffold tells a user to add it.
let dir: string
/** The todo app, started while the packages install: afterAll stops it even when the test failed before it was awaited. */
let app: Promise<RunningProcess> | undefined
/** The project's install of the packed packages, under way beside the scaffold's: settled before its directory is removed. */
let venomqaInstalled: Promise<unknown> | undefined

beforeAll(async () => {
  assertBuilt()
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-init-plugin-'))
})
afterAll(async () => {
  await app?.then(
    (a) => a.stop(),
    () => {},
  )
  await venomqaInstalled?.catch(() => {})
  if (dir) await rm(dir, { recursive: true, force: true })
})

function npmEnv(): NodeJS.ProcessEnv {
  const env = cleanEnv()
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('PNPM_') || k === 'INIT_CWD') delete env[k]
  env.NO_COLOR = '1' // the scaffold's own vitest output is read below
  return env
}

/** `dir` and the packages/ directories of the workspace packages it depends on at run time, transitively. */
async function runtimeWorkspacePackages(dir: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(dir)) return [...seen]
  seen.add(dir)
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8'))
  for (const [name, range] of Object.entries<string>({ ...manifest.dependencies, ...manifest.peerDependencies }))
    if (range.startsWith('workspace:') && name.startsWith('@venomqa/')) await runtimeWorkspacePackages(name.slice('@venomqa/'.length), seen)
  return [...seen]
}

/**
 * Pack the CLI's runtime workspace packages and the example plugin into `tarballs` with one pnpm: one start of
 * pnpm instead of one per package (about a second each), the packages packed side by side.
 */
async function packWorkspace(tarballs: string): Promise<void> {
  const names = (await runtimeWorkspacePackages('cli')).map((dir) => `@venomqa/${dir}`)
  const filters = [...names, 'venomqa-plugin-csv'].flatMap((name) => ['--filter', name])
  await exec('pnpm', ['--recursive', ...filters, 'pack', '--pack-destination', tarballs], { cwd: REPO_ROOT })
}

describe('venomqa init --plugin', () => {
  it('names the package so that --plugin <name> finds it', () => {
    expect(pluginNames('x')).toEqual({ short: 'x', pkg: 'venomqa-plugin-x', dir: 'venomqa-plugin-x' })
    expect(pluginNames('@acme/audit')).toEqual({ short: '@acme/audit', pkg: '@acme/venomqa-plugin-audit', dir: 'venomqa-plugin-audit' })
    expect(pluginNames('venomqa-plugin-x').pkg).toBe('venomqa-plugin-x')
    expect(() => pluginNames('Bad Name')).toThrow(/is not a plugin name/)
  })

  it("is shown whole in docs/plugins.md: the src/index.ts it writes for slow-steps, as it writes it", async () => {
    const doc = await readFile(path.join(REPO_ROOT, 'docs/plugins.md'), 'utf8')
    const shown = /Its `src\/index\.ts`, for a plugin named `slow-steps`:\n\n```ts\n([\s\S]*?)```/.exec(doc)
    expect(shown, 'the block after "Its `src/index.ts`, for a plugin named `slow-steps`:"').not.toBeNull()
    expect(shown![1]).toBe(indexTs(pluginNames('slow-steps')))
  })

  it("ships what docs/plugins.md's Publishing section lists, and writes each of those files", async () => {
    const doc = await readFile(path.join(REPO_ROOT, 'docs/plugins.md'), 'utf8')
    const published = /## Publishing\n\n```json\n([\s\S]*?)```/.exec(doc)
    expect(published, 'the package.json under "## Publishing"').not.toBeNull()
    const documented = JSON.parse(published![1]!) as { files: string[]; license?: string }
    const cwd = await mkdtemp(path.join(dir, 'files-'))
    const out = { write: () => true } as unknown as NodeJS.WritableStream
    expect(await initPluginCommand('x', {}, { stdout: out, stderr: out, cwd, env: {} })).toBe(0)
    const plugin = path.join(cwd, 'venomqa-plugin-x')
    const manifest = JSON.parse(await readFile(path.join(plugin, 'package.json'), 'utf8'))
    expect(manifest.files).toEqual(documented.files)
    const written = await readdir(plugin)
    for (const file of manifest.files.filter((f: string) => f !== 'dist')) expect(written, file).toContain(file)
    const license = await readFile(path.join(plugin, 'LICENSE'), 'utf8')
    expect(manifest.license).toBe('MIT')
    expect(license).toMatch(new RegExp(`^MIT License\n\nCopyright \\(c\\) ${new Date().getFullYear()} The venomqa-plugin-x authors\n`))
  })

  it('builds and tests its scaffold with the tools the repository builds with', async () => {
    const root = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies
    const cli = JSON.parse(await readFile(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')).dependencies
    const { typescript, ...tools } = PLUGIN_TOOLCHAIN
    expect(tools).toEqual({ zod: cli.zod, tsup: root.tsup, vitest: root.vitest, '@types/node': root['@types/node'] })
    // The repository type-checks with TypeScript 7, which has no JavaScript API, and keeps TypeScript 6's
    // (@typescript/typescript6) for the tools that need one. A scaffold builds its declarations with tsup's
    // own `dts`, which needs that API from the package named typescript: it stays on the same major.
    expect(typescript.split('.')[0]).toBe(root['@typescript/typescript6'].split('.')[0])
    // The same peer range as the repository's own plugins.
    const csv = JSON.parse(await readFile(path.join(REPO_ROOT, 'examples/plugin-csv/package.json'), 'utf8'))
    expect(`workspace:${CORE_PEER_RANGE}`).toBe(csv.peerDependencies['@venomqa/core'])
  })

  it(
    'gives a package that tests, builds, packs, installs in an empty project and runs with --plugin x',
    async () => {
      const env = npmEnv()
      const tarballs = path.join(dir, 'tarballs')
      await mkdir(tarballs)
      // The workspace packages are packed while the scaffold is written: neither reads what the other writes.
      const [init] = await Promise.all([exec(process.execPath, [CLI_BIN, 'init', '--plugin', 'x'], { cwd: dir, env }), packWorkspace(tarballs)])
      expect(init.stdout).toContain('created venomqa-plugin-x/package.json\n')
      const plugin = path.join(dir, 'venomqa-plugin-x')
      const manifest = JSON.parse(await readFile(path.join(plugin, 'package.json'), 'utf8'))
      expect(manifest.name).toBe('venomqa-plugin-x')
      expect(manifest.peerDependencies).toEqual({ '@venomqa/core': '>=0.1.0 <1.0.0' })
      expect(manifest.dependencies).toEqual({ zod: PLUGIN_TOOLCHAIN.zod })
      expect(await readFile(path.join(plugin, 'src/index.ts'), 'utf8')).toContain('export const options = z.strictObject(')
      expect(await readFile(path.join(plugin, 'README.md'), 'utf8')).toContain('npx venomqa run --plugin x')
      // Run again, it refuses to write over the package.
      await expect(exec(process.execPath, [CLI_BIN, 'init', '--plugin', 'x'], { cwd: dir, env })).rejects.toMatchObject({ code: 2 })

      expect((await readdir(tarballs)).sort()).toEqual([
        'venomqa-cli-0.1.0.tgz',
        'venomqa-core-0.1.0.tgz',
        'venomqa-explore-0.1.0.tgz',
        'venomqa-openapi-0.1.0.tgz',
        'venomqa-plugin-csv-0.1.0.tgz',
        'venomqa-runner-0.1.0.tgz',
      ])
      const venomqa = (await readdir(tarballs)).sort().map((f) => path.join(tarballs, f))
      const tarball = (name: string) => venomqa.find((f) => path.basename(f) === `venomqa-${name}-0.1.0.tgz`)!
      const [core, runner] = [tarball('core'), tarball('runner')]

      // --prefer-offline: what the npm cache holds is not asked of the registry again, one request per package.
      const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']
      const project = path.join(dir, 'project')
      await mkdir(path.join(project, 'journeys'), { recursive: true })
      await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-x', private: true, type: 'module' }))
      // The project's install and the scaffold's below read the same tarballs and write each its own directory
      // (npm's cache is made for several installs at once).
      venomqaInstalled = exec('npm', [...install, ...venomqa], { cwd: project, env, timeout: 180_000 })
      venomqaInstalled.catch(() => {}) // its failure is reported where it is awaited
      // --no-save: the scaffold's package.json keeps its registry ranges, as it will be published.
      await exec('npm', [...install, '--no-save', core, runner], { cwd: plugin, env, timeout: 180_000 })
      // The todo app starts while the scaffold is tested, built and installed; it is first used at the end.
      app = startTodoApp()
      app.catch(() => {}) // its failure is reported where it is awaited
      // Test, type-check and pack at once: vitest and tsc read src/ and test/ and write nothing there; the pack's
      // build (prepack) writes only dist/, which neither reads. Each one's limit allows for sharing the cores.
      const [tested, , packed] = await Promise.all([
        exec('npm', ['test'], { cwd: plugin, env, timeout: 120_000 }),
        exec('npm', ['run', 'typecheck'], { cwd: plugin, env, timeout: 120_000 }),
        exec('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: plugin, env, timeout: 120_000 }), // prepack builds
      ])
      expect(tested.stdout).toMatch(/Tests\s+\S*2 passed/)
      const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
      expect(info!.files.map((f) => f.path).sort()).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js', 'package.json']),
      )
      expect(info!.files.some((f) => f.path.startsWith('src/') || f.path.startsWith('test/'))).toBe(false)
      // zod/mini is bundled into the build: a run that configures the plugin does not load the zod package.
      for (const built of ['dist/index.js', 'dist/index.cjs'])
        expect(await readFile(path.join(plugin, built), 'utf8'), built).not.toMatch(/from ["']zod|require\(["']zod/)
      // The tarball the scaffold and its README tell users to install is the one npm pack made.
      expect(info!.filename).toBe('venomqa-plugin-x-0.0.1.tgz')
      expect(init.stdout).toContain('npm install -D ./venomqa-plugin-x/venomqa-plugin-x-0.0.1.tgz')
      expect(await readFile(path.join(plugin, 'README.md'), 'utf8')).toContain('npm install ../venomqa-plugin-x/venomqa-plugin-x-0.0.1.tgz')

      await writeFile(
        path.join(project, 'journeys/todos.journey.ts'),
        `import { journey, step } from '@venomqa/core'
export default journey('todos', {
  steps: [
    step('health', ({ http }) => http.get('/health')),
    step('slow', ({ http }) => http.get('/api/slow?ms=1500')),
  ],
})
`,
      )
      await venomqaInstalled
      // As the scaffold's next steps say: `npm install -D` of the tarball, in a project that has VenomQA.
      await exec('npm', [...install, '-D', path.join(tarballs, info!.filename)], { cwd: project, env, timeout: 180_000 })
      const installed = (name: string) => readFile(path.join(project, 'node_modules', name, 'package.json'), 'utf8').then((t) => JSON.parse(t))
      expect((await installed('@venomqa/cli')).dependencies['@venomqa/core']).toBe('^0.1.0') // workspace:^ rewritten at pack
      // Rewritten at pack, and the CLI checks it against the installed core when it loads the plugin.
      expect((await installed('venomqa-plugin-csv')).peerDependencies['@venomqa/core']).not.toMatch(/^workspace:/)
      // The published files include the schemas.
      await readFile(path.join(project, 'node_modules/@venomqa/cli/schema/venomqa.schema.json'), 'utf8')
      await readFile(path.join(project, 'node_modules/@venomqa/core/schema/results.schema.json'), 'utf8')

      const { url } = await app
      // The threshold far from both steps: on a busy machine the health check once took 92 ms, past a 50 ms one.
      const reporters = ['--reporter', 'console', '--reporter', 'x:out/slow.txt', '--reporter', 'csv:out/results.csv']
      // The listing runs beside the run: it only reads the installed plugins, and the run writes only out/ and
      // its caches (written whole, for runs at once).
      const [run, listed] = await Promise.all([
        exec('npx', ['venomqa', 'run', '--base-url', url, '--plugin', 'x?slowMs=1000', '--plugin', 'csv', ...reporters], { cwd: project, env, timeout: 60_000 }),
        exec('npx', ['venomqa', 'plugins', '--plugin', 'x', '--plugin', 'csv'], { cwd: project, env }),
      ])
      expect(run.stdout).toContain('✓ health GET')
      expect(run.stdout).toContain('Result: PASSED')
      expect(await readFile(path.join(project, 'out/slow.txt'), 'utf8')).toMatch(/^steps that took 1000 ms or more: 1\n\d+ ms {2}todos › main › slow \(passed\)\n$/)
      expect(await readFile(path.join(project, 'out/results.csv'), 'utf8')).toMatch(/^journey_name,success,duration_ms,total_steps,passed_steps,issue_count,status\r\ntodos,true,\d+,2,2,0,passed\r\n$/)
      expect(listed.stdout).toMatch(/venomqa-plugin-x\s+0\.0\.1\s+x\s+node_modules\/venomqa-plugin-x/)
      expect(listed.stdout).toMatch(/venomqa-plugin-csv\s+0\.1\.0\s+csv\s+node_modules\/venomqa-plugin-csv/)
    },
    420_000,
  )
})
