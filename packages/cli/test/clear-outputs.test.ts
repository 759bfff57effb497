/**
 * What a run removes as it starts (clearOutputs): an earlier run's regular files, never a device, a named
 * pipe or a link. `-r json:/dev/null` once removed /dev/null, as root, and the next shell redirect made it
 * a plain file for the whole machine; a named pipe stands in for the device here.
 */
import { execFileSync } from 'node:child_process'
import { lstat, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clearOutputs } from '../src/commands/outputs'
import type { Io } from '../src/exit'

describe('clearOutputs', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-clear-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('removes an earlier run\'s regular file, and leaves a named pipe, a link, the file it points to and what is not there', async () => {
    const at = (f: string) => path.join(dir, f)
    await writeFile(at('old.json'), '{"status":"passed"}')
    execFileSync('mkfifo', [at('pipe')])
    await writeFile(at('target.xml'), '<old/>')
    await symlink(at('target.xml'), at('link.xml'))
    const said: string[] = []
    const io = { cwd: dir, stdout: process.stdout, stderr: { write: (m: string) => said.push(m) }, env: {} } as unknown as Io
    await clearOutputs([at('old.json'), at('pipe'), at('link.xml'), at('missing.txt')], io)
    await expect(lstat(at('old.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    expect((await lstat(at('pipe'))).isFIFO()).toBe(true)
    expect((await lstat(at('link.xml'))).isSymbolicLink()).toBe(true)
    expect((await lstat(at('target.xml'))).isFile()).toBe(true)
    expect(said).toEqual([])
  })
})
