import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// TypeScript's JavaScript API: TypeScript 7, the repository's compiler, is a native program without one.
import ts from '@typescript/typescript6'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { STALE_TEMP_AGE_MS, TEMP_PREFIX, atomicWriteFile, removeStaleTempFiles } from '../src/atomic-write'

/** The module under test and the local modules it imports, each run as its own `.mjs` beside the writer. */
const SOURCES = ['atomic-write', 'lazy-builtin']

/**
 * A writer in a process of its own, running the real atomicWriteFile: it stops inside the write, after the
 * temp file has its data and before the rename (its fsync never returns), and tells the parent so. The
 * parent can then SIGKILL it mid-write, or keep it alive as a writer that is busy right now.
 */
const WRITER = `
import { open } from 'node:fs/promises'
// Nothing else keeps this process alive while the write hangs: an IPC channel without 'message' listeners
// does not, and Node would end it, the write unfinished, for a top-level await that never settles.
setInterval(() => {}, 1 << 30)
import { atomicWriteFile } from './atomic-write.mjs'
const probe = await open(process.execPath, 'r')
const FileHandle = Object.getPrototypeOf(probe)
await probe.close()
FileHandle.sync = function () {
  process.send('writing')
  return new Promise(() => {})
}
await atomicWriteFile(process.argv[2], JSON.stringify({ from: 'the child', pad: 'x'.repeat(64 * 1024) }))
`

let scripts: string
let dir: string
const children: ChildProcess[] = []

beforeAll(async () => {
  scripts = await mkdtemp(path.join(tmpdir(), 'venomqa-writer-'))
  for (const name of SOURCES) {
    const source = await readFile(fileURLToPath(new URL(`../src/${name}.ts`, import.meta.url)), 'utf8')
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    // Node resolves no extension-less specifier: './lazy-builtin' is the .mjs written here.
    await writeFile(path.join(scripts, `${name}.mjs`), js.replace(/from '\.\/([\w-]+)'/g, "from './$1.mjs'"))
  }
  await writeFile(path.join(scripts, 'writer.mjs'), WRITER)
})
afterAll(() => rm(scripts, { recursive: true, force: true }))
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-stale-'))
})
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

/** Start a writer of `file` and resolve once it is inside the write. */
async function writerMidWrite(file: string): Promise<ChildProcess> {
  const child = fork(path.join(scripts, 'writer.mjs'), [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(child)
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`the writer exited before it was inside the write (${code ?? signal})`)
  })
  await Promise.race([once(child, 'message'), exited])
  exited.catch(() => {})
  return child
}

const temps = async () => (await readdir(dir)).filter((f) => f.startsWith(TEMP_PREFIX))

describe('temp files of writers that died', () => {
  it('a writer killed with SIGKILL mid-write leaves its temp file; the next write there removes it', async () => {
    const report = path.join(dir, 'report.json')
    await writeFile(report, '{"old":true}')
    const child = await writerMidWrite(report)
    const [left] = await temps()
    expect(left).toContain(`-${child.pid}-`)
    const exited = once(child, 'exit')
    expect(child.kill('SIGKILL')).toBe(true)
    expect(await exited).toEqual([null, 'SIGKILL'])
    expect(await temps()).toEqual([left]) // nothing cleans up after a SIGKILL
    expect(await readFile(report, 'utf8')).toBe('{"old":true}')

    await atomicWriteFile(path.join(dir, 'summary.md'), '# next run')
    expect((await readdir(dir)).sort()).toEqual(['report.json', 'summary.md'])
  })

  it('the temp file of a writer that is alive right now is left alone', async () => {
    const report = path.join(dir, 'report.json')
    const child = await writerMidWrite(report)
    const [busy] = await temps()
    expect(busy).toContain(`-${child.pid}-`)

    await atomicWriteFile(report, '{"from":"the parent"}')
    await atomicWriteFile(path.join(dir, 'other.json'), '{}')
    expect([child.exitCode, child.signalCode]).toEqual([null, null]) // still writing all along
    expect(await temps()).toEqual([busy])
    expect(await readFile(path.join(dir, busy!), 'utf8')).toContain('the child')
    expect(await readFile(report, 'utf8')).toBe('{"from":"the parent"}')
  })
})

describe('removeStaleTempFiles', () => {
  it('judges temp files it cannot tie to a live process of this host by age', async () => {
    const now = Date.now()
    const old = new Date(now - STALE_TEMP_AGE_MS - 60_000)
    const names = {
      otherHostFresh: `${TEMP_PREFIX}r.json-0badc0de-${process.pid}-0123456789ab`,
      otherHostOld: `${TEMP_PREFIX}r.json-0badc0de-${process.pid}-0123456789ac`,
      unparsableFresh: `${TEMP_PREFIX}r.json-whatever`,
      unparsableOld: `${TEMP_PREFIX}r.json-whatever-old`,
    }
    for (const name of Object.values(names)) await writeFile(path.join(dir, name), 'x')
    for (const name of [names.otherHostOld, names.unparsableOld]) await utimes(path.join(dir, name), old, old)
    await writeFile(path.join(dir, 'r.json'), 'kept')

    expect((await removeStaleTempFiles(dir, now)).sort()).toEqual([names.otherHostOld, names.unparsableOld].sort())
    expect((await readdir(dir)).sort()).toEqual([names.otherHostFresh, names.unparsableFresh, 'r.json'].sort())
  })

  it('removes an old temp file even when its pid runs again (reused by another process)', async () => {
    const child = await writerMidWrite(path.join(dir, 'r.json'))
    const [busy] = await temps()
    const old = new Date(Date.now() - STALE_TEMP_AGE_MS - 60_000)
    await utimes(path.join(dir, busy!), old, old)
    expect([child.exitCode, child.signalCode]).toEqual([null, null])
    expect(await removeStaleTempFiles(dir)).toEqual([busy])
  })
})
