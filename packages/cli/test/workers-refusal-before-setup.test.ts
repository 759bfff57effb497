import { access, chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:net'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `venomqa run --workers 2` with no workerSetup over state backends that are not parallel-safe is refused
// (exit 2). It was refused only once every plugin was set up: a managed WireMock (seconds of Java start-up)
// and the embedded mail catcher were started, then stopped again. The refusal follows from the config and
// what the plugins declare, so nothing is started. The "java" of the managed WireMock is a script that
// writes a file when it is started: that file is the proof, whatever the machine's speed.
let p: Project
let started: string

/** A "java" in `dir` that writes `started` when it is run, and fails: that file is the proof a WireMock was started. */
async function fakeJava(dir: string, started: string): Promise<string> {
  const java = path.join(dir, 'fake-java')
  await writeFile(java, `#!/bin/sh\necho started > '${started}'\nexit 1\n`)
  await chmod(java, 0o755)
  return java
}

/** Two journeys, so that two workers have something to run at once. */
async function writeJourneys(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'journeys'))
  for (const name of ['a', 'b'])
    await writeFile(
      path.join(dir, `journeys/${name}.journey.ts`),
      `import { journey, step } from '@venomqa/core'\nexport default journey('${name}', { steps: [step('s', () => {})] })\n`,
    )
}

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  for (const pkg of ['adapter-wiremock', 'adapter-mailhog'])
    await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(p.dir, 'node_modules/@venomqa', pkg), 'dir')
  started = path.join(p.dir, 'java-was-started')
  const java = await fakeJava(p.dir, started)
  await writeFile(
    path.join(p.dir, 'venomqa.json'),
    JSON.stringify({
      baseUrl: 'http://127.0.0.1:9',
      plugins: [
        ['@venomqa/adapter-wiremock', { managed: { java } }],
        ['@venomqa/adapter-mailhog', { smtpPort: 0, httpPort: 0 }],
      ],
    }),
  )
  await writeJourneys(p.dir)
})
afterAll(async () => {
  await p?.remove()
})

const exists = (file: string) => access(file).then(() => true, () => false)

describe('run --workers / --parallel-paths with no workerSetup', () => {
  for (const [flag, asked, what] of [
    ['--workers', 'workers: 2', 'journeys'],
    ['--parallel-paths', 'parallelPaths: 2', 'paths'],
  ] as const)
    it(`${flag} 2 is refused before any plugin starts a server, with the same message`, async () => {
      const r = await p.venomqa(['run', flag, '2'])
      expect(r.code, r.stdout + r.stderr).toBe(2)
      const one = flag === '--workers' ? 'workers' : 'parallelPaths'
      expect(r.stderr).toBe(
        `venomqa: ${asked} would run ${what} at the same time against one system, but state backends "wiremock" (mappings) and "mail-catcher" (memory) are not parallel-safe: they would see each other's writes and rollbacks. Choose one:\n` +
          `  1. run one at a time: set ${one} to 1 (each path still starts from its checkpoint);\n` +
          '  2. give every worker its own system: add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): composeWorkers of wiremockWorkers from @venomqa/adapter-wiremock and mailCatcherWorkers from @venomqa/adapter-mailhog, one part for each system the run rolls back, see docs/parallel.md;\n' +
          '  3. use only state backends that are parallel-safe.\n',
      )
      expect(await exists(started)).toBe(false)
    })
})

describe('managed WireMock with no Java on PATH', () => {
  // PATH with node only: the machine has no java the run can find.
  const onlyNode = async () => {
    const bin = path.join(p.dir, 'only-node')
    await mkdir(bin, { recursive: true })
    await symlink(process.execPath, path.join(bin, 'node')).catch(() => {})
    return { PATH: bin, JAVA_HOME: undefined }
  }

  it('says Java is not on PATH and names managed.java as the way to point to one, when none was set', async () => {
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', plugins: [['@venomqa/adapter-wiremock', { managed: true }]] }))
    const r = await p.venomqa(['run'], { env: await onlyNode(), process: true })
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: Java was not found on PATH (no "java" in any folder of PATH; JAVA_HOME is not set)')
    expect(r.stderr).toContain('set plugins[0].managed.java to the path of a java binary')
    expect(r.stderr).toContain('\n  at venomqa.json: plugins[0]\n')
    expect(r.stderr).not.toContain('plugins[0].managed.java\n')
  })

  it('keeps pointing at managed.java when the user set it', async () => {
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', plugins: [['@venomqa/adapter-wiremock', { managed: { java: '/nonexistent/bin/java' } }]] }))
    const r = await p.venomqa(['run'], { env: await onlyNode(), process: true })
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: Java was not found (tried "/nonexistent/bin/java": ENOENT)')
    expect(r.stderr).toContain('\n  at venomqa.json: plugins[0].managed.java\n')
  })
})

