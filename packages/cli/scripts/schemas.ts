// Writes the JSON schemas generated from the zod schemas: the config file's (for editors) and the
// results file's. Run with `pnpm --filter @venomqa/cli schemas`; test/schemas.test.ts checks they are current.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configJsonSchema } from '../src/config/schema'
import { resultsJsonSchema } from './results-schema'

export const CONFIG_SCHEMA_FILE = fileURLToPath(new URL('../schema/venomqa.schema.json', import.meta.url))
export const RESULTS_SCHEMA_FILE = fileURLToPath(new URL('../../core/schema/results.schema.json', import.meta.url))

export function schemaText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`
}

export function writeSchemas(): void {
  writeFileSync(CONFIG_SCHEMA_FILE, schemaText(configJsonSchema()))
  writeFileSync(RESULTS_SCHEMA_FILE, schemaText(resultsJsonSchema()))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeSchemas()
