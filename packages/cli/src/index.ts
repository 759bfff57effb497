// The package's main entry: what a venomqa.config.ts imports. It must stay cheap to import and free
// of side effects, so the CLI's commands, zod, jiti and the runner are not reachable from here.
export { defineConfig } from './config/define'
export type { PluginSpec, ReporterSpec, VenomConfig, VenomConfigBase } from './config/types'
