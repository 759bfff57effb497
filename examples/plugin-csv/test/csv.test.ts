import { PLUGIN_API_VERSION, type RunResult, countNodes, journey, step, summarize } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import csvPlugin, { csvField, renderCsv } from '../src/index'

function run(): RunResult {
  const nodes = [
    { kind: 'step' as const, name: 'login', status: 'passed' as const, expectFailure: false, attempts: 1, startedAt: '2024-01-01T00:00:00.000Z', durationMs: 12.4, response: { status: 200, headers: {} } },
    {
      kind: 'branch' as const,
      checkpoint: 'cp',
      status: 'failed' as const,
      durationMs: 5,
      finalRollback: null,
      paths: [
        {
          kind: 'path' as const,
          name: 'bad, "quoted"',
          status: 'failed' as const,
          durationMs: 4,
          rollback: null,
          nodes: [{ kind: 'step' as const, name: '=cmd()', status: 'failed' as const, expectFailure: false, attempts: 2, startedAt: '2024-01-01T00:00:00.000Z', durationMs: 3, response: { status: 500, headers: {} } }],
        },
      ],
    },
  ]
  const journeys = [
    { name: 'checkout', tags: [], status: 'failed' as const, startedAt: '2024-01-01T00:00:00.000Z', durationMs: 20.6, nodes, issues: [], counts: countNodes(nodes) },
  ]
  return {
    schemaVersion: 3,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:00:01.000Z',
    durationMs: 1000,
    status: 'failed',
    interrupted: false,
    backends: [],
    journeys,
    issues: [],
    summary: summarize(journeys),
  }
}

describe('venomqa-plugin-csv', () => {
  it('is a plugin for this core and registers the csv reporter through the runner', async () => {
    expect(csvPlugin.apiVersion).toBe(PLUGIN_API_VERSION)
    const runner = createRunner({ plugins: [[csvPlugin, { rows: 'step' }]] })
    await runner.init()
    const factory = runner.registry.reporters.get('csv')
    expect(factory).toBeTypeOf('function')
    const reporter = factory!({ options: {} })
    expect(reporter.defaultFile).toBe('venomqa-results.csv')
    const text = String(await reporter.render!(run(), {} as never))
    expect(text.split('\r\n')[0]).toBe('journey_name,path,step_name,status,duration_ms,attempts,http_status')
    await runner.close()
  })

  it('writes the guide\'s journey columns by default', () => {
    expect(renderCsv(run())).toBe('journey_name,success,duration_ms,total_steps,passed_steps,issue_count,status\r\ncheckout,false,21,2,1,0,failed\r\n')
  })

  it('counts a flaky journey (failed, then passed on a retry) as a success, and says which it was in status: a real run', async () => {
    let tries = 0
    const runner = createRunner({})
    const result = await runner.run([
      journey('steady', { steps: [step('ok', () => {})] }),
      journey('sometimes', {
        retries: 1,
        steps: [
          step('first_try_fails', () => {
            if (++tries === 1) throw new Error('not this time')
          }),
        ],
      }),
      journey('broken', { steps: [step('always_fails', () => Promise.reject(new Error('never')))] }),
      journey.skip('parked', { steps: [step('not_run', () => {})] }),
    ])
    await runner.close()
    expect(result.journeys.map((j) => j.status)).toEqual(['passed', 'flaky', 'failed', 'skipped'])
    const rows = renderCsv(result)
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','))
    const columns = rows[0]!
    const pick = (row: string[]) => ['journey_name', 'success', 'status'].map((c) => row[columns.indexOf(c)])
    expect(rows.map(pick)).toEqual([
      ['journey_name', 'success', 'status'],
      ['steady', 'true', 'passed'],
      ['sometimes', 'true', 'flaky'],
      ['broken', 'false', 'failed'],
      ['parked', 'false', 'skipped'],
    ])
  })

  it('writes a row per step with its path, quoting what needs it and defusing formulas', () => {
    const lines = renderCsv(run(), { rows: 'step' }).trimEnd().split('\r\n')
    expect(lines[1]).toBe('checkout,main,login,passed,12,1,200')
    expect(lines[2]).toBe(`checkout,"bad, ""quoted""",'=cmd(),failed,3,2,500`)
  })

  it('takes another delimiter', () => {
    expect(csvField('a;b', ';')).toBe('"a;b"')
    expect(renderCsv(run(), { delimiter: ';' }).split('\r\n')[1]).toBe('checkout;false;21;2;1;0;failed')
  })

  it('refuses wrong options through its schema, naming each key', async () => {
    const runner = createRunner({ plugins: [[csvPlugin, { rows: 'cell', delimiter: ';;' }]] })
    await expect(runner.init()).rejects.toThrow(
      `2 problems with plugin options:\n  - plugins[0].rows: expected 'journey' or 'step', got "cell"\n  - plugins[0].delimiter: expected one character, got ";;"`,
    )
  })
})
