import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './project'

/**
 * The code of a JSON API to run in its own process (`startNodeProcess`): it answers `/health`, and
 * `/received` with every body it got, each with its operation (`PUT /categories/{}`: the segments after
 * each collection written `{}`), for a test to check against the document. `state`: the module's code
 * before the server; `early`: answers before the body is read; `handle`: the rest, which sees `req`,
 * `url`, `parts` (the path's segments), `body` (parsed, or undefined) and `send(status, body)`.
 */
export function jsonApp({ state = '', early = '', handle }: { state?: string; early?: string; handle: string }): string {
  return `import http from 'node:http'
${state}
const received = []
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://app')
  const parts = url.pathname.split('/').filter(Boolean)
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body === undefined ? '' : JSON.stringify(body))
  }
  if (url.pathname === '/health') return send(200, { ok: true })
  if (url.pathname === '/received') return send(200, received)
  ${early}
  let text = ''
  req.on('data', (d) => (text += d))
  req.on('end', () => {
    const body = text ? JSON.parse(text) : undefined
    if (body !== undefined) received.push({ operation: req.method + ' /' + parts.map((p, i) => (i % 2 ? '{}' : p)).join('/'), body })
    ${handle}
  })
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on http://' + process.env.HOST + ':' + server.address().port))
`
}

/**
 * Inside a `describe`: a project beside the app of `code` (jsonApp's), which runs in its own process from
 * the project's `app.mjs`; both ended after the tests, whatever they did. Read them in the tests.
 */
export function projectWithJsonApp(code: string): { readonly project: Project; readonly app: RunningProcess } {
  const host = cliHost()
  const started: { project?: Project; app?: RunningProcess } = {}
  beforeAll(async () => {
    assertBuilt()
    started.project = await makeProject(null, {}, host)
    await writeFile(path.join(started.project.dir, 'app.mjs'), code)
    started.app = await startNodeProcess(path.join(started.project.dir, 'app.mjs'))
  })
  afterAll(async () => {
    await started.app?.stop()
    await started.project?.remove()
  })
  return {
    get project() {
      return started.project!
    },
    get app() {
      return started.app!
    },
  }
}
