/**
 * `venomqa report` re-renders a saved run: it sets up only the plugins whose declared reporters it renders
 * with, never a state backend or a port that connects to a service, so a config whose PostgreSQL is down
 * still renders. A plugin that declares nothing may add the reporter, and is set up when nothing else does.
 */
import { existsSync } from 'node:fs'
import { readFile, symlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'
import { sampleRun } from './helpers/sample-run'

const marking = (reporters: string) => `import { writeFileSync } from 'node:fs'
export default {
  name: 'marking', version: '1.0.0', apiVersion: 1,${reporters}
  setup(api) {
    writeFileSync('setup-ran', 'yes')
    api.addPort('search', {})
  },
}
`
const project = projectsOfFiles({ host: cliHost() })

/** A port nothing listens on: the PostgreSQL of the config is down. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('venomqa report sets up only what renders', () => {
  it('renders with a plugin reporter while the config\'s PostgreSQL is down, setting up no other plugin', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/venomqa_report_down`
    const p = await project({
      'plugins/marking.mjs': marking(' reporters: [],'),
      'venomqa.yaml': `plugins:\n  - csv\n  - ['@venomqa/state-postgres', { url: '${url}' }]\n  - ./plugins/marking.mjs\n`,
      'results.json': JSON.stringify(await sampleRun()),
    })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    const r = await p.venomqa(['report', 'results.json', '-r', 'csv:out.csv'])
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(path.join(p.dir, 'out.csv'), 'utf8')).toMatch(/^journey_name,/)
    expect(existsSync(path.join(p.dir, 'setup-ran'))).toBe(false)
  })

  it('sets up a plugin that declares nothing when no other adds the reporter', async () => {
    const p = await project({
      'plugins/marking.mjs': marking('').replace("api.addPort('search', {})", "api.addReporter('mark', () => ({ name: 'mark', render: () => 'marked\\n' }))"),
      'venomqa.yaml': 'plugins:\n  - csv\n  - ./plugins/marking.mjs\n',
      'results.json': JSON.stringify(await sampleRun()),
    })
    const r = await p.venomqa(['report', 'results.json', '-r', 'mark:out.txt'])
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(path.join(p.dir, 'out.txt'), 'utf8')).toBe('marked\n')
  })
})
