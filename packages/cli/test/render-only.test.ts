import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { explorationRun } from '@venomqa/fixtures'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// `venomqa report` and `merge-reports` only render: a CI job that renders has no database, and may run
// beside a job whose mail catcher holds its port. The config's plugins are not set up unless a reporter
// asked for comes from one of them.
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await writeFile(path.join(p.dir, 'saved.json'), JSON.stringify(explorationRun()))
  // As docs/cli.md's CI example has it: the state backend's URL from the environment, unset in the job that renders.
  await writeFile(
    path.join(p.dir, 'venomqa.config.mjs'),
    "export default { baseUrl: '${API_URL}', headers: { 'X-Api': '${API_SECRET}', 'X-Team': 'qa' }, openapi: { include: ['listItems'], auth: { bearer: '${API_TOKEN}' } }, profiles: { ci: { baseUrl: 'http://${API_HOST}', openapi: { auth: { login: 'logIn', credentials: { email: 'qa@example.test', password: '${API_PASSWORD}' } } } } }, plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }], ['csv', { rows: 'step' }]] }\n",
  )
})
afterAll(async () => {
  await p?.remove()
})

describe('commands that only render a saved run', () => {
  it('report with built-in reporters sets up none of the config plugins: an unset variable in their entries is no error', async () => {
    const r = await p.venomqa(['report', 'saved.json', '-r', 'junit:out/junit.xml', '-r', 'markdown:out/report.md'], { env: { DATABASE_URL: undefined } })
    expect(r.stderr).toBe('venomqa: junit report written to out/junit.xml\nvenomqa: markdown report written to out/report.md\n')
    expect(r.code).toBe(0)
  })

  it('an unset variable in baseUrl, a header or openapi is no error: only a request reads them, and run still says so', async () => {
    const env = { DATABASE_URL: undefined, API_URL: undefined, API_SECRET: undefined, API_HOST: undefined, API_TOKEN: undefined, API_PASSWORD: undefined, VENOMQA_PROFILE: 'ci' }
    const r = await p.venomqa(['report', 'saved.json', '-r', 'json:out/again.json'], { env })
    expect(r.stderr).toBe('venomqa: json report written to out/again.json\n')
    expect(r.code).toBe(0)
    const merged = await p.venomqa(['merge-reports', 'saved.json', '--save', 'out/merged.json', '-r', 'markdown:out/merged.md'], { env })
    expect(merged.stderr).not.toContain('not set')
    // list sets no plugin up and sends nothing: it needs none of them either.
    const list = await p.venomqa(['list'], { env })
    expect(list.stderr).not.toContain('not set')
    const run = await p.venomqa(['run'], { env })
    expect(run.code).toBe(2)
    for (const name of ['API_URL', 'API_SECRET', 'API_HOST']) expect(run.stderr).toContain(`environment variable ${name} is not set`)
    // `openapi` is read by `explore --openapi` alone: left out for every other command.
    for (const name of ['API_TOKEN', 'API_PASSWORD']) expect(run.stderr).not.toContain(name)
  })

  it('list sets no plugin up and sends nothing: it lists the journeys with the variables of plugins, base URL and headers unset', async () => {
    const own = await makeProject(null, {}, host)
    try {
      await writeFile(path.join(own.dir, 'venomqa.config.mjs'), "export default { baseUrl: '${API_URL}', headers: { 'X-Api': '${API_SECRET}' }, plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]] }\n")
      await mkdir(path.join(own.dir, 'journeys'))
      await writeFile(path.join(own.dir, 'journeys/a.journey.mjs'), "import { journey, step } from '@venomqa/core'\nexport default journey('a', { tags: ['smoke'], steps: [step('s', ({ http }) => http.get('/'))] })\n")
      const r = await own.venomqa(['list'], { env: { DATABASE_URL: undefined, API_URL: undefined, API_SECRET: undefined } })
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe('a  [smoke]  journeys/a.journey.mjs\n  step s\n\n1 journey in 1 file; tags: smoke (1)\n')
      expect(r.code).toBe(0)
    } finally {
      await own.remove()
    }
  })

  it('a reporter a config plugin declares sets up that plugin alone: an unset variable in another entry is no error', async () => {
    const r = await p.venomqa(['report', 'saved.json', '-r', 'csv:out/r.csv'], { env: { DATABASE_URL: undefined } })
    expect(r.stderr).toBe('venomqa: csv report written to out/r.csv\n')
    expect(r.code).toBe(0)
    expect(existsSync(path.join(p.dir, 'out/r.csv'))).toBe(true)
  })

  it('an unset variable in the entry of a plugin set up for its reporter is told, as for run', async () => {
    await writeFile(path.join(p.dir, 'rows.config.mjs'), "export default { plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }], ['csv', { rows: '${CSV_ROWS}' }]] }\n")
    const r = await p.venomqa(['report', 'saved.json', '-c', 'rows.config.mjs', '-r', 'csv:out/rows.csv'], { env: { DATABASE_URL: undefined, CSV_ROWS: undefined } })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'venomqa: rows.config.mjs: plugins[1][1].rows: environment variable CSV_ROWS is not set (set it, or give a default: ${CSV_ROWS:-value})\n' +
        '  (the config\'s plugins that may add reporter "csv" are set up: it is neither built in nor an installed @venomqa/reporter-csv)\n',
    )
    expect(existsSync(path.join(p.dir, 'out/rows.csv'))).toBe(false)
  })

  it('a reporter no plugin declares (as `-r html` in a project without @venomqa/reporter-html) is refused naming the reporters there are, not a variable', async () => {
    // The user saw a database URL that rendering a saved run should not need, and not the reporter asked for.
    const r = await p.venomqa(['report', 'saved.json', '-r', 'pdf:out/r.pdf'], { env: { DATABASE_URL: undefined } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown reporter "pdf"')
    expect(r.stderr).toContain('Known reporters: console, json, junit, markdown, csv')
    expect(r.stderr).not.toContain('DATABASE_URL')
  })

  it("then the other mistakes of an entry an unset variable is in are told with it, not first once it is set", async () => {
    await writeFile(path.join(p.dir, 'typo.config.mjs'), "export default { plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }], ['csv', { rows: '${CSV_ROWS}', bogus: 1 }]] }\n")
    const r = await p.venomqa(['report', 'saved.json', '-c', 'typo.config.mjs', '-r', 'csv:out/r.csv'], { env: { DATABASE_URL: undefined, CSV_ROWS: undefined } })
    expect(r.code).toBe(2)
    // Named as run names them: the file first, not after the lines as `at typo.config.mjs`.
    expect(r.stderr).toMatch(/^venomqa: typo\.config\.mjs has 2 problems:\n {2}- plugins\[1\]\[1\]\.rows: environment variable CSV_ROWS is not set .*\n {2}- plugins\[1\]\.bogus: unknown option[^\n]*\n {2}\(the config's plugins that may add reporter "csv" [^\n]*\)\n$/)
    expect(r.stderr).not.toContain('plugins[1].rows:')
    // Set aside unasked (built-in reporters only): no word of it, as before.
    const builtIn = await p.venomqa(['report', 'saved.json', '-c', 'typo.config.mjs', '-r', 'json:out/r.json'], { env: { DATABASE_URL: undefined } })
    expect([builtIn.code, builtIn.stderr]).toEqual([0, 'venomqa: json report written to out/r.json\n'])
  })
})
