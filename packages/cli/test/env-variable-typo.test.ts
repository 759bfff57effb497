
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject, writeFiles } from './helpers/project'

// A VENOMQA_* variable misspelt (VENOMQA_RETRYS for VENOMQA_RETRIES) was read by nothing and said nothing:
// the CI job ran with the config's value, and the user believed the override was in force.

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('ping', { steps: [step('ping', ({ http }) => http.get('/ping'))] })
`

const host = cliHost()
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await writeFiles(p.dir, {
    'journeys/ping.journey.ts': JOURNEY,
    'venomqa.json': '{ "baseUrl": "http://127.0.0.1:9" }\n',
    // A plugin package with a command of its own, which loads the config its own way.
    'node_modules/venomqa-plugin-hello/package.json': JSON.stringify({ name: 'venomqa-plugin-hello', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['hello'] } }),
    'node_modules/venomqa-plugin-hello/index.mjs':
      "export default { name: 'venomqa-plugin-hello', version: '1.0.0', apiVersion: 1, setup() {}, commands(api) { api.addCommand('hello', { description: 'say hello', run({ stdout }) { stdout.write('hello\\n'); return 0 } }) } }\n",
  })
})
afterAll(async () => {
  await p?.remove()
})

describe('a misspelt VENOMQA_* variable', () => {
  it('is named in a warning with the variable it is nearest to, and the command still runs', async () => {
    const r = await p.venomqa(['list'], { env: { VENOMQA_RETRYS: '2', VENOMQA_FAIL_ON_FLAKEY: '1' } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('ping')
    expect(r.stderr).toContain('venomqa: warning: VENOMQA_FAIL_ON_FLAKEY is not a variable venomqa reads, and is ignored (did you mean VENOMQA_FAIL_ON_FLAKY?)\n')
    expect(r.stderr).toContain('venomqa: warning: VENOMQA_RETRYS is not a variable venomqa reads, and is ignored (did you mean VENOMQA_RETRIES?)\n')
    // Its value is never shown: a misspelt variable may hold a secret as well as a number.
    expect(r.stderr).not.toMatch(/RETRYS[^\n]*2|FLAKEY[^\n]*=/)
  })

  it("is warned about by a plugin's command too", async () => {
    const r = await p.venomqa(['hello'], { env: { VENOMQA_RETRYS: '2' } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('hello\n')
    expect(r.stderr).toBe('venomqa: warning: VENOMQA_RETRYS is not a variable venomqa reads, and is ignored (did you mean VENOMQA_RETRIES?)\n')
  })

  it('leaves alone the variables read by name and those that are set for other uses (curl lines, secrets)', async () => {
    const r = await p.venomqa(['list'], {
      env: { VENOMQA_RETRIES: '2', VENOMQA_PROFILE: '', VENOMQA_AUTHORIZATION: 'Bearer x', VENOMQA_X_API_KEY: 'k', VENOMQA_SECRET_DB_PASSWORD: 'pw' },
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('warning')
  })
})
