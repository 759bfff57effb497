import { ConfigError, type ReporterFactory, definePlugin, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { instantiateReporters, parseReporterSpec, refuseUndeclaredReporters } from '../src/reporters'

describe('reporter specs', () => {
  it('read name[:file], objects and [name, options]', () => {
    expect(parseReporterSpec('console')).toEqual({ name: 'console', options: {} })
    expect(parseReporterSpec('junit:reports/junit.xml')).toEqual({ name: 'junit', target: 'reports/junit.xml', options: {} })
    expect(parseReporterSpec('json:-')).toEqual({ name: 'json', target: '-', options: {} })
    expect(parseReporterSpec({ name: 'markdown', output: 'r.md', options: { x: 1 } })).toEqual({ name: 'markdown', target: 'r.md', options: { x: 1 } })
    expect(parseReporterSpec(['csv', { rows: 'step', output: 'c.csv' }])).toEqual({ name: 'csv', target: 'c.csv', options: { rows: 'step' } })
  })

  it('a file left out after the colon is refused, not taken for the default file', () => {
    expect(() => parseReporterSpec('junit:')).toThrow('reporter "junit:" has nothing after ":"; give the file (junit:<file>), or "junit" alone for its default')
    expect(() => parseReporterSpec('junit: ')).toThrow('has nothing after ":"')
  })

  it('a spec with no name (`-r :out.xml`, `-r ""`) is refused as such, not looked for as reporter ""', () => {
    expect(() => parseReporterSpec(':out.xml')).toThrow('reporter ":out.xml" has no name before ":"; give name:file, such as junit:out.xml')
    expect(() => parseReporterSpec(' :x')).toThrow('has no name before ":"')
    expect(() => parseReporterSpec('')).toThrow('a reporter with no name: give one of console, json, junit, markdown, or a plugin\'s, as name or name:file')
    expect(() => parseReporterSpec('  ', '--reporter')).toThrow(expect.objectContaining({ where: '--reporter' }))
  })

  it('an unregistered name says which reporters exist', () => {
    const factories = new Map<string, ReporterFactory>([['console', () => ({ name: 'console' })]])
    // VenomQA's own reporter package, named exactly: what to install.
    expect(() => instantiateReporters([{ name: 'html', options: {} }], factories)).toThrow(
      'unknown reporter "html": no plugin registered it and VenomQA\'s @venomqa/reporter-html is not installed: npm install -D @venomqa/reporter-html. Known reporters: console',
    )
    // Any other name: no install told, since anyone could publish a package under it.
    expect(() => instantiateReporters([{ name: 'pdf', options: {} }], factories)).toThrow(
      'unknown reporter "pdf": no plugin registered it and @venomqa/reporter-pdf is not installed. Known reporters: console',
    )
    // Before any setup, from what the plugins declare (`reporters: [...]`): none of them declares it.
    const csv = { plugin: definePlugin({ name: 'csv', version: '1.0.0', apiVersion: 1, reporters: ['csv'], setup: () => {} }) }
    expect(() => refuseUndeclaredReporters([{ name: 'pdf', options: {} }], [csv], { root: '/nonexistent', loadedPackages: [] })).toThrow(
      'unknown reporter "pdf": no plugin declares it and @venomqa/reporter-pdf is not installed. Known reporters: console, json, junit, markdown, csv',
    )
     // A typo of a known one gets the name meant.
    expect(() => instantiateReporters([{ name: 'consle', options: {} }], factories)).toThrow('unknown reporter "consle": did you mean "console"? Known reporters: console')
  })

  it("a built-in reporter's options are checked: a misspelt or unknown one is refused, every problem at once", () => {
    const factories = new Map<string, ReporterFactory>(['console', 'json', 'junit', 'markdown'].map((n) => [n, () => ({ name: n })]))
    expect(() => instantiateReporters([parseReporterSpec(['console', { verbos: true, color: 'yes' }])], factories)).toThrow(
      'reporter "console": "verbos" is not an option of the console reporter (it takes color, progress, verbose); did you mean "verbose"?; "color": expected true or false, got "yes"',
    )
    expect(() => instantiateReporters([parseReporterSpec({ name: 'markdown', output: 'r.md', options: { foo: 1 } })], factories)).toThrow(
      'reporter "markdown": "foo" is not an option of the markdown reporter (it takes none)',
    )
    // Every reporter's problems at once, each where it was written: the user fixes them all in one go.
    const checking: ReporterFactory = ({ options, where }) => {
      const bad = Object.keys(options).filter((k) => k !== 'title')
      if (bad.length > 1) throw new ConfigError(`${bad.length} problems with plugin options:\n${bad.map((k) => `  - ${where}.${k}: unknown option`).join('\n')}`, { where })
      if (bad.length) throw new ConfigError(`${where}.${bad[0]}: unknown option`, { where })
      return { name: 'pretty' }
    }
    const all = (() => {
      try {
        instantiateReporters(
          [
            { ...parseReporterSpec(['console', { verbos: true }]), where: 'reporters[0]' },
            { ...parseReporterSpec(['pretty', { a: 1, b: 2 }]), where: 'reporters[1]' },
            { ...parseReporterSpec('json'), where: 'reporters[2]' },
            { ...parseReporterSpec(['junit', { x: 1 }]), where: 'VENOMQA_REPORTERS[3]' },
            { ...parseReporterSpec(['pretty', { c: 1 }]), where: 'reporters[4]' },
          ],
          new Map([...factories, ['pretty', checking]]),
        )
      } catch (err) {
        return err as ConfigError
      }
    })()
    expect(all).toBeInstanceOf(ConfigError)
    expect(all?.message).toBe(
      [
        '5 problems with reporter options:',
        '  - reporters[0]: reporter "console": "verbos" is not an option of the console reporter (it takes color, progress, verbose); did you mean "verbose"?',
        '  - reporters[1].a: unknown option',
        '  - reporters[1].b: unknown option',
        '  - VENOMQA_REPORTERS[3]: reporter "junit": "x" is not an option of the junit reporter (it takes none)',
        '  - reporters[4].c: unknown option',
      ].join('\n'),
    )
    expect(all?.where).toBe('reporters[0]')
    // What they do take passes, and a plugin's reporter checks its own options.
    expect(instantiateReporters([parseReporterSpec(['console', { verbose: true, progress: false }]), parseReporterSpec(['csv', { rows: 'step' }])], new Map([...factories, ['csv', () => ({ name: 'csv' })]]))).toHaveLength(2)
  })

  it("a reporter's refusal of its options is told as one, even from a plugin installed with a @venomqa/core of its own", () => {
    // What another copy of core throws: a UserError by name and shape, not of this copy's class.
    class UserError extends Error {
      override name = 'UserError'
      readonly code = 'E_CONFIG'
      constructor(message: string, readonly where: string) {
        super(message)
      }
    }
    const factories = new Map<string, ReporterFactory>([['html', () => { throw new UserError('reporters[0].title: expected a string', 'reporters[0].title') }]])
    expect(() => instantiateReporters([{ name: 'html', options: { title: 1 }, where: 'reporters[0]' }], factories)).toThrow(
      expect.objectContaining({ message: 'reporters[0].title: expected a string', where: 'reporters[0].title' }),
    )
  })

  it('a factory that throws, or makes no reporter, is refused naming the reporter (its text masked)', () => {
    const factories = new Map<string, ReporterFactory>([
      ['exploding', () => { throw new Error('factory exploded, token=abc123secret') }],
      ['empty', () => undefined as never],
    ])
    expect(() => instantiateReporters([{ name: 'exploding', options: {} }], factories)).toThrow('reporter "exploding" could not be made: factory exploded, token=[REDACTED]')
    expect(() => instantiateReporters([{ name: 'empty', options: {} }], factories)).toThrow('reporter "empty": its factory returned no reporter (expected an object with a name, and hooks, render or deliver)')
  })

  it('reporters added after init get their hooks through the runner, and a throwing hook is an issue of the run', async () => {
    const seen: string[] = []
    const runner = createRunner({ pluginTimeout: 200 })
    await runner.init()
    runner.addReporter({ name: 'a', hooks: { journeyStart: () => void seen.push('a') } })
    runner.addReporter({ name: 'b', hooks: { journeyStart: () => { throw new Error('boom') } } })
    runner.addReporter({ name: 'c', hooks: { journeyStart: () => void seen.push('c') } })
    // A hook that never settles is abandoned at pluginTimeout, like a plugin's.
    runner.addReporter({ name: 'd', hooks: { journeyEnd: () => new Promise<void>(() => {}) } })
    const result = await runner.run(journey('j', { steps: [step('s', () => {})] }))
    await runner.close()
    expect(seen).toEqual(['a', 'c'])
    const issues = result.journeys[0]!.issues.map((i) => [i.source, i.severity, i.kind])
    expect(issues).toContainEqual(['reporter:b', 'medium', 'hook'])
    expect(issues).toContainEqual(['reporter:d', 'critical', 'stall'])
  })
})
