/**
 * `venomqa explore --openapi` on the projects API (test/fixtures/projects: its own process, PostgreSQL, the
 * snapshot backend), whose planted bug only a link reaches: a project that has one is answered without the
 * `description` its schema requires. An item is a note or a link (a oneOf with a discriminator), and each
 * added is one more row: the state after a link was merged into the one after a note, never searched on,
 * and the default exploration passed. With the kind made in the context, it is found, shrunk to its three
 * calls, and its regression journey fails on the buggy app and passes on the fixed one.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, describeWithService, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDatabase, dbUrl, dropDatabase } from './helpers'
import { runDatabaseName } from '@venomqa/test-utils/postgres'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/projects')
const PACKAGES = ['core', 'runner', 'cli', 'explore', 'openapi', 'state-postgres']
const DB = runDatabaseName('venomqa_openapi_kind_made')

describe('venomqa explore --openapi: a bug only one kind of a discriminated body reaches', () => {
  let project: string
  let app: RunningProcess | undefined

  beforeAll(async () => {
    await createDatabase(DB)
    project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-kind-made-'))
    await mkdir(path.join(project, 'node_modules/@venomqa'), { recursive: true })
    for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(project, 'node_modules/@venomqa', pkg), 'dir')
    await writeFile(path.join(project, 'openapi.yaml'), await readFile(path.join(FIXTURE, 'openapi.yaml'), 'utf8'))
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'kind-made-proof', private: true, type: 'module' }))
    await writeFile(
      path.join(project, 'venomqa.config.ts'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
      "export default { baseUrl: '${APP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]], timeout: 10_000 }\n",
    )
  })
  afterAll(async () => {
    // The database goes even when the app's stop fails.
    try {
      await app?.stop()
    } finally {
      await dropDatabase(DB)
      await rm(project, { recursive: true, force: true })
    }
  })

  const start = async (fixed: boolean) => {
    await app?.stop()
    app = await startNodeProcess(path.join(FIXTURE, 'server.mjs'), { env: { DATABASE_URL: dbUrl(DB), FIXED: fixed ? '1' : '0' } })
  }
  const cli = (args: string[]) => runBuiltCli(args, { cwd: project, env: { APP_URL: app!.url, DATABASE_URL: dbUrl(DB) } })

  it('finds it with the default search (states merged), and its regression journey fails for the bug, then passes once fixed', async () => {
    await start(false)
    const run = await cli(['explore', '--openapi', 'openapi.yaml', '--depth', '3', '--seed', '1', '--save', 'out/explore.json'])
    const [exploration] = (JSON.parse(await readFile(path.join(project, 'out/explore.json'), 'utf8')) as RunResult).explorations!
    const found = exploration!.violations.find((v) => v.invariant === 'response_schema')
    expect(found?.sequence.map((s) => s.action), run.output).toEqual(['createProject', 'addItem', 'getProject'])
    expect(found!.sequence[1]!.input).toEqual({ body: 'oneOf-2:link' })
    expect(found!.message).toContain("must have required property 'description'")
    expect(found!.reproduced).toEqual({ attempts: 3, failures: 3 })

    const buggy = await cli(['run', found!.emittedFile!])
    expect(buggy.code, buggy.output).toBe(1)
    expect(buggy.output).toContain("must have required property 'description'")
    await start(true)
    const fixed = await cli(['run', found!.emittedFile!])
    expect(fixed.code, fixed.output).toBe(0)
  }, 180_000)
})
