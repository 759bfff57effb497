/**
 * The README examples run as written, against the todo app in its own process: every journey (the root
 * README's, and each package's), the runner's program, and every config is loaded. Each block is written
 * next to the demo journeys (so its imports resolve as a user's would) and imported as it is. The programs
 * that need a service of their own (Redis, WireMock, MySQL, ...) are listed in ELSEWHERE with where they
 * run, so a new README example cannot go unexecuted unnoticed.
 */
import fs from 'node:fs'
import path from 'node:path'
import { isJourney, type Journey, type RunResult } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { REPO_ROOT, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'

const here = path.join(REPO_ROOT, 'examples/journeys')
const READMES = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'packages')).map((p) => `packages/${p}/README.md`)].filter((f) =>
  fs.existsSync(path.join(REPO_ROOT, f)),
)
/** README examples this file does not run, by `<readme> <n>`, with the reason (and the test that runs it, if one does). */
const ELSEWHERE: Record<string, string> = {
  'packages/adapter-elasticsearch/README.md 1': 'needs Elasticsearch: packages/adapter-elasticsearch/test/readme-example.test.ts',
  'packages/pg-proxy/README.md 1': 'needs PostgreSQL and the proxy binary: packages/pg-proxy/test/readme-example.test.ts',
  'packages/adapter-mailhog/README.md 1': 'starts a mail catcher and sends to it with nodemailer: packages/adapter-mailhog/test/readme-example.test.ts',
  'packages/adapter-mailhog/README.md 2': 'needs a Mailpit API and the app sending mail to it: packages/adapter-mailhog/test/readme-example.test.ts',
  'packages/adapter-redis/README.md 1': 'needs Redis: packages/adapter-redis/test/readme-example.test.ts',
  'packages/adapter-redis/README.md 2': 'a fragment (a type), not a program',
  'packages/adapter-wiremock/README.md 1': 'needs WireMock (Java): packages/adapter-wiremock/test/readme-example.test.ts',
  'packages/adapter-wiremock/README.md 2': 'needs WireMock (Java): packages/adapter-wiremock/test/readme-example.test.ts',
  'packages/explore/README.md 1': 'needs the shop app on PostgreSQL: packages/explore/test/docs.test.ts',
  'packages/openapi/README.md 1': 'needs an OpenAPI document: packages/openapi/test/readme.test.ts',
  'packages/openapi/README.md 2': 'a fragment, not a program',
  'packages/state-mysql/README.md 1': 'needs MySQL or MariaDB and the app on it: packages/state-mysql/test/readme-example.test.ts',
  'packages/state-postgres/README.md 2': 'imports the README journey as ./todo.journey and needs the app on PostgreSQL: packages/state-postgres/test/readme-example.test.ts',
}
const written: string[] = []
let app: RunningProcess | undefined

// A fresh app per example: each README journey signs its user up, as a first run against a new API would.
beforeEach(async () => {
  await app?.stop()
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
  for (const f of written) fs.rmSync(f, { force: true })
})

function blocks(readme: string): string[] {
  return [...fs.readFileSync(path.join(REPO_ROOT, readme), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

async function load(name: string, code: string): Promise<Record<string, unknown>> {
  const file = path.join(here, `.readme-${name}.ts`)
  fs.writeFileSync(file, code)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

async function runJourneys(journeys: Journey[]): Promise<RunResult> {
  const runner = createRunner({ baseUrl: app!.url, stateBackends: [httpControlState({ url: app!.url })] })
  try {
    return await runner.run(journeys)
  } finally {
    await runner.close()
  }
}

describe('README examples', () => {
  it('every listed exception still exists', () => {
    for (const [key, reason] of Object.entries(ELSEWHERE)) {
      const [readme, n] = key.split(' ') as [string, string]
      expect(blocks(readme).length, key).toBeGreaterThanOrEqual(Number(n))
      // An example said to run elsewhere names a test that exists and reads that README.
      const test = /(packages\/\S+\.test\.ts)$/.exec(reason)?.[1]
      if (test) expect(fs.readFileSync(path.join(REPO_ROOT, test), 'utf8'), key).toMatch(/README/)
    }
  })

  for (const readme of READMES) {
    const found = blocks(readme)
    for (const [i, code] of found.entries()) {
      const name = `${readme.replace(/\W+/g, '-')}-${i + 1}`
      const elsewhere = ELSEWHERE[`${readme} ${i + 1}`]
      // Listed in ELSEWHERE, with the reason and the test that runs it when one does (checked above).
      if (elsewhere) continue
      it(`${readme} example ${i + 1}: ${code.split('\n')[0]}`, async () => {
        if (code.includes('defineConfig(')) {
          // A config: it loads, and is the object the CLI reads.
          const mod = await load(name, code)
          expect(mod.default).toEqual(expect.objectContaining({ plugins: expect.any(Array) }))
          return
        }
        if (code.includes('createRunner(')) {
          // A program that runs itself: BASE_URL points it at the app, and it writes junit.xml where it runs.
          process.env.BASE_URL = app!.url
          const junit = path.join(process.cwd(), 'junit.xml')
          written.push(junit)
          const logged: unknown[][] = []
          const log = console.log
          console.log = (...args: unknown[]) => void logged.push(args)
          try {
            await load(name, code)
          } finally {
            console.log = log
          }
          expect(process.exitCode).toBe(0)
          process.exitCode = undefined
          expect(logged).toContainEqual(['health', 'passed'])
          expect(fs.readFileSync(junit, 'utf8')).toMatch(/<testsuite name="smoke"[^>]* failures="0"/)
          return
        }
        expect(code, 'neither a config, a program nor a journey: run it here or list it in ELSEWHERE').toMatch(/export default (journey|journeysFor)\(/)
        const mod = await load(name, code)
        const journeys = (Array.isArray(mod.default) ? mod.default : [mod.default]) as Journey[]
        expect(journeys.every(isJourney)).toBe(true)
        const result = await runJourneys(journeys)
        for (const j of result.journeys) expect(j.issues, j.name).toEqual([])
        expect(result.status).toBe('passed')
      })
    }
  }
})
