import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { ConfigError, UserError, errorMessage, makeDirectories } from '@venomqa/core'
import { replaceFile } from './replace-file'

export interface JourneyFile {
  /** A file name inside the output directory, such as `products.journey.ts`. */
  name: string
  content: string
}

/**
 * Write generated journey files into `outDir`. Nothing that exists is overwritten without `force`: if any
 * file would be, nothing at all is written and the error names every one. Each file is written atomically,
 * so an interrupted run never leaves half a journey behind. Returns the paths written, relative to `cwd`.
 */
export async function writeJourneyFiles(outDir: string, files: readonly JourneyFile[], options: { force?: boolean; cwd: string; flag?: string }): Promise<string[]> {
  const dir = path.resolve(options.cwd, outDir)
  const flag = options.flag ?? '--out'
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new ConfigError(`${flag} ${outDir} is a file, not a directory: give a directory to write the journeys into`, { where: `${flag} ${outDir}` })
  const targets = files.map((f) => ({ ...f, file: path.join(dir, f.name) }))
  // Not even --force replaces a directory: found halfway through, it would leave half the files written.
  const directories = targets.filter((t) => existsSync(t.file) && statSync(t.file).isDirectory()).map((t) => path.relative(options.cwd, t.file))
  if (directories.length)
    throw new UserError('E_OUTPUT_EXISTS', `a directory stands where a journey file goes: ${directories.join(', ')}. Nothing was written; move it, or give another ${flag}`, { where: outDir })
  const conflicts = targets.filter((t) => existsSync(t.file)).map((t) => path.relative(options.cwd, t.file))
  if (conflicts.length && !options.force)
    throw new UserError('E_OUTPUT_EXISTS', `not overwriting what exists: ${conflicts.join(', ')}. Nothing was written; use --force to replace them`, { where: outDir })
  await makeDirectory(dir, outDir, flag)
  const written: string[] = []
  for (const t of targets) {
    await replaceFile(t.file, t.content)
    written.push(path.relative(options.cwd, t.file))
  }
  return written
}

/**
 * Make the output directory before any file is written: one that cannot be made (no permission, a
 * read-only or virtual file system) is the user's to fix, named with the flag, not an unexpected error
 * halfway through.
 */
async function makeDirectory(dir: string, given: string, flag: string): Promise<void> {
  try {
    await makeDirectories(dir)
  } catch (err) {
    const where = (err as { path?: string }).path ?? dir
    throw new ConfigError(`${flag} ${given}: cannot make the directory ${where} (${errorMessage(err)}). Nothing was written; give a directory you can write to`, { where: `${flag} ${given}` })
  }
}
