import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// Two entries: the library (plugin, proxy, backend) and the `venomqa-pg-proxy` command. zod/mini goes into
// the build, tree-shaken to what the options schema uses (see src/options.ts).
export default defineConfig(preset({ entry: ['src/index.ts', 'src/cli.ts'], noExternal: [/^zod(\/|$)/] }))
