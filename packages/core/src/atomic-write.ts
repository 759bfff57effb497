// The one atomic file writer of VenomQA: the runner's reports, the CLI's files and plugins (a reporter that
// saves its own output) all write through it, so every temp file has one name pattern and one sweeper.
import type * as Crypto from 'node:crypto'
import type * as Fs from 'node:fs'
import type * as Fsp from 'node:fs/promises'
import type * as Os from 'node:os'
import path from 'node:path'
import { lazyBuiltin } from './lazy-builtin'

// Loaded at first use, not when the package is imported: a run that never writes a file never loads them
// (an ESM import of node:fs reads every export, fs.promises and what it loads included).
const crypto = lazyBuiltin<typeof Crypto>('node:crypto')
const fs = lazyBuiltin<typeof Fs>('node:fs')
const fsp = lazyBuiltin<typeof Fsp>('node:fs/promises')
const os = lazyBuiltin<typeof Os>('node:os')

/** Temp files start with this, so listings can leave half-written files out. */
export const TEMP_PREFIX = '.venomqa-tmp-'

/**
 * Which machine wrote a temp file. A pid says nothing about a process on another machine (a directory
 * shared over the network, a container with its own pid namespace and host name), so only temp files of
 * this host are judged by their pid. Computed on the first write: importing core costs nothing.
 */
let hostTag: string | undefined
const thisHost = () => (hostTag ??= crypto().createHash('sha256').update(os().hostname()).digest('hex').slice(0, 8))

/** `<prefix><target>-<host>-<pid>-<random>`: the name a writer gives its temp file. */
const TEMP_NAME = /-([0-9a-f]{8})-(\d+)-[0-9a-f]{12}$/

/**
 * A temp file this old is left over whatever its name says: no write takes this long, and after it a pid
 * may already belong to another process.
 */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000

/** A directory is swept at most this often per process, so many writes into one directory stay cheap. */
const SWEEP_INTERVAL_MS = 60 * 1000
const sweptAt = new Map<string, number>()

function tempPathFor(file: string, pid = process.pid): string {
  return path.join(path.dirname(file), `${TEMP_PREFIX}${path.basename(file)}-${thisHost()}-${pid}-${crypto().randomBytes(6).toString('hex')}`)
}

/**
 * Write a file so that readers see the old content or the new one, never a part: the data goes to a
 * temp file in the same directory (same file system, so rename is atomic), is flushed, then renamed over
 * the target. On any failure the temp file is removed and the target is left as it was. A writer killed
 * before it could clean up (SIGKILL, a power cut) leaves its temp file behind; the next write into that
 * directory removes such files (see `removeStaleTempFiles`).
 *
 * What is not a regular file is written into, never replaced: a rename over `/dev/null` (`-r json:/dev/null`)
 * or a named pipe would put a plain file in its place, and as root that breaks /dev/null for the whole
 * machine. A symbolic link is followed: the file it points to is replaced, the link stays.
 */
export async function atomicWriteFile(target: string, data: string | Uint8Array): Promise<void> {
  const file = await fsp().realpath(target).catch(() => target)
  const existing = await fsp().stat(file).catch(() => undefined)
  if (existing && !existing.isFile()) {
    await fsp().writeFile(file, data)
    return
  }
  const dir = path.dirname(file)
  await makeDirectories(dir)
  await sweep(dir)
  const tmp = tempPathFor(file)
  let handle: Awaited<ReturnType<typeof Fsp.open>> | undefined
  try {
    handle = await fsp().open(tmp, 'wx', 0o644)
    await handle.writeFile(data)
    await handle.sync()
    await handle.close()
    handle = undefined
    await fsp().rename(tmp, file)
  } catch (err) {
    await handle?.close().catch(() => {})
    await fsp().unlink(tmp).catch(() => {})
    throw aboutTarget(err, tmp, target)
  }
}

/**
 * A failure of the temp file (no permission in the directory, a file system that makes no files) told as
 * the target's: the user named the target, and `open '.venomqa-tmp-results.json-…'` names a file they
 * never heard of and will not find. Node's `<code>: <reason>, <syscall> '<path>'[ -> '<dest>']` becomes
 * `<code>: <reason>, write '<target>'`; code, errno and syscall stay for callers that look at them.
 */
function aboutTarget(err: unknown, tmp: string, target: string): unknown {
  if (!(err instanceof Error)) return err
  const failure = err as NodeJS.ErrnoException
  if (failure.path !== tmp) return err
  const before = failure.message
  const reason = /^(.*?), \w+ '/s.exec(before)?.[1] ?? failure.code ?? before
  failure.message = `${reason}, write '${target}'`
  failure.path = target
  delete (failure as { dest?: string }).dest
  // Under --debug the stack is shown, and its first line repeats the message.
  if (failure.stack?.includes(before)) failure.stack = failure.stack.replace(before, failure.message)
  return failure
}

/**
 * `mkdir -p`, one level at a time from the nearest directory that exists. Not `{ recursive: true }`:
 * Node 20's recursive mkdir never returns under /proc (and other file systems where a missing entry
 * cannot be made), which would hang the command instead of failing it.
 */
export async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = []
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const found = await fsp().stat(d).catch(() => undefined)
    if (found) break
    missing.unshift(d)
  }
  for (const d of missing)
    await fsp().mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
}

async function sweep(dir: string): Promise<void> {
  const key = path.resolve(dir)
  const now = Date.now()
  if (now - (sweptAt.get(key) ?? Number.NEGATIVE_INFINITY) < SWEEP_INTERVAL_MS) return
  sweptAt.set(key, now)
  // Tidying up is a courtesy: it must never make the write itself fail.
  await removeStaleTempFiles(dir).catch(() => {})
}

/**
 * Remove the temp files in `dir` whose writer is gone: written on this host by a process that no longer
 * runs, or older than `STALE_TEMP_AGE_MS`. A temp file of a live writer, in this process or another, is
 * never touched: removing it would make that writer's rename fail. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = []
  for (const name of await fsp().readdir(dir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue
    const full = path.join(dir, name)
    const match = TEMP_NAME.exec(name)
    const writerGone = match?.[1] === thisHost() && !isRunning(Number(match[2]))
    if (!writerGone) {
      const info = await fsp().stat(full).catch(() => undefined)
      if (!info?.isFile() || now - info.mtimeMs < STALE_TEMP_AGE_MS) continue
    }
    try {
      await fsp().unlink(full)
      removed.push(name)
    } catch {
      // Gone already (another writer swept it, or its writer renamed it), or not ours to remove.
    }
  }
  return removed
}

/**
 * Remove, at once and synchronously, the temp files this process has for writes to `target` (a link is
 * followed, as the writer follows it): for a process that is about to exit mid-write (a second Ctrl-C),
 * which has no later write to sweep them. Never another process's, which may still be writing.
 */
export function removeOwnTempFilesSync(target: string): void {
  let file = target
  try {
    file = fs().realpathSync(target)
  } catch {}
  const start = `${TEMP_PREFIX}${path.basename(file)}-`
  let names: string[] = []
  try {
    names = fs().readdirSync(path.dirname(file))
  } catch {
    return
  }
  for (const name of names) {
    const match = name.startsWith(start) ? TEMP_NAME.exec(name) : null
    if (match?.[1] !== thisHost() || Number(match[2]) !== process.pid) continue
    try {
      fs().unlinkSync(path.join(path.dirname(file), name))
    } catch {
      // Gone already (its write renamed it): nothing to remove.
    }
  }
}

/** Whether a process with this pid runs on this host. Signal 0 checks without sending anything. */
function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
