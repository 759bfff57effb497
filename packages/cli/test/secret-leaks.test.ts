/**
 * End to end: secrets a journey sends or keeps, in places redaction once missed, with the built CLI against
 * an API in its own process that quotes them back. None may stand in the console, the results file, the
 * HAR file or any report.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, isCI, startNodeProcess } from '@venomqa/test-utils'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

/** The signature of a JWT under an innocent key: no part of the token may stay, not even this. */
const JWT_SIGNATURE = 'RESULT-JWT-SIGNATURE-3c9d7e'
const SECRETS = {
  multipartPassword: 'MULTIPART-PASSWORD-3f9a1c',
  contextToken: 'CONTEXT-REFRESH-TOKEN-8b2e4d',
  basicPassword: 'BASIC-PASSWORD-6c1d9e',
  accessKey: 'ACCESS-KEY-2a7f5b',
  authenticationHeader: 'AUTHENTICATION-HEADER-9d3c6a',
  loginJwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.JWT-SIGNATURE-5e8a1f',
  pairPassword: 'PAIR-PASSWORD-7c4b2d',
  pairApiKey: 'PAIR-API-KEY-1e6f3a',
  resultJwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbm5vY2VudC1rZXkifQ.${JWT_SIGNATURE}`,
}
/** The value of a name/value pair whose name is no secret: it must stay readable. */
const INNOCENT = 'INNOCENT-COLOUR-4f2a9b'
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
    step('jwt_in_body', async ({ http }) => {
      const res = await http.post('/login', { json: { user: 'al' } })
      throw new Error(\`session \${res.json().jwt} was refused\`)
    }),
    step('jwt_by_shape', async ({ http, log }) => {
      const res = await http.get('/result')
      log.info(\`issued \${res.json().result}\`)
      throw new Error(\`the token \${res.json().result} has no expiry\`)
    }),
    step('name_value_pairs', ({ http }) => http.post('/pairs', { json: [{ name: 'password', value: '${SECRETS.pairPassword}' }, { name: 'colour', value: '${INNOCENT}' }] })),
  ],
})
`

let app: RunningProcess
let project: Project
let run: CliResult
let runOnWorkers: CliResult

beforeAll(async () => {
  assertBuilt()
  app = await startNodeProcess(path.join(REPO_ROOT, 'packages/cli/test/fixtures/leaky-api/server.mjs'), {
    env: { LOGIN_JWT: SECRETS.loginJwt, PAIR_API_KEY: SECRETS.pairApiKey, RESULT_JWT: SECRETS.resultJwt },
  })
  project = await makeProject(null, {}, host)
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"leaks","private":true,"type":"module"}')
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), `export default { baseUrl: '${app.url}' }\n`)
  await mkdir(path.join(project.dir, 'journeys'))
  await writeFile(path.join(project.dir, 'journeys/leaks.journey.ts'), JOURNEY)
  await symlink(path.join(REPO_ROOT, 'packages/reporter-html'), path.join(project.dir, 'node_modules/@venomqa/reporter-html'), 'dir')
  const reports = ['-r', 'console', '-r', 'json:out/r.json', '-r', 'junit:out/r.xml', '-r', 'markdown:out/r.md', '-r', 'html:out/r.html', '--save', 'out/results.json', '--har', 'out/run.har']
  run = await project.venomqa(['run', ...reports])
  runOnWorkers = await project.venomqa(['run', '--workers', '2', '-r', 'console', '--shard', '1/1', '--save', 'out/shard-1.json'])
}, 60_000)
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})

const outputs = (): Record<string, string> => ({
  console: run.stdout + run.stderr,
  workers: runOnWorkers.stdout + runOnWorkers.stderr,
  ...Object.fromEntries(['r.json', 'r.xml', 'r.md', 'r.html', 'results.json', 'run.har'].map((f) => [f, readFileSync(path.join(project.dir, 'out', f), 'utf8')])),
})

