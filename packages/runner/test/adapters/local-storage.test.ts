import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { UserError } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LocalStorage } from '../../src/adapters/local-storage'

let tmp: string
let storage: LocalStorage

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'venomqa-ls-test-'))
  storage = new LocalStorage({ dir: path.join(tmp, 'store') })
})
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true })
})

/** Every file under dir, relative, '/'-separated. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

describe('LocalStorage', () => {
  it('puts, gets, lists and deletes objects under nested keys', async () => {
    await storage.put('reports/2024/summary.json', JSON.stringify({ ok: true }))
    await storage.put('reports/2024/raw.bin', new Uint8Array([1, 2, 3]), { contentType: 'application/x-raw' })
    await storage.put('avatars/alice.png', new Uint8Array([137, 80, 78, 71]))

    expect(await storage.getText('reports/2024/summary.json')).toBe('{"ok":true}')
    expect(Array.from((await storage.get('reports/2024/raw.bin'))!)).toEqual([1, 2, 3])
    expect(await storage.get('nope.txt')).toBeUndefined()
    expect(await storage.getText('reports')).toBeUndefined() // a folder is not an object
    expect(await storage.exists('avatars/alice.png')).toBe(true)
    expect(await storage.exists('avatars')).toBe(false)

    const listed = await storage.list('reports/')
    expect(listed.map((o) => o.key)).toEqual(['reports/2024/raw.bin', 'reports/2024/summary.json'])
    expect(listed[0]).toMatchObject({ size: 3, contentType: 'application/x-raw' })
    expect(listed[1]).toMatchObject({ size: 11, contentType: 'application/json' })
    expect(Date.parse(listed[1].modifiedAt)).not.toBeNaN()
    expect((await storage.list()).map((o) => o.key)).toEqual(['avatars/alice.png', 'reports/2024/raw.bin', 'reports/2024/summary.json'])

    expect(await storage.delete('reports/2024/raw.bin')).toBe(true)
    expect(await storage.delete('reports/2024/raw.bin')).toBe(false)
    expect(await storage.delete('avatars/alice.png')).toBe(true)
    // Folders left empty by a delete go too.
    expect(await readdir(storage.root)).toEqual(['reports'])
  })

  it('overwrites atomically and leaves no temp file behind', async () => {
    await storage.put('a.txt', 'first')
    await storage.put('a.txt', 'second')
    expect(await storage.getText('a.txt')).toBe('second')
    expect(await filesUnder(storage.root)).toEqual(['a.txt'])
  })

  it('a failed write keeps the old data and leaves no temp file', async () => {
    await storage.put('docs/readme.txt', 'keep me')
    // "docs" is a folder of other keys: it cannot also be an object.
    await expect(storage.put('docs', 'clash')).rejects.toThrow(/storage key "docs" is not allowed: it clashes/)
    expect(await storage.getText('docs/readme.txt')).toBe('keep me')
    expect(await filesUnder(storage.root)).toEqual(['docs/readme.txt'])
  })

  it('list() leaves out half-written temp files', async () => {
    await storage.put('x.txt', 'x')
    await writeFile(path.join(storage.root, '.venomqa-tmp-x.txt-1-abc'), 'partial')
    expect((await storage.list()).map((o) => o.key)).toEqual(['x.txt'])
  })

  it.each([
    ['../outside.txt', "'..' segments are not allowed"],
    ['a/../../b', "'..' segments are not allowed"],
    ['/etc/passwd', 'it is absolute'],
    ['C:/windows', 'it is absolute'],
    ['a\\b', "use '/'"],
    ['', 'non-empty string'],
    ['a//b', "empty or '.' segments"],
    ['./a', "empty or '.' segments"],
  ])('refuses the key %j with a clear error', async (key, why) => {
    const attempt = storage.put(key, 'x')
    await expect(attempt).rejects.toBeInstanceOf(UserError)
    await expect(storage.put(key, 'x')).rejects.toThrow(why)
    await expect(storage.get(key)).rejects.toThrow(`storage key "${key}" is not allowed`)
    await expect(storage.delete(key)).rejects.toThrow(UserError)
    // Nothing was written anywhere under the temp root.
    expect(await filesUnder(tmp)).toEqual([])
  })

  it('clear() empties the directory but keeps it', async () => {
    await storage.put('a/b/c.txt', 'c')
    await storage.put('d.txt', 'd')
    await storage.clear()
    expect(await storage.list()).toEqual([])
    expect(await readdir(storage.root)).toEqual([])
  })

  it('healthCheck: true for a writable directory, false when the path is under a file', async () => {
    expect(await storage.healthCheck()).toBe(true)
    await writeFile(path.join(tmp, 'a-file'), 'x')
    expect(await new LocalStorage({ dir: path.join(tmp, 'a-file', 'sub') }).healthCheck()).toBe(false)
  })
})
