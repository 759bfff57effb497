import { mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

// `venomqa doctor` with a config it cannot resolve: the config's problem is told, and every check that
// needs none of it is still made (the journeys, the base URL), with exit 2 for the mistake.

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('ping', { steps: [step('ping', ({ http }) => http.get('/ping'))] })
`

let app: LocalServer
/** What reached the app: the doctor's look at the base URL, and nothing else. */
const hits: string[] = []
const projects: Project[] = []
const host = cliHost()

beforeAll(async () => {
  assertBuilt()
  app = await listenLocally(
    http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`)
      res.end('ok')
    }),
  )
})
afterAll(async () => {
  for (const p of projects) await p.remove()
  await app?.close()
})
beforeEach(() => {
  hits.length = 0
})

async function project(files: Record<string, string>): Promise<Project> {
  const p = await makeProject(null, { APP_URL: app.url }, host)
  projects.push(p)
  for (const [name, text] of Object.entries({ 'journeys/ping.journey.ts': JOURNEY, ...files })) {
    await mkdir(path.dirname(path.join(p.dir, name)), { recursive: true })
    await writeFile(path.join(p.dir, name), text)
  }
  return p
}

/** The verdict lines doctor printed, by what each checked. */
const lineOf = (stdout: string, what: string) => stdout.split('\n').find((l) => new RegExp(`^. ${what} `).test(l))

