import { readConfigAsWritten } from '../config/load'
import { isPlainObject } from '../config/interpolate'
import { secretsNotice } from '../env-secrets'
import { EXIT, type Io, warn } from '../exit'
import { writeJourneyFiles } from '../journey-files'
import { readCollection, readEnvironment } from '../postman/collection'
import { NOT_TRANSLATED, importCollection, valueAdvice } from '../postman/emit'
import { maskedPath } from './save-results'

export interface ImportPostmanFlags {
  out?: string
  environment?: string
  force?: boolean
}

/**
 * `venomqa import postman <collection.json>`: write one journey per folder of a Postman v2.1 collection.
 * Whatever could not be translated is in the files as marked comments and listed here; the import still
 * succeeds (exit 0), since the rest of each journey is usable. A collection or environment that cannot be
 * read, or files that would be overwritten without --force, are exit 2 and write nothing.
 */
export async function importPostmanCommand(collectionFile: string, flags: ImportPostmanFlags, io: Io): Promise<number> {
  const collection = await readCollection(collectionFile, io.cwd)
  const environment = flags.environment ? await readEnvironment(flags.environment, io.cwd) : []
  const imported = importCollection(collection, environment, collectionFile)
  if (!imported.files.length) {
    io.stdout.write(`${collectionFile} has no request: nothing to write\n`)
    return EXIT.OK
  }
  const outDir = flags.out ?? 'journeys'
  const written = await writeJourneyFiles(outDir, imported.files, { force: flags.force, cwd: io.cwd })
  for (const file of written) io.stdout.write(`created ${maskedPath(file)}\n`)
  if (imported.secrets.length) io.stderr.write(secretsNotice(imported.secrets))
  const baseUrlFlag = imported.base && `--base-url ${imported.base.value || '<url>'}`
  if (imported.base)
    io.stdout.write(`\nRequests to {{${imported.base.name}}} are relative: run them with ${baseUrlFlag} (or baseUrl in venomqa.config.ts).\n`)
  if (imported.leftovers.length) {
    const n = imported.leftovers.length
    io.stdout.write(`\n${n} ${n === 1 ? 'thing was' : 'things were'} not translated; each is in its file, after "${NOT_TRANSLATED}" or as a note below:\n`)
    const shown = (file: string) => written.find((w) => w.endsWith(file)) ?? file
    for (const l of imported.leftovers)
      io.stdout.write(
        l.collection
          ? `  ${l.journey} (${l.what}, in every step): ${l.line}\n`
          : l.folder
            ? `  ${shown(l.file)}  ${l.journey} (${l.what}, in each of its steps): ${l.line}\n`
            : `  ${shown(l.file)}  ${l.journey} > ${l.step} (${l.what}): ${l.line}\n`,
      )
    io.stdout.write('Their steps warn of them at every run; a check among them (pm.test, pm.expect, tests[...]) fails its step until it is written by hand.\n')
  }
  for (const u of imported.unshared)
    warn(io, `journey ${u.journey} reads {{${u.variable}}}, which only ${u.setBy.join(', ')} sets: each journey has its own ctx, so put those requests in one folder or set it in ${u.journey}`)
  for (const u of imported.undefinedVariables)
    warn(
      io,
      `journey ${u.journeys.join(', ')} sends {{${u.variable}}}, which neither the collection nor an environment defines and no script sets: its step fails until it has a value; ${valueAdvice(collectionFile)}`,
    )
  // The command to copy works as it is: with the base URL when nothing else gives the run one.
  const needsFlag = baseUrlFlag && !(await givesBaseUrl(io))
  io.stdout.write(`\nNext: venomqa run ${outDir}${needsFlag ? ` ${baseUrlFlag}` : ''}\n`)
  return EXIT.OK
}

/** Whether a run here has a base URL without the flag: the config file names one, or VENOMQA_BASE_URL does. */
async function givesBaseUrl(io: Io): Promise<boolean> {
  if (io.env.VENOMQA_BASE_URL?.trim()) return true
  const { written } = await readConfigAsWritten({ cwd: io.cwd, env: io.env }).catch(() => ({ written: undefined }))
  return isPlainObject(written) && written.baseUrl !== undefined
}
