import { builtinModules } from 'node:module'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

/**
 * A bundled CommonJS package's `require` of a Node module (yaml's `process` and `buffer`, commander's
 * `events`, `fs`, `path`, `child_process`), given the module itself: an ES module has no `require`, and
 * esbuild's stand-in throws at run time. `process.getBuiltinModule` is Node's own synchronous lookup
 * (Node 20.16; the package asks for 20.19).
 *
 * Lazy where only a rarely taken branch uses the module: commander requires child_process at load, for
 * the executable subcommands the CLI never has, and loading it cost every command 3.4 ms.
 */
const LOADED_WHEN_USED = new Set(['child_process'])
const nodeBuiltins: Plugin = {
  name: 'node-builtins',
  setup(build) {
    const names = new Set(builtinModules)
    build.onResolve({ filter: /^[a-z_/]+$|^node:/ }, (args) => {
      const name = args.path.replace(/^node:/, '')
      return args.kind === 'require-call' && names.has(name) ? { path: name, namespace: 'node-builtin' } : undefined
    })
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path: name }) => ({
      contents: LOADED_WHEN_USED.has(name)
        ? `let m; const load = () => (m ??= process.getBuiltinModule('node:${name}'));
           module.exports = new Proxy({}, { get: (_, key) => { const v = load()[key]; return typeof v === 'function' ? v.bind(m) : v } })`
        : `module.exports = process.getBuiltinModule('node:${name}')`,
      loader: 'js',
    }))
  },
}

/**
 * sucrase and acorn in one CommonJS file, dist/compilers.cjs, for compile.ts to require (synchronously,
 * as the TypeScript loader needs them) when a file changed since the last run: see src/typescript/compilers.ts.
 * Built beside the main build (tsup runs both at once, and the main one cleans dist but this file), with no
 * declarations and no source map.
 */
const compilers = {
  entry: { compilers: 'src/typescript/compilers.ts' },
  format: ['cjs' as const],
  outExtension: () => ({ js: '.cjs' }),
  noExternal: ['sucrase', 'acorn'],
  platform: 'node' as const,
  target: 'node20',
  clean: false,
  dts: false,
  sourcemap: false,
  splitting: false,
  // Without their comments: acorn's hold a dash outside Latin-1, which would have V8 keep the whole file two
  // bytes a character (see tooling/repo-check/test/ascii-dist.test.ts); and a smaller file parses sooner.
  minifyWhitespace: true,
}

// Two entries: the library (`defineConfig` and types) and the `venomqa` binary. Splitting keeps each
// command in its own chunk, so `venomqa --help` never parses zod, jiti or the runner.
export default defineConfig([
  preset({
    entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
    splitting: true,
    // Dependencies bundled into the build, each into the chunk of the code that uses it. Node then finds
    // and loads one file where it found and loaded each of the package's own, one at a time:
    // - zod/mini, tree-shaken to what the config schema uses: a few kB instead of zod's 95 modules, which
    //   cost every command that reads a config about 50 ms;
    // - semver's three functions (src/plugins/semver.ts), at every command that loads a plugin: about 11 ms
    //   instead of semver's whole index, 27 ms;
    // - yaml, at every command that reads a YAML config: loading it and reading a config takes about 19 ms
    //   instead of 53 ms from its 70-odd CommonJS files;
    // - commander, at every command: with child_process loaded only if used (see nodeBuiltins): 3 to 4 ms less.
    noExternal: [/^zod(\/|$)/, /^semver\//, /^yaml$/, /^commander$/],
    esbuildPlugins: [nodeBuiltins],
    // The one package built with rollup's pass over esbuild's chunks as well (the others skip it, see
    // tsup.preset.ts): it keeps esbuild's shared helpers out of the chunks `venomqa --version` and `--help`
    // load, which test/startup.test.ts holds to the CLI's entry and the command's own module.
    treeshake: true,
    // tsup would take `node:` off every import and make it external before nodeBuiltins sees commander's
    // `require('node:events')`; esbuild keeps Node's modules external in any case.
    removeNodeProtocol: false,
    dts: { entry: { index: 'src/index.ts' } },
    // Every file of dist but the compilers' bundle, which the build beside this one writes at the same time.
    clean: ['!compilers.cjs'],
  }),
  compilers,
])
