import type { VenomConfig } from './types'

/** Type help for `venomqa.config.ts`; returns the config unchanged. */
export function defineConfig(config: VenomConfig): VenomConfig {
  return config
}