describe('no secret in any output', () => {
  it('ran every step against the API', () => {
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Steps     0 passed, 8 failed of 8')
    expect(run.stdout).toContain('you sent --XB')
    expect(run.stdout).toContain('"message": "unknown user [REDACTED]"')
  })

  for (const [what, secret] of Object.entries(SECRETS))
    it(`hides ${what}`, () => {
      for (const [where, text] of Object.entries(outputs())) expect(text, where).not.toContain(secret)
    })

  it('hides a JWT under a key that names no secret, and in free text, by its shape: every part of it', () => {
    for (const [where, text] of Object.entries(outputs())) expect(text, where).not.toContain(JWT_SIGNATURE)
    expect(run.stdout).toContain('the token [REDACTED] has no expiry')
  })

  it('keeps the value of a pair whose name is no secret', () => {
    for (const where of ['console', 'results.json', 'r.html']) expect(outputs()[where], where).toContain(INNOCENT)
  })

  it('hides short secrets under secret keys of a body too big to keep whole', () => {
    expect(outputs()['results.json']).toContain('more characters]')
    for (const [where, text] of Object.entries(outputs())) for (const s of SHORT) expect(text, where).not.toMatch(new RegExp(`"(?:pin|cvv)\\\\?":\\\\?"${s}`))
  })
})

describe('the HTML report in a browser', () => {
  const hasChromium = existsSync('/usr/bin/chromium')
  if (!hasChromium && !isCI) console.warn('\n!!! SKIPPING: /usr/bin/chromium is missing. The HTML report secret test did NOT run (apt-get install -y chromium).\n')
  it.skipIf(!hasChromium && !isCI)('shows no secret, rendered or in its source', async () => {
    if (!hasChromium) throw new Error('/usr/bin/chromium is missing and CI is set: this test cannot be skipped (apt-get install -y chromium)')
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    try {
      const page = await browser.newPage()
      await page.goto(`file://${path.join(project.dir, 'out/r.html')}`)
      // Everything folded open, so that every request and response is rendered.
      await page.evaluate(() => {
        for (const d of document.querySelectorAll('details')) d.open = true
      })
      // biome-ignore lint/performance/useDomNodeTextContent: what the page shows, laid out, is what is tested
      const seen = { rendered: await page.innerText('body'), source: await page.content(), data: await page.textContent('#venomqa-data') }
      expect(seen.rendered).toContain('name_value_pairs')
      for (const [where, text] of Object.entries(seen)) for (const secret of Object.values(SECRETS)) expect(text, where).not.toContain(secret)
      expect(seen.data).toContain(INNOCENT)
    } finally {
      await browser.close()
    }
  }, 30_000)
})

