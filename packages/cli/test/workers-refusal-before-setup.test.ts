import { access, chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
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

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  for (const pkg of ['adapter-wiremock', 'adapter-mailhog'])
    await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(p.dir, 'node_modules/@venomqa', pkg), 'dir')
  started = path.join(p.dir, 'java-was-started')
  const java = path.join(p.dir, 'fake-java')
  await writeFile(java, `#!/bin/sh\necho started > '${started}'\nexit 1\n`)
  await chmod(java, 0o755)
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
  await mkdir(path.join(p.dir, 'journeys'))
  for (const name of ['a', 'b'])
    await writeFile(
      path.join(p.dir, `journeys/${name}.journey.ts`),
      `import { journey, step } from '@venomqa/core'\nexport default journey('${name}', { steps: [step('s', () => {})] })\n`,
    )
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
