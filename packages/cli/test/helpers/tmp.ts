import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** A temp directory with the given files (relative path -> content); remove() deletes it. */
export async function tempDir(files: Record<string, string> = {}): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-cli-'))
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
