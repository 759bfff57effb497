import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// The backend's files share no fixture (each makes its own databases and users, under its process id), and
// much of their time is spent waiting: for lockWaitTimeoutMs, an app's held transaction, the server. Two at a
// time, they fill each other's waits (measured alone, two cores: 91 s one at a time, 52 s two at a time).
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
