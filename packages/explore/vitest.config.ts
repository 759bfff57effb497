import { defineConfig, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// Two files at a time. Most of this package's time is spent waiting on apps and the database server
// (apps starting, CREATE DATABASE, rollbacks), not on a core: one file at a time, its processes used a
// core for about a quarter of its wall time. Each file keeps to its own database names (the process id
// in them), so two files never touch the same database.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }))