describe('venomqa doctor with a config it cannot resolve', () => {
  it('tells an unset variable in a plugin option, and still checks the journeys and the base URL the config gives', async () => {
    const p = await project({
      'venomqa.yaml': "baseUrl: ${APP_URL}\nplugins:\n  - ['./plugins/db.mjs', { url: '${DATABASE_URL}' }]\n",
      // The entry's only mistake is the variable: one that is not there is told with it (see below).
      'plugins/db.mjs': "export default { name: 'db', version: '1.0.0', apiVersion: 1, setup() {} }\n",
    })
    const r = await p.venomqa(['doctor'], { env: { DATABASE_URL: undefined } })
    expect(lineOf(r.stdout, 'config')).toMatch(/^✗ config +venomqa\.yaml: plugins\[0\]\[1\]\.url: environment variable DATABASE_URL is not set/)
    expect(lineOf(r.stdout, 'journeys')).toBe('✓ journeys   1 journey in 1 file')
    expect(lineOf(r.stdout, 'plugins')).toMatch(/^- plugins +not checked, nor their setup, the reporters, the workers and the services: they need the whole config$/)
    expect(lineOf(r.stdout, 'base URL')).toMatch(new RegExp(`^✓ base URL +${app.url.replace(/[.]/g, '\\.')} answered 200 in \\d+ ms$`))
    expect(hits).toEqual(['GET /'])
    expect(r.stdout).toContain('\ndoctor: 1 of 3 checks failed, a mistake in the config, a plugin or a journey\n')
    expect(r.code, r.stdout + r.stderr).toBe(2)
    // The entry's plugin not there: told with the variable, not first once it is set.
    await writeFile(path.join(p.dir, 'venomqa.yaml'), "baseUrl: ${APP_URL}\nplugins:\n  - ['./plugins/nothere.mjs', { url: '${DATABASE_URL}' }]\n")
    const missing = await p.venomqa(['doctor'], { env: { DATABASE_URL: undefined } })
    expect(lineOf(missing.stdout, 'config')).toBe('✗ config     venomqa.yaml has 2 problems:')
    expect(missing.stdout).toContain('- plugins[0]: plugin file ./plugins/nothere.mjs does not exist')
  })

  it('checks the base URL --base-url or VENOMQA_BASE_URL gives when the config\'s own does not resolve', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${API_URL}\n' })
    const flag = await p.venomqa(['doctor', '--base-url', app.url], { env: { API_URL: undefined } })
    expect(lineOf(flag.stdout, 'config')).toMatch(/^✗ config +venomqa\.yaml: baseUrl: environment variable API_URL is not set/)
    expect(lineOf(flag.stdout, 'base URL')).toMatch(/^✓ base URL +http:\/\/127\.0\.0\.1:\d+ answered 200/)
    expect(flag.code).toBe(2)
    const variable = await p.venomqa(['doctor'], { env: { API_URL: undefined, VENOMQA_BASE_URL: app.url } })
    expect(lineOf(variable.stdout, 'base URL')).toMatch(/^✓ base URL +http:\/\/127\.0\.0\.1:\d+ answered 200/)
    expect(hits).toEqual(['GET /', 'GET /'])
    // Nothing gives one that resolves: said, not checked, and no failure of its own.
    const none = await p.venomqa(['doctor'], { env: { API_URL: undefined } })
    expect(lineOf(none.stdout, 'base URL')).toBe('- base URL   not checked: what gives it did not resolve (see above)')
    expect(lineOf(none.stdout, 'journeys')).toBe('✓ journeys   1 journey in 1 file')
    expect(none.stdout).toContain('\ndoctor: 1 of 2 checks failed, a mistake in the config, a plugin or a journey\n')
    expect(hits).toHaveLength(2)
  })

  it('leaves what the missing profile would give unchecked, and still checks a journey mistake and an unreachable base URL', async () => {
    const p = await project({
      'venomqa.yaml': "baseUrl: ${APP_URL}\njourneys: ['checks/*.journey.ts']\nprofiles:\n  ci: { retries: 1 }\n",
      'checks/broken.journey.ts': "import { journey } from '@venomqa/core'\nexport default journey('broken', { steps: [] })\n",
    })
    const profile = await p.venomqa(['doctor', '--profile', 'cj'])
    expect(lineOf(profile.stdout, 'config')).toMatch(/^✗ config +profile "cj" is not defined in venomqa\.yaml; did you mean "ci"\?/)
    expect(lineOf(profile.stdout, 'journeys')).toBe('- journeys   not checked: what names them did not resolve (see above)')
    expect(lineOf(profile.stdout, 'base URL')).toBe('- base URL   not checked: what gives it did not resolve (see above)')
    expect(profile.code).toBe(2)
    expect(hits).toEqual([])
    // A key of its own that is wrong: the journeys the config names are loaded, the broken one told as run tells it.
    await writeFile(path.join(p.dir, 'venomqa.yaml'), "baseUrl: http://127.0.0.1:1\njourneys: ['checks/*.journey.ts']\nretires: 2\n")
    const wrongKey = await p.venomqa(['doctor'])
    expect(lineOf(wrongKey.stdout, 'config')).toMatch(/retires: unknown key \(did you mean "retries"\?\)/)
    expect(lineOf(wrongKey.stdout, 'journeys')).toMatch(/^✗ journeys +.*broken/)
    expect(lineOf(wrongKey.stdout, 'base URL')).toMatch(/^✗ base URL +http:\/\/127\.0\.0\.1:1 is not reachable/)
    expect(wrongKey.stdout).toContain('\ndoctor: 3 of 3 checks failed, 2 of them a mistake in the config, a plugin or a journey\n')
    expect(wrongKey.code).toBe(2)
  })

  it('leaves what a --config file that is not there would give unchecked: no default journeys, no "not set" base URL', async () => {
    // The journeys are where the default globs look: a mistyped --config must not read as "no journeys match".
    const p = await project({ 'ci/keep.txt': '' })
    const r = await p.venomqa(['doctor', '--config', 'ci/venomqa.yml'])
    expect(lineOf(r.stdout, 'config')).toMatch(/^✗ config +config file ci\/venomqa\.yml does not exist/)
    expect(lineOf(r.stdout, 'journeys')).toBe('- journeys   not checked: what names them did not resolve (see above)')
    expect(lineOf(r.stdout, 'base URL')).toBe('- base URL   not checked: what gives it did not resolve (see above)')
    expect(r.stdout).toContain('\ndoctor: 1 of 1 check failed, a mistake in the config, a plugin or a journey\n')
    expect(r.code).toBe(2)
    // What a flag gives needs no file: still checked.
    const given = await p.venomqa(['doctor', '--config', 'ci/venomqa.yml', '--base-url', app.url])
    expect(lineOf(given.stdout, 'base URL')).toMatch(/^✓ base URL +http:\/\/127\.0\.0\.1:\d+ answered 200/)
    expect(given.code).toBe(2)
  })
})
