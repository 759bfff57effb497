import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// Two entries: the library (plugin, proxy, backend) and the `venomqa-pg-proxy` command.
export default defineConfig(preset({ entry: ['src/index.ts', 'src/cli.ts'] }))
