import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The proxy's files share no fixture (each makes its own databases, under its process id, and its own
// proxies on ports from the OS), and most of their time is spent waiting: for a deadline, a lock_timeout, a
// driver's process, the database. Two at a time, they fill each other's waits (measured alone, two cores:
// 98 s one at a time, 60 s two at a time).
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
