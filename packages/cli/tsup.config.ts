import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// Two entries: the library (`defineConfig` and types) and the `venomqa` binary. Splitting keeps each
// command in its own chunk, so `venomqa --help` never parses zod, jiti or the runner.
export default defineConfig(
  preset({
    entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
    splitting: true,
    // zod/mini goes into the build, tree-shaken to what the config schema uses: a few kB in one chunk
    // instead of zod's 95 modules, which cost every command that reads a config about 50 ms to load.
    noExternal: [/^zod(\/|$)/],
    dts: { entry: { index: 'src/index.ts' } },
  }),
)
