import { readFile, symlink } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { projectsOfFiles } from './helpers/project'

// A DATABASE_URL whose user holds an unencoded `@` (`tok@en`) and no password: the user part runs to the
// last `@` before the host, and goes whole, as a user alone without one does. Before, the URL was shown
// as written in every message that quoted it.
const project = projectsOfFiles()

describe('a DATABASE_URL whose user holds an @', () => {
  it('is shown with its user part masked when the database refuses it', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', plugins: [['postgres', { url: '${DATABASE_URL}' }]] }),
      'journeys/noop.journey.mjs': "import { journey, step } from '@venomqa/core'\nexport default journey('noop', { steps: [step('nothing', () => {})] })\n",
    })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    const r = await p.venomqa(['run', '--reporter', 'json:out/r.json', '--reporter', 'console'], { env: { DATABASE_URL: 'postgres://tok@en@127.0.0.1:5432/h_cfg3_none' } })
    expect(r.code, r.stderr).toBe(1)
    const report = await readFile(path.join(p.dir, 'out/r.json'), 'utf8')
    // The report's errors are JSON strings: read as the text they hold, the same as the console's.
    for (const [where, text] of [['console', r.stdout], ['json report', report.replaceAll('\\"', '"')]]) {
      expect(text, where).toContain('[postgres://[REDACTED]@127.0.0.1:5432/h_cfg3_none]')
      // The server and the message name the user as well: known as a secret, it goes there too.
      expect(text, where).toContain('(user "[REDACTED]") to track changes: authentication failed: role "[REDACTED]" does not exist')
    }
    expect(`${r.stdout}${r.stderr}${report}`).not.toMatch(/tok(@|%40)en/)
  })
})
