import type { ChildProcess } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type ShardInfo, countNodes, summarize } from '@venomqa/core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject } from './helpers/project'

// Ctrl-C (or SIGTERM) during `venomqa merge-reports`, sent to a real process: the merge stops, exits 130,
// and leaves none of its outputs, never part of them. A reporter of a plugin in the project holds the merge
// at a known place, writing a line on stderr when its render starts.

const ORDER = ['j.ts#one', 'j.ts#two']

function shard(index: number, name: string): RunResult {
  const nodes: JourneyResult['nodes'] = [{ kind: 'step', name: `${name}_step`, status: 'passed', expectFailure: false, attempts: 1, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 4 }]
  const journeys: JourneyResult[] = [{ name, file: 'j.ts', tags: [], status: 'passed', startedAt: '2026-12-01T10:00:00.000Z', durationMs: 5, nodes, issues: [], counts: countNodes(nodes) }]
  const info: ShardInfo = { index, total: 2, splitId: 'split', order: ORDER }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: `2026-12-01T10:00:0${index}.000Z`,
    durationMs: 10,
    status: 'passed',
    interrupted: false,
    backends: [],
    journeys,
    issues: [],
    summary: summarize(journeys),
    shard: info,
  }
}

/**
 * Reporters that hold the merge in their render, after saying so on stderr: `gate` until the process gets
 * SIGTERM (it listens too, so the render finishes and its file is written), `hang` for good.
 */
const PLUGIN = `const holding = (name, until) => ({
  name,
  render: async () => {
    process.stderr.write(name + ': rendering\\n')
    await until()
    return name + ' report\\n'
  },
})
export default {
  name: 'holding',
  apiVersion: 1,
  setup(api) {
    api.addReporter('gate', () => holding('gate', () => new Promise((resolve) => process.once('SIGTERM', resolve))))
    api.addReporter('hang', () => holding('hang', () => new Promise(() => {})))
  },
}
`

const OUTPUTS = ['--save', 'out/merged.json', '-r', 'json:out/a.json']

let project: Project
beforeAll(async () => {
  assertBuilt()
})
afterEach(async () => {
  await project?.remove()
})

async function shardsProject(): Promise<Project> {
  project = await makeProject(null)
  await mkdir(path.join(project.dir, 'shards'), { recursive: true })
  await mkdir(path.join(project.dir, 'plugins'), { recursive: true })
  await writeFile(path.join(project.dir, 'shards/1.json'), JSON.stringify(shard(1, 'one')))
  await writeFile(path.join(project.dir, 'shards/2.json'), JSON.stringify(shard(2, 'two')))
  await writeFile(path.join(project.dir, 'plugins/holding.mjs'), PLUGIN)
  return project
}

/** Resolves once the child has written `text` on stderr; rejects if it ends first. */
function saysOnStderr(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer) => {
      seen += chunk.toString()
      if (!seen.includes(text)) return
      child.stderr!.off('data', onData)
      child.off('close', onClose)
      resolve()
    }
    const onClose = () => reject(new Error(`the merge ended before it said ${JSON.stringify(text)}; it said: ${seen}`))
    child.stderr!.on('data', onData)
    child.once('close', onClose)
  })
}

/** What the merge left in out/: its outputs, and any temp file of a write cut short. */
async function leftInOut(dir: string): Promise<string[]> {
  return (await readdir(path.join(dir, 'out')).catch(() => [])).sort()
}

function expectInterrupted(r: CliResult): void {
  expect(r.signal, r.stderr).toBeNull()
  expect(r.code, r.stderr).toBe(130)
  expect(r.stdout).not.toContain('Result:')
}

describe('venomqa merge-reports interrupted', () => {
  it('SIGTERM: the report being written is finished, no other is started, and the outputs it wrote are removed', async () => {
    const p = await shardsProject()
    const merge = p.spawn(['merge-reports', 'shards', '--plugin', './plugins/holding.mjs', ...OUTPUTS, '-r', 'gate:out/gate.txt', '-r', 'junit:out/junit.xml'])
    await saysOnStderr(merge.child, 'gate: rendering')
    // The results and the json report are written by now: the merge writes them before the gate.
    expect(await leftInOut(p.dir)).toEqual(['a.json', 'merged.json'])
    merge.child.kill('SIGTERM')
    const r = await merge.done
    expectInterrupted(r)
    expect(r.stderr).toContain('venomqa: interrupted: stopping the merge once the output under way is written (Ctrl-C again to quit now)\n')
    expect(r.stderr).toContain(
      `venomqa: interrupted: the merge did not finish, and leaves none of its outputs (removed ${['out/merged.json', 'out/a.json', 'out/gate.txt'].map((f) => path.normalize(f)).join(', ')})\n`,
    )
    expect(r.stderr).not.toContain('junit report written')
    expect(await leftInOut(p.dir)).toEqual([])
  })

  it('SIGTERM while the last output is written (a report on stdout): the merge still stops with 130 and leaves none of its outputs', async () => {
    const p = await shardsProject()
    // `gate` with no file prints on stdout: it comes last, after every file is written.
    const merge = p.spawn(['merge-reports', 'shards', '--plugin', './plugins/holding.mjs', ...OUTPUTS, '-r', 'gate'])
    await saysOnStderr(merge.child, 'gate: rendering')
    expect(await leftInOut(p.dir)).toEqual(['a.json', 'merged.json'])
    merge.child.kill('SIGTERM')
    const r = await merge.done
    expect(r.signal, r.stderr).toBeNull()
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toContain(`venomqa: interrupted: the merge did not finish, and leaves none of its outputs (removed ${path.normalize('out/merged.json')}, ${path.normalize('out/a.json')})\n`)
    expect(await leftInOut(p.dir)).toEqual([])
  })

  it('Ctrl-C while a render hangs, then Ctrl-C again: it quits at once, and leaves none of its outputs', async () => {
    const p = await shardsProject()
    const merge = p.spawn(['merge-reports', 'shards', '--plugin', './plugins/holding.mjs', ...OUTPUTS, '-r', 'hang:out/hang.txt', '-r', 'junit:out/junit.xml'])
    await saysOnStderr(merge.child, 'hang: rendering')
    expect(await leftInOut(p.dir)).toEqual(['a.json', 'merged.json'])
    const first = saysOnStderr(merge.child, 'venomqa: interrupted: stopping the merge')
    merge.child.kill('SIGINT')
    await first
    merge.child.kill('SIGINT')
    const r = await merge.done
    expectInterrupted(r)
    expect(r.stderr).toContain(`venomqa: quitting now: the merge did not finish, and leaves none of its outputs (removed ${path.normalize('out/merged.json')}, ${path.normalize('out/a.json')})\n`)
    expect(await leftInOut(p.dir)).toEqual([])
  })
})
