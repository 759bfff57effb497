import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// zod/mini goes into the build, tree-shaken to what the memory and http-control option schemas use.
// shims: the CommonJS build gets import.meta.url, which the console reporter loads picocolors with.
export default defineConfig(preset({ noExternal: [/^zod(\/|$)/], shims: true }))
