import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { refuseOptionsAsValues } from '../src/commands/flags'
import { rereadWithoutOptionValues } from '../src/commands/option-as-value'
import { splitRunArgs } from '../src/journeys/load'
import { parseExploreFlags } from '../src/explorations/flags'

describe('flag values', () => {
  it('--seed takes any whole number, a negative one too (a definition may have one, and a run prints it)', () => {
    expect(parseExploreFlags({ seed: '-3' }).seed).toBe(-3)
    expect(parseExploreFlags({ seed: '42' }).seed).toBe(42)
    for (const bad of ['1.5', 'x', '', '99999999999999999999']) expect(() => parseExploreFlags({ seed: bad }), bad).toThrow(`--seed must be a whole number, got "${bad}"`)
  })

  it('a file flag whose value is another option is refused, naming both (`--emit --no-emit` made a directory "--no-emit")', () => {
    expect(() => refuseOptionsAsValues({ emit: '--no-emit' }, ['emit'])).toThrow('--emit needs a value, and got "--no-emit", which is an option: give --emit its value, or leave it out')
    expect(() => refuseOptionsAsValues({ save: '-r' }, ['save'])).toThrow('--save needs a value, and got "-r"')
    // `-` (stdout, where a flag takes it) and ordinary names pass.
    expect(() => refuseOptionsAsValues({ save: '-', har: 'out/run.har', emit: 'journeys/regressions' }, ['save', 'har', 'emit'])).not.toThrow()
  })

  it('a journey or exploration file given that does not exist is named, not taken for a journey name', () => {
    expect(() => splitRunArgs(['nothere.explore.ts'], '/tmp', 'explore')).toThrow('nothere.explore.ts does not exist (resolved to /tmp/nothere.explore.ts)')
    // A name stays a name, a slash in it too.
    expect(splitRunArgs(['checkout', 'users/create'], '/tmp')).toEqual({ patterns: [], names: ['checkout', 'users/create'] })
  })

  it('a line whose flag took another option for its value is read again as meant: the flag with no value, the rest as written, each option once', () => {
    const collect = (value: string, previous: string[] = []) => [...previous, value]
    const program = new Command('venomqa').option('--debug').exitOverride()
    const explore = program
      .command('explore')
      .argument('[files...]')
      .option('--depth <n>')
      .option('--emit <dir>')
      .option('--no-emit')
      .option('--no-shrink')
      .option('--strategy <name>', 'how', 'dfs')
      .option('-r, --reporter <spec>', 'reporter', collect)
      .option('--save <file>')
      .action(() => {})
    const line = ['explore', '--depth', '-r', 'json:out/e.json', '-r', 'junit:out/j.xml', '--no-shrink', '--save', '--emit', 'regressions', 'a.explore.ts', '--', '--save']
    program.parse(line, { from: 'user' })
    expect(explore.opts()).toMatchObject({ depth: '-r', reporter: ['junit:out/j.xml'], save: '--emit', shrink: false })
    expect(rereadWithoutOptionValues(explore, line.slice(1))).toEqual(['depth', 'save'])
    expect(explore.opts()).toEqual({ depth: undefined, emit: 'regressions', shrink: false, strategy: 'dfs', reporter: ['json:out/e.json', 'junit:out/j.xml'], save: undefined })
  })
})
