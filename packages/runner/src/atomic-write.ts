import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import path from 'node:path'

/** Temp files start with this, so listings can leave half-written files out. */
export const TEMP_PREFIX = '.venomqa-tmp-'

/**
 * Write a file so that readers see the old content or the new one, never a part: the data goes to a
 * temp file in the same directory (same file system, so rename is atomic), is flushed, then renamed over
 * the target. On any failure the temp file is removed and the target is left as it was.
 */
export async function atomicWriteFile(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = path.join(dir, `${TEMP_PREFIX}${path.basename(file)}-${process.pid}-${randomBytes(6).toString('hex')}`)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(tmp, 'wx', 0o644)
    await handle.writeFile(data)
    await handle.sync()
    await handle.close()
    handle = undefined
    await rename(tmp, file)
  } catch (err) {
    await handle?.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
}
