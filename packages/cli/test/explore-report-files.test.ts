/**
 * `venomqa run` and `venomqa explore` read one config: written to its report files, either command replaced
 * the other's reports (and removed them as it started). An exploration writes each report of the config
 * beside the run's, `.explore` before the extension; one given its file with -r on the explore command
 * line writes that file.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { explorationReportFile } from '../src/commands/explore-reports'
import { cliHost, projectsOfFiles } from './helpers/project'

const project = projectsOfFiles({
  host: cliHost(),
  always: {
    'venomqa.config.mjs': "export default { reporters: [['markdown', { output: 'reports/venomqa.md' }], 'junit'] }\n",
    'journeys/ping.journey.ts': "import { journey, step } from '@venomqa/core'\nexport default journey('ping_journey', { steps: [step('ping', () => {})] })\n",
    'counter.explore.ts':
      "import { action, exploration } from '@venomqa/core'\nexport default exploration('count_exploration', { actions: [action('tick', () => {})], depth: 2, seed: 1 })\n",
  },
})

describe("an exploration's reports", () => {
  it("are written beside the run's, .explore before the extension, and said so in the command's last lines", async () => {
    const p = await project({})
    const file = (name: string) => readFileSync(path.join(p.dir, name), 'utf8')
    const run = await p.venomqa(['run'])
    expect(run.code, run.stderr).toBe(0)
    const explore = await p.venomqa(['explore', '--prefix-replay'])
    expect(explore.code, explore.stderr).toBe(0)

    // The run's reports are still the run's.
    expect(file('reports/venomqa.md')).toContain('ping_journey')
    expect(file('venomqa-junit.xml')).toContain('ping_journey')
    // The exploration's are beside them.
    expect(file('reports/venomqa.explore.md')).toContain('count_exploration')
    expect(file('reports/venomqa.explore.md')).not.toContain('ping_journey')
    expect(file('venomqa-junit.explore.xml')).toContain('count_exploration')
    expect(explore.stderr).toContain(`venomqa: markdown report written to ${path.join('reports', 'venomqa.explore.md')}\n`)
    expect(explore.stderr).toContain('venomqa: junit report written to venomqa-junit.explore.xml\n')

    // A run after it leaves the exploration's reports alone, as the exploration left the run's.
    expect((await p.venomqa(['run'])).code).toBe(0)
    expect(file('reports/venomqa.explore.md')).toContain('count_exploration')
  })

  it('go to the file a reporter is given with -r on the explore command line, and a reporter given none there writes beside its default', async () => {
    const p = await project({})
    expect((await p.venomqa(['run'])).code).toBe(0)
    const explore = await p.venomqa(['explore', '--prefix-replay', '-r', 'markdown:out/explored.md', '-r', 'json'])
    expect(explore.code, explore.stderr).toBe(0)
    expect(readFileSync(path.join(p.dir, 'out/explored.md'), 'utf8')).toContain('count_exploration')
    expect(readFileSync(path.join(p.dir, 'venomqa-results.explore.json'), 'utf8')).toContain('count_exploration')
    expect(explore.stderr).toContain(`venomqa: markdown report written to ${path.join('out', 'explored.md')}\n`)
    expect(explore.stderr).toContain('venomqa: json report written to venomqa-results.explore.json\n')
    // The config's reports, which this command was not asked for, are the run's, untouched.
    expect(readFileSync(path.join(p.dir, 'reports/venomqa.md'), 'utf8')).toContain('ping_journey')
    expect(existsSync(path.join(p.dir, 'reports/venomqa.explore.md'))).toBe(false)
  })

  it("venomqa report and merge-reports of an exploration's results write them too, .explore before the extension", async () => {
    const p = await project({})
    const file = (name: string) => readFileSync(path.join(p.dir, name), 'utf8')
    expect((await p.venomqa(['run'])).code).toBe(0)
    for (const i of [1, 2]) expect((await p.venomqa(['explore', '--prefix-replay', '--shard', `${i}/2`, '--save', `shards/explore-${i}.json`])).code).toBe(0)
    const explored = await p.venomqa(['explore', '--prefix-replay', '--save', 'out/explore.json'])
    expect(explored.code, explored.stderr).toBe(0)
    await p.venomqa(['run'])

    for (const command of [['report', 'out/explore.json'], ['merge-reports', 'shards']]) {
      const r = await p.venomqa(command)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain(`venomqa: markdown report written to ${path.join('reports', 'venomqa.explore.md')}\n`)
      expect(r.stderr).toContain('venomqa: junit report written to venomqa-junit.explore.xml\n')
      expect(file('reports/venomqa.explore.md')).toContain('count_exploration')
      // The run's reports are still the run's.
      expect(file('reports/venomqa.md')).toContain('ping_journey')
      expect(file('venomqa-junit.xml')).toContain('ping_journey')
    }
  })
})

describe("an exploration's results file", () => {
  it("is the config's save with .explore before the extension: a run's results survive an exploration, and venomqa report finds each", async () => {
    const p = await project({ 'venomqa.config.mjs': "export default { save: 'out/results.json' }\n" })
    const file = (name: string) => readFileSync(path.join(p.dir, name), 'utf8')
    const run = await p.venomqa(['run'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`venomqa: results saved to ${path.join('out', 'results.json')}\n`)
    const explore = await p.venomqa(['explore', '--prefix-replay'])
    expect(explore.code, explore.stderr).toBe(0)
    expect(explore.stderr).toContain(`venomqa: results saved to ${path.join('out', 'results.explore.json')}\n`)
    // The run's results are still the run's, the exploration's beside them.
    expect(file('out/results.json')).toContain('ping_journey')
    expect(file('out/results.explore.json')).toContain('count_exploration')
    expect((await p.venomqa(['report', 'out/results.json'])).stdout).toContain('ping_journey')
    expect((await p.venomqa(['report', 'out/results.explore.json'])).stdout).toContain('count_exploration')
    // --save on the explore command line is the file asked for.
    expect((await p.venomqa(['explore', '--prefix-replay', '--save', 'out/mine.json'])).code).toBe(0)
    expect(file('out/mine.json')).toContain('count_exploration')
    expect(file('out/results.json')).toContain('ping_journey')
    // With no run's results, venomqa report of the config's file names the exploration's.
    const q = await project({ 'venomqa.config.mjs': "export default { save: 'out/results.json' }\n" })
    expect((await q.venomqa(['explore', '--prefix-replay'])).code).toBe(0)
    const r = await q.venomqa(['report', 'out/results.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      "results file out/results.json is not there, but out/results.explore.json is: venomqa explore saves its results to the config's save with .explore before the extension, beside the run's (give out/results.explore.json for the exploration's)",
    )
  })
})

describe('the name of an exploration\'s report file', () => {
  it('has .explore before the extension, once: a file already named so keeps its name', () => {
    expect(explorationReportFile('reports/venomqa.html')).toBe('reports/venomqa.explore.html')
    expect(explorationReportFile('reports/x.explore.html')).toBe('reports/x.explore.html')
    expect(explorationReportFile('out/explore.html')).toBe('out/explore.explore.html')
    expect(explorationReportFile('results')).toBe('results.explore')
  })
})
