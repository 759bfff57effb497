import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// zod/mini goes into the build, tree-shaken to what the options schema uses (see src/plugin.ts).
export default defineConfig(preset({ noExternal: [/^zod(\/|$)/] }))
