import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Plugin, defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

const VERSION_CONSTANT = '__VENOMQA_PKG_VERSION__'
const VERSION_IDENTIFIER = new RegExp(`(?<![\\w$])${VERSION_CONSTANT}(?![\\w$])`, 'g')

/** The version in the package.json nearest above `file`: the package the file belongs to. */
function versionOf(file: string, cache: Map<string, string>): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const cached = cache.get(dir)
    if (cached !== undefined) return cached
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest)) {
      const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? ''
      cache.set(dir, version)
      return version
    }
    if (path.dirname(dir) === dir) throw new Error(`${file}: no package.json above it to read ${VERSION_CONSTANT} from`)
  }
}

/**
 * What tsup's `define` does for dist (tsup.preset.ts), for source files imported by tests. A single
 * vitest `define` would not do: a test in one package imports the src of others, and each file must see
 * its own package's version.
 */
function packageVersionConstant(): Plugin {
  const cache = new Map<string, string>()
  return {
    name: 'venomqa-package-version',
    enforce: 'pre',
    transform(code, id) {
      if (!code.includes(VERSION_CONSTANT) || id.includes('/node_modules/')) return null
      const file = id.split('?')[0]!
      // Identifiers only, as esbuild's define: not a longer name that contains this one.
      return { code: code.replace(VERSION_IDENTIFIER, JSON.stringify(versionOf(file, cache))), map: null }
    },
  }
}

/**
 * Tests import workspace packages from source, so a change in core is seen without a rebuild.
 * End-to-end tests that spawn the built binary use dist, which turbo builds before `test`.
 */
export const shared = defineConfig({
  plugins: [packageVersionConstant()],
  resolve: {
    alias: {
      '@venomqa/core': src('core'),
      '@venomqa/runner': src('runner'),
      // The longer name first: an alias also replaces the start of a longer one.
      '@venomqa/test-utils/postgres': fileURLToPath(new URL('./tooling/test-utils/src/postgres.ts', import.meta.url)),
      '@venomqa/test-utils/pgbouncer': fileURLToPath(new URL('./tooling/test-utils/src/pgbouncer.ts', import.meta.url)),
      '@venomqa/test-utils/private-cluster': fileURLToPath(new URL('./tooling/test-utils/src/private-cluster.ts', import.meta.url)),
      '@venomqa/test-utils': fileURLToPath(new URL('./tooling/test-utils/src/index.ts', import.meta.url)),
    },
  },
  test: {
    // A guard against a hang, not a measure of speed: end-to-end tests that start apps, clone databases and
    // explore take 20 to 25 s on a loaded two-core machine, and one once ran past a 30 s limit.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A package's test files run one after another (several share a fixture: a Redis DB, a template
    // database), while `pnpm test` runs two packages at once. So what one package's tests touch on a shared
    // service is its own: database names under its own prefix, Redis DB indexes no other package uses
    // (adapter-redis 1, 2, 3, 10-15; todo-app 5; examples/journeys 6-9), ports from the OS. The packages whose
    // files share nothing and spend their time waiting (cli, pg-proxy, state-postgres, state-mysql) run two
    // files at a time: their own vitest.config.ts.
    fileParallelism: false,
    // A package's files run in one process, one after another, importing the workspace's source once: a
    // fresh process per file imported and evaluated the runner, core and their dependencies again for every
    // file (measured: `pnpm test`'s test phase took 633 s with a process per file, 533 s without, on two
    // cores). The setup file hands each file the environment, working directory and exit code the one
    // before it found.
    isolate: false,
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    // jiti (what the CLI loads TypeScript with when Node cannot run it as written) keeps its compiled files
    // in the nearest node_modules/.cache, else in the system's temporary directory, and its environment
    // variable turns that cache on or off but cannot move it. The tests' projects have no node_modules, so
    // every run left files in /tmp/jiti: off for the tests, and for the CLIs they start, which inherit it.
    // Each project is new, so the cache was never read back.
    env: { JITI_FS_CACHE: 'false' },
  },
})
