import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

/**
 * Tests import workspace packages from source, so a change in core is seen without a rebuild.
 * End-to-end tests that spawn the built binary use dist, which turbo builds before `test`.
 */
export const shared = defineConfig({
  resolve: {
    alias: {
      '@venomqa/core': src('core'),
      '@venomqa/runner': src('runner'),
      '@venomqa/test-utils': fileURLToPath(new URL('./tooling/test-utils/src/index.ts', import.meta.url)),
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
