/**
 * Run before each test file (vitest.shared.ts `setupFiles`). A package's test files share one process
 * (`isolate: false`): what a file leaves in the environment, the working directory or the exit code would
 * reach the files after it, and which those are depends on vitest's order (a fresh clone has no timing
 * cache, so it orders by size). Each file ends with the process as it found it.
 */
import { readFileSync } from 'node:fs'
import { afterAll } from 'vitest'

const env = { ...process.env }
const cwd = process.cwd()

/** Whether the package under test uses core (tests import it from source, one module for all its files). */
function usesCore(): boolean {
  const manifest = JSON.parse(readFileSync(`${cwd}/package.json`, 'utf8'))
  return (
    manifest.name === '@venomqa/core' || ['dependencies', 'devDependencies', 'peerDependencies'].some((field) => '@venomqa/core' in (manifest[field] ?? {}))
  )
}
const clearsSecrets = usesCore()

afterAll(async () => {
  // The values a file's requests made secrets (a token `other` set with setAuthToken) would be masked in the
  // files after it: a journey named `other` printed as [REDACTED], in one order of the files and not another.
  if (clearsSecrets) (await import('@venomqa/core')).knownSecrets.clear()
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key]
  for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value
  if (process.cwd() !== cwd) process.chdir(cwd)
  process.exitCode = undefined
})
