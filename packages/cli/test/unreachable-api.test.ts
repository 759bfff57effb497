import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, freePort, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// A project as `venomqa init` makes it, with two journeys more, run where nothing listens (a port found
// free, then closed): `venomqa run` says once that the API is not there and sends nothing more to it, where
// it printed a failure for every step, each GET sent three times (136 lines for these three journeys).
// Then the API (the example todo app, its own process) is started and `--last-failed` runs them all.
let p: Project
let app: RunningProcess | undefined

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  const init = await p.venomqa(['init'])
  expect(init.code, init.stderr).toBe(0)
  await writeFile(
    path.join(p.dir, 'journeys/todos.journey.ts'),
    "import { journey, step } from '@venomqa/core'\n" +
      "export default journey('todos', { steps: [step('stats', ({ http }) => http.get('/api/stats')), step('health', ({ http }) => http.get('/health'))] })\n",
  )
  await writeFile(path.join(p.dir, 'journeys/users.journey.ts'), "import { journey, step } from '@venomqa/core'\nexport default journey('users', { steps: [step('health', ({ http }) => http.get('/health'))] })\n")
})
afterAll(async () => {
  await app?.stop()
  await p?.remove()
})

describe('venomqa run where nothing listens at the base URL', () => {
  it('fails the first step, says once that nothing listens there, runs nothing more against it, and exits 1', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    // The address comes from the variable the config `init` wrote reads.
    const r = await p.venomqa(['run'], { env: { API_URL: base } })
    expect(r.code, r.stderr).toBe(1)
    const out = r.stdout
    // The first step of the first journey, with the refused-connection message and its suggestion.
    expect(out).toContain(`  ✗ health GET ${base}/health`)
    expect(out).toContain('Suggestion: Nothing is listening at the base URL: start the API, or fix baseUrl / --base-url (or the environment variable the config reads it from, API_URL')
    // No other step ran: one step failed, the others not run.
    expect(out).toMatch(/Steps {5}0 passed, 1 failed, 5 skipped of 6/)
    expect(out.match(/ {2}✗ \w+ GET /g)).toHaveLength(1)
    // One reason for the journey that met it, one for those not run, told once for both.
    expect(out).toContain(`nothing listens at the base URL ${base}: step "health" was refused a connection, and a new connection was refused too. The journey stopped there`)
    expect(out).toContain(`✗ 2 journeys: todos, users [critical] runner\n      not run: nothing listens at the base URL ${base}: step "health" of journey "example" was refused a connection\n`)
    // The journeys not run say so where they start and end: "failed 0 ms" read as steps that ran and failed.
    for (const name of ['todos', 'users']) expect(out).toContain(`▶ ${name} (not run) journeys/${name}.journey.ts\n✗ ${name} not run\n`)
    expect(out).toContain('Result: FAILED')
    expect(out.split('\n').length).toBeLessThan(45)
    // Every journey is in the record of failures, so `--last-failed` runs them once the API is up.
    const lastRun = JSON.parse(readFileSync(path.join(p.dir, '.venomqa/last-run.json'), 'utf8')) as { failedJourneys: string[] }
    expect(lastRun.failedJourneys.sort()).toEqual(['journeys/example.journey.ts#example', 'journeys/todos.journey.ts#todos', 'journeys/users.journey.ts#users'])
    // The JUnit file `init` configured fails each journey not run, naming the address.
    const junit = readFileSync(path.join(p.dir, 'reports/junit.xml'), 'utf8')
    expect(junit.match(new RegExp(`<error message="not run: nothing listens at the base URL ${base.replace(/\./g, '\\.')}`, 'g'))).toHaveLength(2)
  })

  it('once the API is up, --last-failed runs every journey that did not run, and they pass', async () => {
    app = await startTodoApp()
    const r = await p.venomqa(['run', '--last-failed'], { env: { API_URL: app.url } })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Journeys {2}3 passed of 3/)
  })
})
