import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The CLI's files share no fixture (each makes its own projects, database names and ports), and they are
// the longest package of the suite: two at a time, so that it ends with the others instead of being the
// end of the suite on its own (tooling/run-tests.mjs starts it first).
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