// A realistic config: PostgreSQL and Redis rolled back beside a managed WireMock and the mail catcher. Every
// first-party plugin declares its state backends, so the refusal comes before any of them is set up: the
// managed WireMock's "java" is never started, and nothing connects to the database or to Redis, whose URLs
// point at TCP servers that count every connection. Once a plugin that declares nothing is added, the same
// config is refused after every setup ran (a real WireMock then starts): with the very same message.
describe('run --workers with PostgreSQL, Redis, a managed WireMock and the mail catcher, no workerSetup', () => {
  let q: Project
  let javaStarted: string
  const connections = { postgres: 0, redis: 0 }
  const servers: Server[] = []

  /** A TCP server on a free port that counts the connections made to `which`, and closes each at once. */
  async function counting(which: keyof typeof connections): Promise<number> {
    const server = createServer((socket) => {
      connections[which]++
      socket.destroy()
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as { port: number }).port
  }

  const config = (java: string | true, more: unknown[] = []) => ({
    baseUrl: 'http://127.0.0.1:9',
    plugins: [
      ['@venomqa/state-postgres', { url: `postgres://postgres@127.0.0.1:${pgPort}/vqdecl_refusal?application_name=vqdecl_refusal` }],
      ['@venomqa/adapter-redis', { url: `redis://127.0.0.1:${redisPort}/4`, prefix: 'vqdecl:' }],
      ['@venomqa/adapter-wiremock', { managed: java === true ? true : { java } }],
      ['@venomqa/adapter-mailhog', { smtpPort: 0, httpPort: 0 }],
      ...more,
    ],
  })
  let pgPort: number
  let redisPort: number

  const message =
    'venomqa: workers: 2 would run journeys at the same time against one system, but state backends "postgres:vqdecl_refusal" (snapshot), "redis" (dump-restore), "wiremock" (mappings) and "mail-catcher" (memory) are not parallel-safe: they would see each other\'s writes and rollbacks. Choose one:\n' +
    '  1. run one at a time: set workers to 1 (each path still starts from its checkpoint);\n' +
    '  2. give every worker its own system: add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): composeWorkers of postgresWorkers from @venomqa/state-postgres and redisWorkers from @venomqa/adapter-redis and wiremockWorkers from @venomqa/adapter-wiremock and mailCatcherWorkers from @venomqa/adapter-mailhog, one part for each system the run rolls back, see docs/parallel.md;\n' +
    '  3. use only state backends that are parallel-safe.\n'

  beforeAll(async () => {
    q = await makeProject(null)
    for (const pkg of ['state-postgres', 'adapter-redis', 'adapter-wiremock', 'adapter-mailhog'])
      await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(q.dir, 'node_modules/@venomqa', pkg), 'dir')
    pgPort = await counting('postgres')
    redisPort = await counting('redis')
    javaStarted = path.join(q.dir, 'java-was-started')
    await writeFile(path.join(q.dir, 'venomqa.json'), JSON.stringify(config(await fakeJava(q.dir, javaStarted))))
    await writeFile(path.join(q.dir, 'undeclared.mjs'), "export default { name: 'undeclared', version: '1.0.0', apiVersion: 1, reporters: [], setup() {} }\n")
    await writeJourneys(q.dir)
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
    await q?.remove()
  })

  it('is refused before any plugin is set up: no Java started, no connection made', async () => {
    const r = await q.venomqa(['run', '--workers', '2'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toBe(message)
    expect(await exists(javaStarted)).toBe(false)
    expect(connections).toEqual({ postgres: 0, redis: 0 })
  })

  it('says the same once every plugin was set up, when one of them declares nothing', async () => {
    await writeFile(path.join(q.dir, 'venomqa.json'), JSON.stringify(config(true, ['./undeclared.mjs'])))
    const r = await q.venomqa(['run', '--workers', '2'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    // Set up first this time: the plugins' lines say what they started, then the refusal.
    expect(r.stderr).toMatch(/^venomqa: \[@venomqa\/adapter-wiremock\] managed WireMock on /)
    expect(r.stderr.slice(r.stderr.indexOf('venomqa: workers: 2'))).toBe(message)
  })
})
