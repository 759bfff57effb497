/**
 * `venomqa explore --shard i/n` writes a regression journey into journeys/regressions/ on the machine whose
 * part of the search found a violation. A later `venomqa run --shard i/n` there selects one journey more
 * than the other machines, deals another split, and merge-reports refuses the shards: the refusal says
 * that explore --emit wrote the file on that machine, and to commit or delete it, not that the machines
 * were given other filters (they were not). The exploration says so as it writes the journey.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Project, cliHost, projectsOfFiles } from './helpers/project'

const journey = (name: string) => `import { journey, step } from '@venomqa/core'\nexport default journey('${name}', { steps: [step('ping', () => {})] })\n`

/** An exploration whose invariant breaks at the second tick: no HTTP, so no app to start. */
const TICKS =
  "import { action, exploration, invariant } from '@venomqa/core'\n" +
  "export default exploration('ticks', { actions: [action('tick', ({ ctx }) => { ctx.set('ticks', ((ctx.get('ticks') as number) ?? 0) + 1) })], invariants: [invariant('fewer_than_two', ({ ctx }) => ((ctx.get('ticks') as number) ?? 0) < 2)], depth: 2, seed: 1 })\n"

/** One CI machine's checkout: three journeys and the exploration. */
const machine = projectsOfFiles({
  host: cliHost(),
  always: {
    'venomqa.config.mjs': 'export default {}\n',
    'journeys/a.journey.ts': journey('a'),
    'journeys/b.journey.ts': journey('b'),
    'journeys/c.journey.ts': journey('c'),
    'ticks.explore.ts': TICKS,
  },
})

/** The merge job: it gathers both machines' shard files and merges them, on the first machine. */
async function mergeBoth(first: Project, second: Project) {
  mkdirSync(path.join(first.dir, 'merge'))
  copyFileSync(path.join(first.dir, 'shards/shard-1.json'), path.join(first.dir, 'merge/shard-1.json'))
  copyFileSync(path.join(second.dir, 'shards/shard-2.json'), path.join(first.dir, 'merge/shard-2.json'))
  return first.venomqa(['merge-reports', 'merge'])
}

describe('a regression journey explore --shard wrote on one machine, then run --shard and merge-reports', () => {
  it('explore --shard says the journey is on this machine only; merge-reports names it and says to commit or delete it', async () => {
    const first = await machine({})
    const second = await machine({})
    const explored = await second.venomqa(['explore', '--shard', '1/2', '--prefix-replay'])
    expect(explored.code, explored.stderr).toBe(1)
    const written = /venomqa: regression journey written to (\S+)\n/.exec(explored.stderr)?.[1]
    expect(written).toMatch(/^journeys\/regressions\/fewer-than-two-[0-9a-f]+\.journey\.ts$/)
    expect(explored.stderr).toContain(
      'venomqa: with --shard, this journey is on this machine only: commit it or delete it before a venomqa run --shard here, which would otherwise deal other journeys than the other machines (and merge-reports refuse the shards)\n',
    )

    expect((await first.venomqa(['run', '--shard', '1/2', '--save', 'shards/shard-1.json'])).code).toBe(0)
    // The regression journey fails (the bug is there): the shard is saved all the same.
    const ran = await second.venomqa(['run', '--shard', '2/2', '--save', 'shards/shard-2.json'])
    expect(ran.code, ran.stderr).toBe(1)
    const merged = await mergeBoth(first, second)
    expect(merged.code).toBe(2)
    expect(merged.stderr).toMatch(
      /\. The split of merge\/shard-2\.json has 1 journey the other's has not \(journeys\/regressions\/fewer-than-two-[0-9a-f]+\.journey\.ts#[\w-]+\): venomqa explore --emit writes the regression journeys of the violations it finds into journeys\/regressions\/, and wrote this one on the machine of merge\/shard-2\.json only\. Commit it to the repository, or delete it, before the machines run venomqa run --shard, so that every machine deals the same journeys\n/,
    )
    expect(merged.stderr).not.toContain('the machines selected other journeys')
  })

  it('--emit <dir>: the shard records the journeys explore wrote, and merge-reports names that directory, not the default one', async () => {
    const first = await machine({})
    const second = await machine({})
    const explored = await second.venomqa(['explore', '--shard', '1/2', '--prefix-replay', '--emit', 'journeys/found'])
    expect(explored.code, explored.stderr).toBe(1)
    const written = /venomqa: regression journey written to (\S+)\n/.exec(explored.stderr)?.[1]
    expect(written).toMatch(/^journeys\/found\/fewer-than-two-[0-9a-f]+\.journey\.ts$/)

    expect((await first.venomqa(['run', '--shard', '1/2', '--save', 'shards/shard-1.json'])).code).toBe(0)
    expect((await second.venomqa(['run', '--shard', '2/2', '--save', 'shards/shard-2.json'])).code).toBe(1)
    expect(JSON.parse(readFileSync(path.join(second.dir, 'shards/shard-2.json'), 'utf8')).shard.emitted).toEqual([written])
    const merged = await mergeBoth(first, second)
    expect(merged.code).toBe(2)
    expect(merged.stderr).toContain(
      `: venomqa explore --emit writes the regression journeys of the violations it finds into journeys/found/, and wrote this one on the machine of merge/shard-2.json only. Commit it to the repository, or delete it, before the machines run venomqa run --shard, so that every machine deals the same journeys\n`,
    )
    expect(merged.stderr).not.toContain('the machines selected other journeys')
  })
})
