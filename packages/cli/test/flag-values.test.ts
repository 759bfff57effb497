import { Command, CommanderError } from 'commander'
import { describe, expect, it } from 'vitest'
import { OPTION_AS_VALUE, refuseOptionTakenAsValue, rereadWithoutOptionValues } from '../src/commands/option-as-value'
import { splitRunArgs } from '../src/journeys/load'
import { parseExploreFlags } from '../src/explorations/flags'

describe('flag values', () => {
  it('--seed takes any whole number, a negative one too (a definition may have one, and a run prints it)', () => {
    expect(parseExploreFlags({ seed: '-3' }).seed).toBe(-3)
    expect(parseExploreFlags({ seed: '42' }).seed).toBe(42)
    for (const bad of ['1.5', 'x', '', '99999999999999999999']) expect(() => parseExploreFlags({ seed: bad }), bad).toThrow(`--seed must be a whole number, got "${bad}"`)
  })

  it('one rule for a flag that took an option for its value, before the command runs: refused naming both (`--emit --no-emit` made a directory "--no-emit")', () => {
    /** What the line is refused with before explore runs, or undefined when it runs. */
    const refused = (...words: string[]): string | undefined => {
      const program = new Command('venomqa').option('--debug').exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} })
      program
        .command('explore')
        .argument('[files...]')
        .option('--depth <n>')
        .option('--seed <n>')
        .option('--strategy <name>')
        .option('--openapi <file|url>')
        .option('--emit <dir>')
        .option('--no-emit')
        .option('-r, --reporter <spec>')
        .option('--save <file>')
        .option('--har <file>')
        .option('-c, --config <file>')
        .hook('preAction', refuseOptionTakenAsValue)
        .action(() => {})
      try {
        program.parse(['explore', ...words], { from: 'user' })
        return undefined
      } catch (err) {
        expect(err).toBeInstanceOf(CommanderError)
        expect(err).toMatchObject({ code: OPTION_AS_VALUE, exitCode: 2 })
        return (err as Error).message
      }
    }
    const said = (flag: string, value: string) => `error: ${flag} needs a value, and got "${value}", which is an option: give ${flag} its value, or leave it out`
    // Any flag whose value is an option of the command (one of the program's, such as --debug, the program takes for itself).
    expect(refused('--emit', '--no-emit')).toBe(said('--emit', '--no-emit'))
    expect(refused('--save', '-r')).toBe(said('--save', '-r'))
    expect(refused('--depth', '--save=out.json')).toBe(said('--depth', '--save=out.json'))
    expect(refused('--strategy', '-r')).toBe(said('--strategy', '-r'))
    // A flag naming a file or directory, whatever word shaped like an option it took: no file is named so.
    for (const flag of ['--save', '--har', '--emit', '--openapi']) expect(refused(flag, '--nope')).toBe(said(flag, '--nope'))
    expect(refused('--save', '-x')).toBe(said('--save', '-x'))
    // The config's file by the same rule, -c or --config, as every command that reads the config takes it.
    expect(refused('--config', '--nope')).toBe(said('--config', '--nope'))
    expect(refused('-c', '--nope')).toBe(said('--config', '--nope'))
    expect(refused('-c', '-x')).toBe(said('--config', '-x'))
    expect(refused('-c', 'ci.config.ts', '--save', '-')).toBeUndefined()
    // Another flag's value may start with a dash (a pattern, a negative seed): only an option is refused.
    expect(refused('--strategy', '--nope')).toBeUndefined()
    expect(refused('--seed', '-3')).toBeUndefined()
    // `-` (stdout, where a flag takes it) and ordinary names pass.
    expect(refused('--save', '-', '--har', 'out/run.har', '--emit', 'journeys/regressions')).toBeUndefined()
  })

  it('a line read again takes a file flag followed by any word shaped like an option as given with no value', () => {
    const program = new Command('venomqa').option('--debug').exitOverride()
    const run = program.command('run').argument('[journeys...]').option('--save <file>').option('--har <file>').option('--workers <n>').option('-g, --grep <pattern>').action(() => {})
    const line = ['run', '--har', '--nope', '--save', 'out/s.json', '--grep', '-v2']
    program.parse(line, { from: 'user' })
    expect(rereadWithoutOptionValues(run, line.slice(1))).toEqual(['har'])
    expect(run.opts()).toEqual({ save: 'out/s.json', har: undefined, workers: undefined, grep: '-v2' })
    // The config's file too: read as given with no value.
    run.option('-c, --config <file>')
    const config = ['run', '-c', '--nope', '--save', 'out/s.json']
    program.parse(config, { from: 'user' })
    expect(rereadWithoutOptionValues(run, config.slice(1))).toEqual(['config'])
    expect(run.opts()).toEqual({ save: 'out/s.json', har: undefined, workers: undefined, grep: undefined, config: undefined })
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
