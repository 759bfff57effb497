import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { sampleRun } from './helpers/sample-run'
import { CONFIG_SCHEMA_FILE, RESULTS_SCHEMA_FILE, schemaText } from '../scripts/schemas'
import { configJsonSchema } from '../src/config/schema'
import { resultsJsonSchema } from '../scripts/results-schema'

// The committed schema files are generated from the zod schemas: this fails when they drift
// (regenerate with `pnpm --filter @venomqa/cli schemas`).
describe('published JSON schemas', () => {
  it('are up to date', () => {
    expect(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')).toBe(schemaText(configJsonSchema()))
    expect(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')).toBe(schemaText(resultsJsonSchema()))
  })

  it('the config schema accepts a good config and rejects a bad one, as an editor would', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')))
    expect(validate({ baseUrl: 'http://localhost:3000', plugins: ['redis', ['pg', { url: 'x' }]], reporters: ['junit:out.xml'], profiles: { ci: { retries: 1 } } })).toBe(true)
    expect(validate({ retries: 'x' })).toBe(false)
    expect(validate({ baseURL: 'http://x' })).toBe(false)
  })

  it('the config schema takes one environment variable where a number or a boolean goes, as loading does', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')))
    expect(validate({ retries: '${RETRIES}', failFast: '${FAIL_FAST:-false}', profiles: { ci: { workers: '${WORKERS}' } } }), JSON.stringify(validate.errors)).toBe(true)
    for (const bad of [{ retries: 'three' }, { retries: 'x ${RETRIES}' }, { failFast: '${A}${B}' }, { retries: 500 }]) expect(validate(bad), JSON.stringify(bad)).toBe(false)
  })

  it('the results schema accepts a run and rejects a broken one', async () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')))
    const run = JSON.parse(JSON.stringify(await sampleRun()))
    expect(validate(run), JSON.stringify(validate.errors)).toBe(true)
    delete run.journeys[0].nodes[0].status
    run.summary.steps.total = -1
    expect(validate(run)).toBe(false)
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/summary/steps/total']))
  })
})
