import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** Temp files start with this, so listings can leave half-written files out. */
export const TEMP_PREFIX = '.venomqa-tmp-'

/**
 * Write `file` so that readers see the old content or the new one, never a part: write a temp file next to
 * it (same directory, so the rename stays on one filesystem), then rename over the target.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(file)}-${process.pid}-${randomBytes(6).toString('hex')}`)
  try {
    await writeFile(temp, content)
    await rename(temp, file)
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {})
    throw err
  }
}
