import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { lstat, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { atomicWriteFile, makeDirectories } from '../src/atomic-write'

// `-r json:/dev/null` once renamed a plain file over /dev/null (as root, for the whole machine). A named
// pipe stands in for the device here: replacing it by mistake harms nothing outside this temp directory.
describe('atomicWriteFile and targets that are not plain files', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'venomqa-atomic-targets-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes into a named pipe and leaves it a pipe', async () => {
    const fifo = path.join(dir, 'out.pipe')
    execFileSync('mkfifo', [fifo])
    // A reader that does not block: the write finds it there, and a missing write reads as nothing.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      await atomicWriteFile(fifo, '{"ok":true}')
      const buffer = Buffer.alloc(64)
      let n = 0
      try {
        n = readSync(reader, buffer, 0, buffer.length, null)
      } catch {
        /* EAGAIN: nothing was written into the pipe */
      }
      expect(buffer.subarray(0, n).toString()).toBe('{"ok":true}')
    } finally {
      closeSync(reader)
    }
    expect((await stat(fifo)).isFIFO()).toBe(true)
  })

  it('follows a symbolic link: the file it points to gets the data, the link stays a link', async () => {
    const real = path.join(dir, 'results.json')
    const link = path.join(dir, 'latest.json')
    await writeFile(real, 'old')
    await symlink(real, link)
    await atomicWriteFile(link, 'new')
    expect((await lstat(link)).isSymbolicLink()).toBe(true)
    expect(await readlink(link)).toBe(real)
    expect(await readFile(real, 'utf8')).toBe('new')
  })

  it('a plain file is still replaced whole, and a missing one made', async () => {
    const file = path.join(dir, 'nested', 'report.json')
    await atomicWriteFile(file, 'first')
    await atomicWriteFile(file, 'second')
    expect(await readFile(file, 'utf8')).toBe('second')
  })
})

describe('makeDirectories', () => {
  it('makes the missing levels, leaves what exists, and fails (never hangs) where nothing can be made', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-mkdirs-'))
    try {
      await makeDirectories(path.join(dir, 'a/b/c'))
      expect((await stat(path.join(dir, 'a/b/c'))).isDirectory()).toBe(true)
      await makeDirectories(path.join(dir, 'a/b'))
      await writeFile(path.join(dir, 'afile'), 'x')
      await expect(makeDirectories(path.join(dir, 'afile/below'))).rejects.toMatchObject({ code: 'ENOTDIR' })
      // Node 20's `mkdir(..., { recursive: true })` never returns here; this must fail at once.
      if (process.platform === 'linux') await expect(makeDirectories('/proc/venomqa-mkdirs/a')).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

// The temp file is the writer's own: a failure to make it is told as the target's, which the user named.
describe('atomicWriteFile errors name the target, never the temp file', () => {
  it('a directory where no file can be made (/proc, on Linux): the error names the target', async () => {
    const target = path.join('/proc', `venomqa-atomic-${process.pid}.json`)
    const failed = await atomicWriteFile(target, '{}').then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err,
    )
    expect(failed).toBeInstanceOf(Error)
    expect(failed?.message).toContain(`'${target}'`)
    expect(failed?.message).not.toContain('.venomqa-tmp-')
    expect(failed?.stack).not.toContain('.venomqa-tmp-')
    expect(failed?.path).toBe(target)
    expect(failed?.code).toMatch(/^E[A-Z]+$/)
  })

})
