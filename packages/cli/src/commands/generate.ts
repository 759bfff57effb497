import { redactText } from '@venomqa/core'
import { secretsNotice } from '../env-secrets'
import { EXIT, type Io } from '../exit'
import { generateJourneys } from '../generate/journeys'
import { writeJourneyFiles } from '../journey-files'
import { maskedPath } from './save-results'

export interface GenerateFlags {
  openapi: string
  out?: string
  tag?: string[]
  force?: boolean
}

/**
 * `venomqa generate --openapi <file|url>`: one journey file per tag of the document. A document that does
 * not load, an unknown tag, an output directory that is a file, or files that would be overwritten
 * without --force are exit 2, and then nothing is written.
 */
export async function generateCommand(flags: GenerateFlags, io: Io): Promise<number> {
  const { checkDocumentSchemas, loadDocument, operations } = await import('@venomqa/openapi')
  const doc = await loadDocument(flags.openapi, { root: io.cwd })
  const all = operations(doc)
  checkDocumentSchemas(doc, all)
  const tags = flags.tag?.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean)
  // A URL may carry a key (`?api_key=...`): the files and the output name it masked.
  const generated = generateJourneys(doc, all, { tags, source: redactText(flags.openapi) })
  const outDir = flags.out ?? 'journeys'
  const written = await writeJourneyFiles(outDir, generated.files, { force: flags.force, cwd: io.cwd })
  generated.files.forEach((f, i) => io.stdout.write(`created ${maskedPath(written[i]!)}  (${generated.journeys[f.name]!.join(', ')})\n`))
  io.stderr.write(secretsNotice(generated.secrets))
  for (const sentence of generated.unsendable) io.stderr.write(`venomqa: ${sentence}\n`)
  for (const { tag, operations: left } of generated.unwritten)
    io.stderr.write(`venomqa: no journey for tag "${tag}": its operations need an id no operation creates, or a body to write by hand (${left.join(', ')})\n`)
  io.stdout.write(`\nLook for "venomqa generate:" comments: values sampled from the schemas, to make real. Then: venomqa run ${outDir} --base-url <url>\n`)
  // Without a state backend each path of a branch meets what the one before it wrote (a product it
  // deleted, an order it cancelled): against a correct API, the run failed, and the advice came only then.
  if (generated.branches)
    io.stdout.write(
      "Their branches start each path from a checkpoint: give the run your app's database as a state backend (--plugin '@venomqa/state-postgres?url=<database url>', or @venomqa/state-mysql; see docs/plugins.md), or each path sees what the one before it wrote\n",
    )
  return EXIT.OK
}