describe('re-rendering results an older version saved unredacted', () => {
  /** The saved run with the secrets put back where a version that did not know them left them. */
  const unredacted = (file: string) => {
    const results = JSON.parse(readFileSync(path.join(project.dir, file), 'utf8'))
    const steps = results.journeys[0].nodes as { name: string; request?: { body?: unknown }; response?: { body?: unknown }; error?: { message: string }; exchanges?: unknown[] }[]
    const pairs = steps.find((s) => s.name === 'name_value_pairs')!
    pairs.request!.body = [{ name: 'password', value: SECRETS.pairPassword }, { name: 'colour', value: INNOCENT }]
    pairs.response!.body = { fields: [{ key: 'api_key', value: SECRETS.pairApiKey }] }
    pairs.exchanges = [{ request: pairs.request, response: pairs.response, durationMs: 1, attempt: 1, startedAt: results.startedAt }]
    const jwt = steps.find((s) => s.name === 'jwt_in_body')!
    jwt.error!.message = `session ${SECRETS.loginJwt} was refused`
    jwt.exchanges = [{ request: { method: 'POST', url: `${app.url}/login`, headers: {} }, response: { status: 200, headers: {}, body: { jwt: SECRETS.loginJwt } }, durationMs: 1, attempt: 1, startedAt: results.startedAt }]
    return `${JSON.stringify(results, null, 2)}\n`
  }

  it('masks them with venomqa report and merge-reports', async () => {
    await mkdir(path.join(project.dir, 'old/shards'), { recursive: true })
    await writeFile(path.join(project.dir, 'old/results.json'), unredacted('out/results.json'))
    await writeFile(path.join(project.dir, 'old/shards/shard-1.json'), unredacted('out/shard-1.json'))
    const files = ['json:old/r.json', 'markdown:old/r.md', 'junit:old/r.xml', 'html:old/r.html']
    const report = await project.venomqa(['report', 'old/results.json', '-r', 'console', ...files.flatMap((f) => ['-r', f])])
    expect(report.code, report.stderr).toBe(0)
    const merge = await project.venomqa(['merge-reports', 'old/shards', '-r', 'console', '-r', 'html:old/merged.html', '--save', 'old/merged.json'])
    expect(merge.stderr).toContain('merged 1 shard')
    const written = ['r.json', 'r.md', 'r.xml', 'r.html', 'merged.html', 'merged.json'].map((f) => [f, readFileSync(path.join(project.dir, 'old', f), 'utf8')])
    for (const [where, text] of [['report', report.stdout + report.stderr], ['merge-reports', merge.stdout + merge.stderr], ...written])
      for (const secret of [SECRETS.pairPassword, SECRETS.pairApiKey, SECRETS.loginJwt]) expect(text, where).not.toContain(secret)
    expect(report.stdout).toContain(INNOCENT)
  })

  it("masks the config's redactKeys in the console of venomqa report and merge-reports too", async () => {
    const tenant = 'TENANT-SIGNATURE-6d2b8e'
    const withTenant = (file: string) => {
      const results = JSON.parse(unredacted(file))
      const pairs = results.journeys[0].nodes.find((s: { name: string }) => s.name === 'name_value_pairs')
      pairs.request.headers = { ...pairs.request.headers, 'x-tenant': tenant }
      pairs.exchanges[0].request.headers = { 'x-tenant': tenant }
      return JSON.stringify(results)
    }
    await mkdir(path.join(project.dir, 'tenant/shards'), { recursive: true })
    await writeFile(path.join(project.dir, 'tenant/results.json'), withTenant('out/results.json'))
    await writeFile(path.join(project.dir, 'tenant/shards/shard-1.json'), withTenant('out/shard-1.json'))
    await writeFile(path.join(project.dir, 'tenant/keys.config.mjs'), `export default { baseUrl: '${app.url}', redactKeys: ['x-tenant'] }\n`)
    const config = ['-c', 'tenant/keys.config.mjs']
    const report = await project.venomqa(['report', 'tenant/results.json', '-r', 'console', '-r', 'json:tenant/r.json', ...config])
    expect(report.code, report.stderr).toBe(0)
    const merge = await project.venomqa(['merge-reports', 'tenant/shards', '-r', 'console', ...config])
    expect(merge.stderr).toContain('merged 1 shard')
    // The failed step's request is printed with its headers: the key is there, its value masked.
    expect(report.stdout).toContain('x-tenant')
    for (const [where, text] of [['report', report.stdout + report.stderr], ['merge-reports', merge.stdout + merge.stderr], ['r.json', readFileSync(path.join(project.dir, 'tenant/r.json'), 'utf8')]])
      expect(text, where).not.toContain(tenant)
  })
})

describe('venomqa explore', () => {
  const EXPLORATION = `import { action, exploration, invariant } from '@venomqa/core'

const setFields = action<{ password: string }>('set_fields', ({ http, input }) => http.post('/pairs', { json: [{ name: 'password', value: input.password }, { name: 'colour', value: '${INNOCENT}' }] }), {
  inputs: () => [{ password: '${SECRETS.pairPassword}' }],
  maxPerPath: 1,
  allowStatus: () => true,
})

export default exploration('pairs', {
  actions: [setFields],
  invariants: [
    invariant('a session survives', async ({ http }) => {
      const jwt = (await http.post('/login', { json: {} })).json().jwt
      return \`session \${jwt} was dropped\`
    }),
  ],
  depth: 1,
  seed: 1,
})
`

  it('writes no secret in its console, its report or the regression journey', async () => {
    await mkdir(path.join(project.dir, 'explore'), { recursive: true })
    await writeFile(path.join(project.dir, 'explore/pairs.explore.ts'), EXPLORATION)
    const explore = await project.venomqa(['explore', 'explore/pairs.explore.ts', '--prefix-replay', '--emit', 'regressions', '-r', 'console', '-r', 'html:out/explore.html', '--save', 'out/explore.json'])
    expect(explore.code, explore.stderr).toBe(1)
    const emitted = readdirSync(path.join(project.dir, 'regressions')).map((f) => [f, readFileSync(path.join(project.dir, 'regressions', f), 'utf8')])
    expect(emitted.map(([f]) => f)).toEqual([expect.stringMatching(/^a-session-survives-.*\.journey\.ts$/)])
    expect(emitted[0]![1]).toContain('VENOMQA_SECRET_')
    const outputs = [['console', explore.stdout + explore.stderr], ...['explore.html', 'explore.json'].map((f) => [f, readFileSync(path.join(project.dir, 'out', f), 'utf8')]), ...emitted]
    for (const [where, text] of outputs) for (const secret of [SECRETS.pairPassword, SECRETS.pairApiKey, SECRETS.loginJwt]) expect(text, where).not.toContain(secret)
    expect(explore.stdout).toContain('session [REDACTED] was dropped')
  }, 60_000)
})

