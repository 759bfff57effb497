/**
 * End to end: a path given for an output (`--save`, a reporter's file, `--har`) may hold a secret of the
 * run (`--save "results-$TOKEN.json"`) or a URL with its password. Every line that names such a file
 * masks it, as the warnings and errors about it do, with the built CLI against an API on a local port.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

/** Read by the config from a variable whose name says it is secret: a known secret as the config loads. */
const CONFIG_SECRET = 'K7q2Zx9mLp4wV8'
/** Sent by a step in its Authorization header: known to be secret once the run saw it sent. */
const SENT_SECRET = 'Hr5tN2vB8cJ3yQ'
/** The password of a URL that stands in a path. */
const URL_PASSWORD = 'Pw-9xQ2fT6'

const JOURNEY = `import { journey, step } from '@venomqa/core'

export default journey('me', {
  steps: [step('me', ({ http }) => http.get('/me', { headers: { authorization: 'Bearer ' + process.env.SESSION_VALUE } }))],
})
`

let server: Server
let project: Project
const env = { API_TOKEN: CONFIG_SECRET, SESSION_VALUE: SENT_SECRET }

beforeAll(async () => {
  assertBuilt()
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  project = await makeProject(null, env, host)
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"output-paths","private":true,"type":"module"}')
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), `export default { baseUrl: '${url}', headers: { 'X-Api': '\${API_TOKEN}' } }\n`)
  await mkdir(path.join(project.dir, 'journeys'))
  await writeFile(path.join(project.dir, 'journeys/me.journey.mjs'), JOURNEY)
}, 30_000)
afterAll(async () => {
  await project?.remove()
  await new Promise((resolve) => server?.close(resolve))
})

const secrets = [CONFIG_SECRET, SENT_SECRET, URL_PASSWORD]
const expectNoSecret = (text: string, where: string) => {
  for (const s of secrets) expect(text, where).not.toContain(s)
}

describe('an output path holding a secret of the run', () => {
  it('is masked where the run says it saved the results, wrote a report and the HAR; the files keep their names', async () => {
    const r = await project.venomqa([
      'run',
      '-r',
      'console',
      '-r',
      `junit:out/junit-${SENT_SECRET}.xml`,
      '--save',
      `out/results-${CONFIG_SECRET}.json`,
      '--har',
      `out/run-${SENT_SECRET}.har`,
    ])
    expect(r.code, r.stderr).toBe(0)
    expectNoSecret(r.stdout + r.stderr, 'output')
    expect(r.stderr).toContain('venomqa: results saved to out/results-[REDACTED].json\n')
    expect(r.stderr).toContain('venomqa: junit report written to out/junit-[REDACTED].xml\n')
    expect(r.stderr).toContain('venomqa: HAR of 1 request written to out/run-[REDACTED].har\n')
    for (const file of [`results-${CONFIG_SECRET}.json`, `junit-${SENT_SECRET}.xml`, `run-${SENT_SECRET}.har`]) expect(existsSync(path.join(project.dir, 'out', file)), file).toBe(true)
  })

  it('is masked when `venomqa report` says it wrote a report', async () => {
    await project.venomqa(['run', '-r', 'console', '--save', 'out/for-report.json'])
    const r = await project.venomqa(['report', 'out/for-report.json', '-r', `markdown:out/again-${CONFIG_SECRET}.md`])
    expect(r.code, r.stderr).toBe(0)
    expectNoSecret(r.stdout + r.stderr, 'output')
    expect(r.stderr).toContain('venomqa: markdown report written to out/again-[REDACTED].md\n')
  })

  it('is masked in the warning, the issue and the reports when the results cannot be written', async () => {
    // A directory no file can be made in, even by root: the write fails once the run is over.
    const r = await project.venomqa(['run', '-r', 'console', '-r', 'junit:out/failed.xml', '--save', `/proc/results-${CONFIG_SECRET}.json`])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('venomqa: warning: --save: could not write the results to /proc/results-[REDACTED].json')
    expectNoSecret(r.stdout + r.stderr, 'output')
    const junit = readFileSync(path.join(project.dir, 'out/failed.xml'), 'utf8')
    expect(junit).toContain('could not write the results to /proc/results-[REDACTED].json')
    expectNoSecret(junit, 'junit')
  })

  it('is masked where a path that cannot be a file is refused before the run', async () => {
    const r = await project.venomqa(['run', '-r', 'console', '--save', `package.json/results-${CONFIG_SECRET}.json`])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('package.json/results-[REDACTED].json')
    expectNoSecret(r.stdout + r.stderr, 'output')
  })
})

describe('an output path holding a URL with its password', () => {
  it('is masked up to the host where the run says it saved the results', async () => {
    const save = `out/https:/deploy:${URL_PASSWORD}@db.internal/results.json`
    const r = await project.venomqa(['run', '-r', 'console', '--save', save])
    expect(r.code, r.stderr).toBe(0)
    expectNoSecret(r.stdout + r.stderr, 'output')
    expect(r.stderr).toContain('venomqa: results saved to out/https:/deploy:***@db.internal/results.json\n')
    expect(existsSync(path.join(project.dir, save))).toBe(true)
  })
})
