import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// Two files at a time. Most of this package's time is spent waiting on the database server (CREATE
// DATABASE, lock waits, apps starting), not on a core: one file at a time, its test process used a core
// for under a quarter of its wall time. Each file keeps to its own database names and roles (the process id or
// a name of its own in them), so two files never touch the same object.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
