import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { TEMP_PREFIX, removeOwnTempFilesSync } from '../src/atomic-write'

// A process that quits mid-write (a second Ctrl-C) removes its own temp files for an output at once, and
// never those of another process, which may still be writing, nor those of another output.

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-own-temp-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const temp = (target: string, pid: number, h = host) => `${TEMP_PREFIX}${target}-${h}-${pid}-0123456789ab`

it("removes this process's temp files for the output, and nothing else", async () => {
  const names = [temp('out.json', process.pid), temp('out.json', process.pid + 1), temp('out.json', process.pid, 'ffffffff'), temp('other.json', process.pid), 'out.json']
  for (const name of names) await writeFile(path.join(dir, name), 'x')
  removeOwnTempFilesSync(path.join(dir, 'out.json'))
  expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort())
})

it('follows a link to where the write lands, and says nothing of a directory that is not there', async () => {
  const real = path.join(dir, 'real.json')
  await writeFile(real, '{}')
  await writeFile(path.join(dir, temp('real.json', process.pid)), 'x')
  await symlink(real, path.join(dir, 'link.json'))
  removeOwnTempFilesSync(path.join(dir, 'link.json'))
  expect((await readdir(dir)).sort()).toEqual(['link.json', 'real.json'])
  expect(() => removeOwnTempFilesSync(path.join(dir, 'nowhere/out.json'))).not.toThrow()
})
