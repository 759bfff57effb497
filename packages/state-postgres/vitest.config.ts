import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The backend's files share no fixture (each makes its own databases and roles, under names no other file
// uses), and much of their time is spent waiting: for lockTimeoutMs, an app's held transaction, the
// database copying a template. Two at a time, they fill each other's waits (measured alone, two cores:
// 131 s one at a time, 102 s two at a time).
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
