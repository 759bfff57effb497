import { lstat, unlink } from 'node:fs/promises'

/**
 * Write a file the CLI makes from scratch (a journey `generate` or `import postman` writes, the config and
 * example journey of `init`) where one may exist already, as --force asks. A symbolic link there is
 * replaced by the file, never written through: the atomic writer follows links (a report path may be one
 * on purpose), and `--out journeys --force` then overwrote whatever the link pointed at, a file outside
 * the output directory included.
 */
export async function replaceFile(file: string, content: string): Promise<void> {
  const { atomicWriteFile } = await import('@venomqa/runner')
  const found = await lstat(file).catch(() => undefined)
  if (found?.isSymbolicLink()) await unlink(file)
  await atomicWriteFile(file, content)
}
