import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The HTML reporter from source too, like core and runner: the leak test renders it with the change under test.
export default mergeConfig(
  shared,
  defineConfig({ resolve: { alias: { '@venomqa/reporter-html': fileURLToPath(new URL('../reporter-html/src/index.ts', import.meta.url)) } } }),
)
