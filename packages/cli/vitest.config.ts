import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The CLI's files share no fixture (each makes its own projects, database names and ports), and they are
// the longest package of the suite: run two at a time, so that they end with the other packages instead of
// running alone on one core for minutes after them.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
