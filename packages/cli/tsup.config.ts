import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

/**
 * A bundled CommonJS package's `require('process')` or `require('buffer')` (yaml's), made an import of the
 * Node module: in an ES module there is no `require` to call, and esbuild's stand-in throws at run time.
 */
const builtinsAsImports: Plugin = {
  name: 'builtins-as-imports',
  setup(build) {
    build.onResolve({ filter: /^(?:node:)?(?:process|buffer)$/ }, (args) =>
      args.kind === 'require-call' ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-import' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'builtin-import' }, (args) => ({ contents: `export * from 'node:${args.path}'`, loader: 'js' }))
  },
}

// Two entries: the library (`defineConfig` and types) and the `venomqa` binary. Splitting keeps each
// command in its own chunk, so `venomqa --help` never parses zod, jiti or the runner.
export default defineConfig(
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
    //   instead of 53 ms from its 70-odd CommonJS files.
    noExternal: [/^zod(\/|$)/, /^semver\//, /^yaml$/],
    esbuildPlugins: [builtinsAsImports],
    dts: { entry: { index: 'src/index.ts' } },
  }),
)
