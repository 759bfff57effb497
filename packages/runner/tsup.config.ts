import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// zod/mini goes into the build, tree-shaken to what the memory and http-control option schemas use.
export default defineConfig(preset({ noExternal: [/^zod(\/|$)/] }))
