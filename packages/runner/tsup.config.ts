import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// zod/mini goes into the build, tree-shaken to what the memory and http-control option schemas use.
// picocolors too: imported from node_modules it is the first CommonJS module of the process, and starting
// Node's CommonJS loader for it cost every run with a console reporter about 9 ms; bundled, its few lines
// run when the runner is imported (they read whether stdout is a terminal, which the console reporter asks
// again of its own stream: see colorsWanted).
export default defineConfig(preset({ noExternal: [/^zod(\/|$)/, 'picocolors'] }))
