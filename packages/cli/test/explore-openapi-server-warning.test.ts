import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

const host = cliHost()

/**
 * `venomqa explore --openapi` on a document whose first server has a path (`/api/v1`) the base URL lacks:
 * a base URL from the config or the environment is warned of, naming where it was given (it said `baseUrl`
 * of a URL given with --base-url); one given with --base-url was chosen for this run, and is taken as it is.
 * The project has no state backend: the command stops there (exit 2), after the document was read.
 */
describe("explore --openapi: the warning about the document's server path", () => {
  let p: Project
  const SERVER_URL = 'http://127.0.0.1:9'
  const warning = (where: string, place = where) =>
    `venomqa: warning: served.json serves its operations under /api/v1 (its first server), which the base URL ${SERVER_URL} (${where}) does not end with: requests go to /things without it. Put the path in ${place} if the API needs it; if it does not, give the base URL with --base-url, which is taken as it is`

  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, { CI: 'true' }, host)
    await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'served', private: true, type: 'module' }))
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: SERVER_URL, profiles: { staging: { baseUrl: SERVER_URL } } }))
    const document = { openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: '/api/v1' }], paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } }
    await writeFile(path.join(p.dir, 'served.json'), JSON.stringify(document))
  })
  afterAll(async () => {
    await p?.remove()
  })

  it("names the config's baseUrl, a profile's, or VENOMQA_BASE_URL, where the base URL was given", async () => {
    const fromFile = await p.venomqa(['explore', '--openapi', 'served.json', '--no-emit'])
    expect(fromFile.code, fromFile.stderr).toBe(2)
    expect(fromFile.stderr).toContain(warning('baseUrl in venomqa.json'))
    const fromProfile = await p.venomqa(['explore', '--openapi', 'served.json', '--no-emit', '--profile', 'staging'])
    expect(fromProfile.stderr).toContain(warning('profiles.staging.baseUrl in venomqa.json'))
    const fromEnv = await p.venomqa(['explore', '--openapi', 'served.json', '--no-emit'], { env: { VENOMQA_BASE_URL: SERVER_URL } })
    expect(fromEnv.stderr).toContain(warning('VENOMQA_BASE_URL'))
  })

  it('says nothing of a base URL given with --base-url: it was chosen for this run', async () => {
    const run = await p.venomqa(['explore', '--openapi', 'served.json', '--no-emit', '--base-url', SERVER_URL])
    expect(run.code, run.stderr).toBe(2)
    expect(run.stderr).toContain('needs a state backend')
    expect(run.stderr).not.toContain('serves its operations under')
  })
})
