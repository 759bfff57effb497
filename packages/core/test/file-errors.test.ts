import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileErrorReason } from '../src/index'

/** The error Node gives for `work`, taken from a real file system call. */
async function failure(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => expect.fail('expected the file system to refuse'),
    (err: unknown) => err,
  )
}

describe('fileErrorReason', () => {
  it('says what Node reports by code in words, never the absolute path or syscall', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-file-errors-'))
    try {
      await writeFile(path.join(dir, 'afile'), 'x')
      const missing = await failure(() => readFile(path.join(dir, 'nope.json')))
      const underFile = await failure(() => writeFile(path.join(dir, 'afile/inner.json'), 'x'))
      const directory = await failure(() => readFile(dir))
      expect(fileErrorReason(missing)).toBe('no such file')
      expect(fileErrorReason(underFile, 'write')).toBe('a file stands where a directory of its path would be')
      expect(fileErrorReason(directory)).toBe('it is a directory')
      for (const err of [missing, underFile, directory]) expect(fileErrorReason(err, 'write')).not.toContain(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a write where nothing can be made, permission and space in words; an unknown code as it is; no code: the message', () => {
    const err = (code: string) => Object.assign(new Error(`${code}: whatever, open '/abs/x'`), { code })
    expect(fileErrorReason(err('ENOENT'), 'write')).toBe('it cannot be made there (a directory of its path is missing and cannot be made, or takes no new files)')
    expect(fileErrorReason(err('EACCES'))).toBe('permission denied')
    expect(fileErrorReason(err('EPERM'), 'write')).toBe('permission denied')
    expect(fileErrorReason(err('EROFS'), 'write')).toBe('the file system is read-only')
    expect(fileErrorReason(err('ENOSPC'), 'write')).toBe('no space left on the device')
    expect(fileErrorReason(err('EMFILE'))).toBe('EMFILE: whatever')
    expect(fileErrorReason(new Error('plain'))).toBe('plain')
  })
})
