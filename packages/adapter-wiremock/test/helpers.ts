import { execFileSync } from 'node:child_process'
import { isCI } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe } from 'vitest'
import { type ManagedWireMock, startWireMock } from '../src'

/**
 * `describe` for suites that run WireMock on the machine's Java. Without Java: under CI the suite fails (a
 * test that cannot run must not pass); elsewhere it is skipped with a loud warning.
 */
export function describeWithJava(): typeof describe {
  let found = true
  try {
    execFileSync(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', ['-version'], { stdio: 'ignore' })
  } catch {
    found = false
  }
  if (found) return describe
  if (isCI)
    return ((title: string) =>
      describe(title, () => {
        throw new Error('Java is not installed, and CI is set: the WireMock suites cannot be skipped')
      })) as unknown as typeof describe
  console.warn('\n!!! SKIPPING: Java is not installed, so WireMock cannot run. These tests did NOT run.\n')
  return describe.skip as unknown as typeof describe
}

/**
 * One real WireMock (the `wiremock` npm package's jar on the machine's Java) for the whole test file,
 * stopped after it. Returns a getter, since the server exists only once beforeAll ran.
 */
export function useWireMock(): () => ManagedWireMock {
  let server: ManagedWireMock | undefined
  beforeAll(async () => {
    server = await startWireMock()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error('WireMock is not started yet')
    return server
  }
}

/** True while a process with this pid exists, asked of `ps` (not of Node, which may still hold its handle). */
export function processExists(pid: number): boolean {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,stat=', '-p', String(pid)], { encoding: 'utf8' }).trim()
    // A zombie has exited; only its parent has not reaped it yet.
    return out !== '' && !/\sZ/.test(out)
  } catch {
    return false
  }
}

/** A plain request to the mock, as the app under test would send it. */
export async function send(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers; ms: number }> {
  const t0 = performance.now()
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, text, headers: res.headers, ms: performance.now() - t0 }
}

export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25))
    value = await read()
  }
  return value
}
