
import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// A config refused for its keys was refused before its plugins loaded: a wrong plugin option was met
// only on the next run, once the keys were fixed. Both are told in one run.

const project = projectsOfFiles({ host })

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

describe('config keys and plugin options, in one run', () => {
  it('a misspelt key and a wrong plugin option are both told, each named in its file; exit 2', async () => {
    const p = await project({
      'venomqa.config.mjs': "export default { baseURL: 'http://127.0.0.1:1', retrys: 2, plugins: ['http-control', ['memory', { maxWorkers: 0 }]] }\n",
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: venomqa.config.mjs has 3 problems:\n')
    expect(r.stderr).toContain('  - baseURL: unknown key (did you mean "baseUrl"?); known keys: $schema, baseUrl,')
    expect(r.stderr).toContain('  - retrys: unknown key (did you mean "retries"?)\n')
    expect(r.stderr).toContain('  - plugins[1].maxWorkers: expected a whole number of 1 or more, got 0\n')
    // The keys a config takes, once.
    expect(r.stderr.match(/known keys/g)).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it("a --plugin flag's option and a profile's entry are told with the file's keys, the flag by itself", async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ retrys: 2, plugins: ['http-control'], profiles: { ci: { plugins: [['memory', { maxWorker: 2 }]] } } }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run', '--profile', 'ci', '--plugin', 'csv?delimiter=;;'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: 3 problems:\n')
    expect(r.stderr).toContain('  - venomqa.json: retrys: unknown key (did you mean "retries"?)')
    expect(r.stderr).toContain('  - venomqa.json: profiles.ci.plugins[0].maxWorker: unknown option (did you mean "maxWorkers"?)\n')
    expect(r.stderr).toContain('  - --plugin csv?delimiter: expected one character, got ";;"\n')
  })

  it('an entry without options joins its twin that gives them, as a run sets them up, and is not blamed', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ retrys: 2, plugins: [['memory', { maxWorkers: 2 }], 'memory'] }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe(
      'venomqa: venomqa.json: retrys: unknown key (did you mean "retries"?); known keys: $schema, baseUrl, journeys, explore, openapi, plugins, reporters, headers, timeout, journeyTimeout, retries, journeyRetries, failOnFlaky, restoreAfterJourney, failFast, save, parallelPaths, workers, redactKeys, pluginTimeout, app, http, requireState, workerSetup, profiles\n',
    )
  })

  it('plugin options a schema does not take list the ones it does once', async () => {
    const p = await project({ 'venomqa.json': JSON.stringify({ plugins: [['memory', { foo: 1, bar: 2 }]] }), 'journeys/noop.journey.mjs': JOURNEY })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa.json: plugins[0].foo: unknown option; known options: ports,')
    expect(r.stderr).toContain('venomqa.json: plugins[0].bar: unknown option\n')
  })
})
