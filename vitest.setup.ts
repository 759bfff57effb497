/**
 * Run before each test file (vitest.shared.ts `setupFiles`). A package's test files share one process
 * (`isolate: false`): what a file leaves in the environment, the working directory or the exit code would
 * reach the files after it, and which those are depends on vitest's order (a fresh clone has no timing
 * cache, so it orders by size). Each file ends with the process as it found it.
 */
import { afterAll } from 'vitest'

const env = { ...process.env }
const cwd = process.cwd()

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key]
  for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value
  if (process.cwd() !== cwd) process.chdir(cwd)
  process.exitCode = undefined
})
