import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// Two entries: the library (`defineConfig` and types) and the `venomqa` binary. Splitting keeps each
// command in its own chunk, so `venomqa --help` never parses zod, jiti or the runner.
export default defineConfig(
  preset({
    entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
    splitting: true,
    dts: { entry: { index: 'src/index.ts' } },
  }),
)