describe('venomqa explore, a session in one of two masked fields', () => {
  // The invariant reads the session the action kept: the token (26 characters), not the jwt (24).
  const EXPLORATION = `import { action, exploration, invariant } from '@venomqa/core'

const logIn = action('log_in', async ({ http, ctx }) => {
  const res = await http.post('/session', { json: {} })
  ctx.set('session', res.json().token)
  return res
}, { maxPerPath: 1 })

export default exploration('sessions', {
  actions: [logIn],
  invariants: [invariant('no long session', ({ ctx }) => !ctx.has('session') || String(ctx.get('session')).length !== 26 || 'a session of 26 characters')],
  depth: 1,
  seed: 1,
})
`

  it('the regression journey reads the context value from the field it came from, not the first masked one', async () => {
    await mkdir(path.join(project.dir, 'explore'), { recursive: true })
    await writeFile(path.join(project.dir, 'explore/sessions.explore.ts'), EXPLORATION)
    const explore = await project.venomqa(['explore', 'explore/sessions.explore.ts', '--prefix-replay', '--emit', 'sessions'])
    expect(explore.code, explore.stdout + explore.stderr).toBe(1)
    const [file] = readdirSync(path.join(project.dir, 'sessions'))
    const journey = readFileSync(path.join(project.dir, 'sessions', file!), 'utf8')
    // Both fields of the answer are masked in the recorded exchange: the emitter used to take `jwt`, the
    // first, and the journey's invariant then saw another session than the exploration's and passed.
    expect(journey).toContain("ctx.set('session', res.json().token)")
    expect(journey).not.toMatch(/SESSION-(?:JWT|TOKEN)/)
    const replay = await project.venomqa(['run', path.join('sessions', file!)])
    expect(replay.stdout, journey).toContain('a session of 26 characters')
    expect(replay.code).toBe(1)
  }, 60_000)
})

