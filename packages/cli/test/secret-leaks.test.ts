/**
 * End to end: secrets a journey sends or keeps, in places redaction once missed, with the built CLI against
 * an API in its own process that quotes them back. None may stand in the console, the results file, the
 * HAR file or any report.
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject } from './helpers/project'

const SECRETS = {
  multipartPassword: 'MULTIPART-PASSWORD-3f9a1c',
  contextToken: 'CONTEXT-REFRESH-TOKEN-8b2e4d',
  basicPassword: 'BASIC-PASSWORD-6c1d9e',
  accessKey: 'ACCESS-KEY-2a7f5b',
  authenticationHeader: 'AUTHENTICATION-HEADER-9d3c6a',
}
/** Under secret keys of a body over the record limit: short, so only their keys tell them apart. */
const SHORT = ['7391', '9134']

const JOURNEY = `import { journey, step } from '@venomqa/core'

const multipart = ['--XB', 'Content-Disposition: form-data; name="user"', '', 'al', '--XB', 'Content-Disposition: form-data; name="password"', '', '${SECRETS.multipartPassword}', '--XB--', ''].join('\\r\\n')

export default journey('leaks', {
  steps: [
    step('multipart_body', ({ http }) => http.post('/echo', { body: multipart, headers: { 'content-type': 'multipart/form-data; boundary=XB' } })),
    step('context_value', ({ ctx, log }) => {
      ctx.set('session', { refresh_token: '${SECRETS.contextToken}' })
      log.info(\`refreshing with \${ctx.get('session').refresh_token}\`)
      throw new Error(\`refresh \${ctx.get('session').refresh_token} was refused\`)
    }),
    step('basic_credentials', ({ http }) => http.get('/basic', { headers: { authorization: 'Basic ' + Buffer.from('al:${SECRETS.basicPassword}').toString('base64') } })),
    step('huge_body', ({ http }) => http.get('/huge')),
    step('access_key', ({ http }) => http.get('/query', { query: { access_key: '${SECRETS.accessKey}' }, headers: { authentication: '${SECRETS.authenticationHeader}' } })),
  ],
})
`

let app: RunningProcess
let project: Project
let run: CliResult
let runOnWorkers: CliResult

beforeAll(async () => {
  assertBuilt()
  app = await startNodeProcess(path.join(REPO_ROOT, 'packages/cli/test/fixtures/leaky-api/server.mjs'))
  project = await makeProject(null)
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"leaks","private":true,"type":"module"}')
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), `export default { baseUrl: '${app.url}' }\n`)
  await mkdir(path.join(project.dir, 'journeys'))
  await writeFile(path.join(project.dir, 'journeys/leaks.journey.ts'), JOURNEY)
  const reports = ['-r', 'console', '-r', 'json:out/r.json', '-r', 'junit:out/r.xml', '-r', 'markdown:out/r.md', '--save', 'out/results.json', '--har', 'out/run.har']
  run = await project.venomqa(['run', ...reports])
  runOnWorkers = await project.venomqa(['run', '--workers', '2', '-r', 'console'])
}, 60_000)
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})

const outputs = () => ({
  console: run.stdout + run.stderr,
  workers: runOnWorkers.stdout + runOnWorkers.stderr,
  ...Object.fromEntries(['r.json', 'r.xml', 'r.md', 'results.json', 'run.har'].map((f) => [f, readFileSync(path.join(project.dir, 'out', f), 'utf8')])),
})

describe('no secret in any output', () => {
  it('ran every step against the API', () => {
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Steps     0 passed, 5 failed of 5')
    expect(run.stdout).toContain('you sent --XB')
    expect(run.stdout).toContain('"message": "unknown user [REDACTED]"')
  })

  for (const [what, secret] of Object.entries(SECRETS))
    it(`hides ${what}`, () => {
      for (const [where, text] of Object.entries(outputs())) expect(text, where).not.toContain(secret)
    })

  it('hides short secrets under secret keys of a body too big to keep whole', () => {
    expect(outputs()['results.json']).toContain('more characters]')
    for (const [where, text] of Object.entries(outputs())) for (const s of SHORT) expect(text, where).not.toMatch(new RegExp(`"(?:pin|cvv)\\\\?":\\\\?"${s}`))
  })
})
