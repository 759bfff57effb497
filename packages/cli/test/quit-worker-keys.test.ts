/**
 * A second Ctrl-C while the paths of a branch run on Redis workers: the run quits at once, with no time to
 * delete the keys redisWorkers wrote under each worker's key prefix, so what it prints names them, with the
 * redis-cli command that deletes them, and never the URL (which holds a password); so are the Redis users
 * that keep each worker's app to its prefix (redisWorkers' guardWrites). End to end: the built
 * `venomqa`, Redis DB 9 as the main DB, each worker isolated by a key prefix in it.
 */
import { execFile } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, quitTwiceOncePathsRun } from './helpers/project'

// The CLI's own DB (see SERVICES): its tests run beside other packages', and examples/journeys' workers
// empty and overwrite DB 9, which this test once shared.
const DB = 4
const PASSWORD = 'quit-keys-secret-pw'
// The server asks for no password: it is only carried, as a real one would be.
const REDIS_URL = `redis://:${PASSWORD}@${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

const CONFIG = `import { redisWorkers } from '@venomqa/adapter-redis'

export default {
  baseUrl: 'http://127.0.0.1:1',
  plugins: [['@venomqa/adapter-redis', { url: '\${REDIS_URL}', prefix: 'qk:', queue: false }]],
  parallelPaths: 3,
  workerSetup: redisWorkers({
    url: process.env.REDIS_URL!,
    prefix: 'qk:',
    keyPrefix: (index: number) => \`qk_w\${index}:\`,
    // The journey sends no request: no app to start, only one slow to stop, as a real one may be. The
    // workers' keys are deleted once their app stopped: a second Ctrl-C meanwhile leaves them.
    startApp: async () => ({ baseUrl: 'http://127.0.0.1:1', close: () => new Promise((resolve) => setTimeout(resolve, 20000)) }),
  }),
}
`

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

const waits = (name: string) => path(name, [step('waits', ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', resolve)))])

export default journey('quit', {
  requires: ['cache'],
  steps: [
    step('seed', async ({ ports }) => {
      const cache = ports.require('cache')
      await cache.set('cart', 'one item')
      // Keys no shell word survives unquoted: \`--scan | xargs del\` split the first and choked on both quotes.
      await cache.set("it's a cart", 'one item')
      await cache.set('"gift" list', 'one item')
    }),
    checkpoint('start'),
    branch('start', [waits('p1'), waits('p2'), waits('p3')]),
  ],
})
`

const sh = async (script: string) => (await promisify(execFile)('sh', ['-c', script])).stdout
// Through redis-cli, as the user would look: the CLI package has no Redis client of its own.
const keys = async () => (await sh(`redis-cli -n ${DB} --raw keys 'qk*'`)).split('\n').filter(Boolean).sort()
// Keys with a space and a quote: through a script, as xargs would split and unquote them.
const removeOurKeys = () => sh(`redis-cli -n ${DB} EVAL 'for _, k in ipairs(redis.call("KEYS", ARGV[1])) do redis.call("DEL", k) end' 0 'qk*'`)
/** The workers' Redis users of this test: those whose keys are its workers' prefixes (other packages' tests make theirs). */
async function workerUsers(): Promise<string[]> {
  const users = (await sh('redis-cli --raw ACL USERS')).split('\n').filter((u) => u.startsWith('venomqa-w'))
  const ours = []
  for (const u of users) if ((await sh(`redis-cli --raw ACL GETUSER ${u}`)).includes('~qk_w')) ours.push(u)
  return ours.sort()
}
const removeOurUsers = async () => {
  for (const u of await workerUsers()) await sh(`redis-cli ACL DELUSER ${u}`)
}

describe('a second Ctrl-C while paths run on Redis workers', () => {
  let project: Project
  beforeAll(async () => {
    assertBuilt()
    await removeOurKeys()
    await removeOurUsers()
    project = await makeProject(null, { REDIS_URL, CI: 'true' })
    await symlink(path.join(REPO_ROOT, 'packages/adapter-redis'), path.join(project.dir, 'node_modules/@venomqa/adapter-redis'), 'dir')
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'quit-keys-tests', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.config.ts'), CONFIG)
    await mkdir(path.join(project.dir, 'journeys'))
    await writeFile(path.join(project.dir, 'journeys/quit.journey.ts'), JOURNEY)
  }, 60_000)
  afterAll(async () => {
    await project?.remove()
    await removeOurKeys()
    await removeOurUsers()
  })

  it("names the workers' keys it leaves, with the commands that delete them, and no password", async () => {
    // Once each path has started, on the main line and on each worker: what each worker needs was made.
    const { result: r, said } = await quitTwiceOncePathsRun(project, ['p1', 'p2', 'p3'])
    expect(r.code, r.stderr).toBe(130)
    // Before, only "the workers' databases and apps may still be there".
    const line = said.match(
      new RegExp(`^  - the worker Redis keys "qk_w1:qk:\\*" \\(DB ${DB}\\), "qk_w2:qk:\\*" \\(DB ${DB}\\) are still there \\(a later run removes them only if it makes that same worker again\\): remove them with (.*)$`, 'm'),
    )
    expect(line, said).not.toBeNull()
    const remove = line![1]!
    // Per worker, a shell loop of short scripts, one SCAN step each, deletes the keys its pattern matches (on
    // the server, not through xargs), then its marker.
    const removes = (w: number) =>
      new RegExp(
        `c=0; while c=\\$\\(redis-cli -n ${DB} EVAL '[^']+' 0 'qk_w${w}:qk:\\*' "\\$c"\\) && \\[ "\\$c" != 0 \\]; do case \\$c in ''\\|\\*\\[!0-9\\]\\*\\) echo "\\$c" >&2; break; esac; done; redis-cli -n ${DB} del qk_w${w}:__venomqa_worker__`,
      )
    expect(remove).toMatch(new RegExp(`^${removes(1).source}; ${removes(2).source}$`))
    expect(said).toContain("  - the workers' apps may still be there\n")
    expect(r.stderr + r.stdout).not.toContain(PASSWORD)
    // What it says is so: both workers' copies of the checkpoint, and their markers, are still there.
    const seeded = (p: string) => [`${p}"gift" list`, `${p}cart`, `${p}it's a cart`]
    expect(await keys()).toEqual([...seeded('qk:'), 'qk_w1:__venomqa_worker__', ...seeded('qk_w1:qk:'), 'qk_w2:__venomqa_worker__', ...seeded('qk_w2:qk:')])
    // And the commands it gives, run as a user would, delete them and nothing else.
    await sh(remove)
    expect(await keys()).toEqual(seeded('qk:'))
    // The users the workers' apps connected as are left too, named with the command that deletes them.
    const users = said.match(/^ {2}- the worker Redis users ("venomqa-w1-[0-9a-f]+"), ("venomqa-w2-[0-9a-f]+") are still there .*: remove them with (.*)$/m)
    expect(users, said).not.toBeNull()
    expect(users![3]).toBe(`redis-cli ACL DELUSER ${JSON.parse(users![1]!)}; redis-cli ACL DELUSER ${JSON.parse(users![2]!)}`)
    expect(await workerUsers()).toEqual([JSON.parse(users![1]!), JSON.parse(users![2]!)])
    await sh(users![3]!)
    expect(await workerUsers()).toEqual([])
  }, 60_000)
})