describe('venomqa import postman', () => {
  /** A password with no form of a credential: only the name it is set under tells it is one. */
  const SCRIPT_PASSWORD = 'hunter2-in-a-script'

  it('writes and prints no secret of a collection: name/value pairs, a script it cannot translate', async () => {
    const collection = {
      info: { name: 'Leaky', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
      item: [
        {
          name: 'fields',
          event: [
            {
              listen: 'prerequest',
              script: {
                exec: [
                  `pm.sendRequest({ url: '/login', header: { Authorization: 'Bearer ${SECRETS.loginJwt}' } })`,
                  // Single quotes, an assignment, plain JavaScript the import would copy as it is.
                  `pm.sendRequest({ url: '/login', body: { password: '${SECRETS.basicPassword}' } })`,
                  `someLib.configure({ apiKey: '${SECRETS.accessKey}' })`,
                  `const secret = '${SECRETS.contextToken}'`,
                  `const colour = '${INNOCENT}-copied'`,
                  // Reads a token: no credential as written, so copied to run.
                  'const token = colourData.token',
                  // A secret by the name it is set under only: no form tells it.
                  `pm.environment.set('password', '${SCRIPT_PASSWORD}')`,
                  // Set from what it reads: translated, to run.
                  "pm.environment.set('token', colourData.token)",
                ],
              },
            },
          ],
          request: { method: 'POST', url: '/pairs', body: { mode: 'raw', raw: JSON.stringify([{ name: 'password', value: SECRETS.pairPassword }, { key: 'colour', value: INNOCENT }]) } },
        },
        { name: 'login', request: { method: 'POST', url: '/login', body: { mode: 'raw', raw: JSON.stringify({ user: 'al', jwt: SECRETS.loginJwt }) } } },
      ],
    }
    await writeFile(path.join(project.dir, 'leaky.postman_collection.json'), JSON.stringify(collection))
    const imported = await project.venomqa(['import', 'postman', 'leaky.postman_collection.json', '--out', 'imported'])
    expect(imported.code, imported.stderr).toBe(0)
    const file = readFileSync(path.join(project.dir, 'imported/leaky.journey.ts'), 'utf8')
    expect(file).toContain(INNOCENT)
    expect(file).toContain("not translated: pm.sendRequest({ url: '/login', header: { Authorization: 'Bearer [REDACTED]' } })")
    for (const [where, text] of [['output', imported.stdout + imported.stderr], ['journey file', file]])
      for (const secret of [SECRETS.pairPassword, SECRETS.loginJwt, SECRETS.basicPassword, SECRETS.accessKey, SECRETS.contextToken, SCRIPT_PASSWORD]) expect(text, where).not.toContain(secret)
    expect(file).toContain("not translated: pm.environment.set('password', '[REDACTED]')")
    expect(file).toMatch(/^\s*ctx\.set\('token', colourData\.token\)$/m)
    // Plain JavaScript without a credential is still copied, to run.
    expect(file).toMatch(new RegExp(`^\\s*const colour = '${INNOCENT}-copied'`, 'm'))
    expect(file).toContain(`not translated: someLib.configure({ apiKey: '[REDACTED]' })`)
    expect(file).toMatch(/^\s*const token = colourData\.token$/m)
  })
})

describe('a secret from an environment variable in the config', () => {
  it('is masked in the console, the curl line and every report, when the variable is named as a secret', async () => {
    const secret = 'ENV-API-SECRET-6e2f9a'
    const p = await makeProject(null, {}, host)
    try {
      await writeFile(path.join(p.dir, 'venomqa.yaml'), `baseUrl: ${app.url}\nheaders:\n  X-Api: \${API_SECRET}\n`)
      await mkdir(path.join(p.dir, 'journeys'))
      await writeFile(path.join(p.dir, 'journeys/echo.journey.ts'), `import { journey, step } from '@venomqa/core'
export default journey('echo', { steps: [step('echo', ({ http }) => http.post('/echo', { body: 'hello' }))] })
`)
      const r = await p.venomqa(['run', '-r', 'console', '-r', 'json:out/r.json', '--save', 'out/results.json'], { env: { API_SECRET: secret } })
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(r.stdout).toMatch(/x-api: \[REDACTED\]/i)
      for (const [where, text] of [['console', r.stdout + r.stderr], ...['r.json', 'results.json'].map((f) => [f, readFileSync(path.join(p.dir, 'out', f), 'utf8')])])
        expect(text, where).not.toContain(secret)

      // In a config error, the value is named by its variable.
      await writeFile(path.join(p.dir, 'venomqa.yaml'), 'baseUrl: ${API_TOKEN}\nretries: ${DB_PASSWORD}\n')
      const bad = await p.venomqa(['run'], { env: { API_TOKEN: 'TOKEN-AS-URL-1c7d3e', DB_PASSWORD: 'PASSWORD-AS-RETRIES-8a5b2c' } })
      expect(bad.code, bad.stderr).toBe(2)
      expect(bad.stderr).toContain('got the value of $API_TOKEN')
      expect(bad.stderr).toContain('got the value of $DB_PASSWORD')
      expect(bad.stderr).not.toMatch(/TOKEN-AS-URL|PASSWORD-AS-RETRIES/)
    } finally {
      await p.remove()
    }
  })
})
