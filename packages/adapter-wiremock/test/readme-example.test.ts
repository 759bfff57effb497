/**
 * The README's two examples, run as written: each code block is taken from README.md at test time, its
 * package import pointed at this package's source, and run with a real WireMock started from the jar on
 * the machine's Java, as a user's `npx tsx payments.mts` would.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { runExample, stepsRun, tsBlock } from '@venomqa/test-utils'
import { afterEach, expect, it, vi } from 'vitest'
import { isListening } from '../src'
import { describeWithJava } from './helpers'

// The payments example prints only its status: every run it makes is recorded too, to check each step.
const runs = vi.hoisted((): RunResult[] => [])
vi.mock('@venomqa/runner', async (importOriginal) => (await import('@venomqa/test-utils')).recordingRunner(await importOriginal(), runs))

const describe = describeWithJava()
const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const README = path.join(PKG, 'README.md')
const dir = path.join(PKG, `test/readme-example.${process.pid}.generated`)
const imports = { '@venomqa/adapter-wiremock': path.join(PKG, 'src/index.ts') }

/** The URLs the example fetched itself (the app's calls it stands in for), to find its WireMock afterwards. */
function recordFetches(): string[] {
  const urls: string[] = []
  const fetch = globalThis.fetch
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    urls.push(input instanceof Request ? input.url : String(input))
    return fetch(input, init)
  })
  return urls
}

afterEach(() => {
  vi.restoreAllMocks()
  runs.length = 0
})

describe('README examples', () => {
  it('payments.mts: the rate limit sequence, then a fresh sequence after the rollback; the Java process stops', async () => {
    const fetched = recordFetches()
    const logged = await runExample({ dir, files: { 'payments.mts': tsBlock(README, '// payments.mts') }, entry: 'payments.mts', imports })

    expect(logged).toEqual([['passed']])
    expect(runs).toHaveLength(1)
    expect(stepsRun(runs[0]!)).toEqual([
      'payments > rate_limit: passed',
      'payments > until_limited > charge_three_times: passed',
      'payments > fresh_sequence > charge_once: passed',
    ])
    expect(runs[0]!.backends).toEqual([{ name: 'wiremock', mechanism: 'mappings', parallelSafe: false }])
    // Four charges went to the managed WireMock, which runner.close() stopped.
    const charges = fetched.filter((u) => u.endsWith('/v1/charges'))
    expect(charges).toHaveLength(4)
    expect(await isListening(Number(new URL(charges[0]!).port))).toBe(false)
    expect(process.env.VENOMQA_WIREMOCK_URL).toBeUndefined()
  })

  it('startWireMock: a stub answers, then stop() frees the port', async () => {
    const fetched = recordFetches()
    const code = tsBlock(README, "import { startWireMock, WireMockPort } from '@venomqa/adapter-wiremock'")
    const logged = await runExample({ dir, files: { 'ping.mts': code }, entry: 'ping.mts', imports })

    expect(logged).toEqual([['pong']])
    const ping = fetched.find((u) => u.endsWith('/ping'))
    expect(ping).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ping$/)
    expect(await isListening(Number(new URL(ping!).port))).toBe(false)
  })
})
