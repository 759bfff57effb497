import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// A run that stops on a mistake (in the config, a profile, a VENOMQA_* variable or a flag's value) leaves
// none of its outputs, never an earlier run's: a CI step reading the JUnit file would take a green run's for
// this one's. The config's own outputs are known as far as the file can be read, even when another key
// is wrong; nothing it does not clearly name as an output is removed. Through the built `venomqa`, with
// journeys that send no request.
let p: Project

const FINE = `import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n`
const CONFIG = 'reporters: [console, "junit:reports/junit.xml"]\nsave: reports/results.json\n'
const OUTPUTS = ['reports/junit.xml', 'reports/results.json']

const write = async (file: string, text: string) => {
  await mkdir(path.dirname(path.join(p.dir, file)), { recursive: true })
  await writeFile(path.join(p.dir, file), text)
}
const exists = (file: string) => existsSync(path.join(p.dir, file))

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await write('journeys/fine.journey.mjs', FINE)
})
afterAll(async () => {
  await p?.remove()
})

/** A green run with `config`, which writes `outputs`; then the config as `broken` (or the same). */
async function greenRunThen(config: string, outputs: readonly string[], broken = config): Promise<void> {
  await write('venomqa.yaml', config)
  const green = await p.venomqa(['run'])
  expect(green.code, green.stdout + green.stderr).toBe(0)
  for (const file of outputs) expect(exists(file), `${file} written by the green run`).toBe(true)
  await write('venomqa.yaml', broken)
}

describe('a run stopped by a mistake removes the outputs the config names', () => {
  it.each([
    ['an unknown key in the config', `${CONFIG}bogus: 1\n`, [], {}],
    ['a wrong value of another key', `${CONFIG}retries: many\n`, [], {}],
    ['a profile that is not defined', CONFIG, ['--profile', 'nope'], {}],
    ['a wrong VENOMQA_* variable', CONFIG, [], { VENOMQA_TIMEOUT: 'abc' }],
    ["a flag's value, before the config is read", CONFIG, ['--timeout', 'abc'], {}],
    ["a flag's value that is an option, before the config is read", CONFIG, ['--har', '--nope'], {}],
    ["a flag's value of explore, before the config is read", CONFIG, ['--workers', 'many'], {}, 'explore'],
    ['an unknown option, which the option parser stops the run on', CONFIG, ['--bogus-flag'], {}],
    ['an option where a value goes, taken by the program (the value is missing)', CONFIG, ['--har', '--debug'], {}],
    ['an option with no value at the end of the line', CONFIG, ['--plugin'], {}],
    ['an unknown option of explore', CONFIG, ['--bogus-flag'], {}, 'explore'],
    ['an unknown option before the command\'s name, which the program stops on', CONFIG, [], {}, 'run', ['--bogus']],
    ['an unknown option before explore\'s name', CONFIG, [], {}, 'explore', ['--bogus']],
  ] as const)('%s: exit 2, and the results and JUnit file of the command are gone', async (_, broken, args, env, command: 'run' | 'explore' = 'run', before: readonly string[] = []) => {
    await greenRunThen(CONFIG, OUTPUTS, broken)
    // An exploration writes its JUnit file and its results beside the run's (reports/junit.explore.xml,
    // reports/results.explore.json): an earlier exploration's go, the run's stay.
    if (command === 'explore') {
      await write('reports/junit.explore.xml', 'an earlier exploration\n')
      await write('reports/results.explore.json', '{}\n')
    }
    const stopped = await p.venomqa([...before, command, ...args], { env })
    expect(stopped.code, stopped.stderr).toBe(2)
    const gone = command === 'explore' ? ['reports/junit.explore.xml', 'reports/results.explore.json'] : OUTPUTS
    for (const file of gone) expect(exists(file), file).toBe(false)
    if (command === 'explore') for (const file of OUTPUTS) expect(exists(file), `the run's ${file}`).toBe(true)
    if (command === 'run') expect(exists('.venomqa/last-run.json')).toBe(false)
  })

  it.each([
    ['a journey file that does not load', 'journeys/broken.journey.mjs', 'export default journey(\n', ['run']],
    ['a name that selects no journey', undefined, undefined, ['run', 'no_such_journey']],
    ['a pattern that matches no file', undefined, undefined, ['run', 'nothing/*.journey.mjs']],
  ] as const)('%s: exit 2, and the green run\'s results and JUnit file are gone', async (_, file, text, args) => {
    await greenRunThen(CONFIG, OUTPUTS)
    if (file) await write(file, text!)
    try {
      const stopped = await p.venomqa([...args])
      expect(stopped.code, stopped.stderr).toBe(2)
      for (const out of OUTPUTS) expect(exists(out), out).toBe(false)
      expect(exists('.venomqa/last-run.json')).toBe(false)
    } finally {
      if (file) await rm(path.join(p.dir, file))
    }
  })

  it('the outputs a run would write win as they do on a green run: a profile\'s, a flag\'s, a variable\'s replace the file\'s', async () => {
    const config = `${CONFIG}profiles:\n  ci:\n    reporters: ["junit:reports/ci.xml"]\n`
    await greenRunThen(config, OUTPUTS)
    await write('reports/ci.xml', 'an earlier ci run\n')
    // This run would write reports/ci.xml and reports/results.json, not the file's JUnit.
    const stopped = await p.venomqa(['run', '--profile', 'ci', '--timeout', 'abc'])
    expect(stopped.code, stopped.stderr).toBe(2)
    expect(exists('reports/ci.xml')).toBe(false)
    expect(exists('reports/results.json')).toBe(false)
    expect(exists('reports/junit.xml')).toBe(true)
    await write('reports/other.json', 'kept\n')
    await write('reports/results.json', 'kept\n')
    await write('reports/env.xml', 'an earlier run\n')
    const flagged = await p.venomqa(['run', '--save', 'reports/other.json', '--timeout', 'abc'], { env: { VENOMQA_REPORTERS: 'console,junit:reports/env.xml' } })
    expect(flagged.code, flagged.stderr).toBe(2)
    expect(exists('reports/other.json')).toBe(false)
    expect(exists('reports/env.xml')).toBe(false)
    expect(await readFile(path.join(p.dir, 'reports/results.json'), 'utf8')).toBe('kept\n')
    expect(exists('reports/junit.xml')).toBe(true)
  })

  it('a usage mistake: what the parser read of the line names the outputs; a flag with no value names nothing, nor does the config in its place', async () => {
    const gone = async (args: string[], expected: Record<string, boolean>, code = 2) => {
      await greenRunThen(CONFIG, OUTPUTS)
      await write('reports/flag.json', 'an earlier run\n')
      const stopped = await p.venomqa(['run', ...args])
      expect(stopped.code, stopped.stderr).toBe(code)
      for (const [file, removed] of Object.entries(expected)) expect(exists(file), `${args.join(' ')}: ${file}`).toBe(!removed)
    }
    const record = '.venomqa/last-run.json'
    // Known options around an unknown one are read: the flag's results file goes, not the config's.
    await gone(['--save', 'reports/flag.json', '--bogus-flag'], { 'reports/flag.json': true, 'reports/results.json': false, 'reports/junit.xml': true, [record]: true })
    // --save with no value: the results file is not known, and the config's is not this run's.
    await gone(['--save'], { 'reports/results.json': false, 'reports/junit.xml': true, [record]: true })
    // -r with no value: the reporters are not the config's; those of the other -r flags go.
    await gone(['-r', 'json:reports/flag.json', '-r'], { 'reports/flag.json': true, 'reports/results.json': true, 'reports/junit.xml': false, [record]: true })
    // --save took an option for its value: no file name.
    await gone(['--bogus-flag', '--save', '--har'], { 'reports/results.json': false, 'reports/junit.xml': true, [record]: true })
    // --profile with no value: the config's outputs are not known; --config with no value: nor is where the record is.
    await gone(['--profile'], { 'reports/results.json': false, 'reports/junit.xml': false, [record]: true })
    await gone(['--config'], { 'reports/results.json': false, 'reports/junit.xml': false, [record]: false })
    // Help asked for is no mistake: nothing goes.
    await gone(['--help'], { 'reports/results.json': false, 'reports/junit.xml': false, [record]: false }, 0)
  })

  it('an option taken for the value of the flag before it (`--workers --save out/s.json`): refused as a flag with no value, and the results file it names is no earlier run\'s', async () => {
    const record = '.venomqa/last-run.json'
    await greenRunThen(CONFIG, OUTPUTS)
    const saved = await p.venomqa(['run', '--save', 'out/s.json'])
    expect(saved.code, saved.stderr).toBe(0)
    expect(exists('out/s.json')).toBe(true)
    // The parser took `--save` for the number of workers, and `out/s.json` for a journey to run.
    const stopped = await p.venomqa(['run', '--workers', '--save', 'out/s.json'])
    expect(stopped.code, stopped.stderr).toBe(2)
    expect(stopped.stderr).toBe(
      'venomqa: --workers needs a value, and got "--save", which is an option: give --workers its value, or leave it out\n' +
        'venomqa: nothing ran, so out/s.json (--save) was not written; the one an earlier run left there is removed\n',
    )
    // This run would have written out/s.json, not the config's results file, which stays; the config's JUnit goes.
    expect([exists('out/s.json'), exists('reports/results.json'), exists('reports/junit.xml'), exists(record)]).toEqual([false, true, false, false])
    // An output flag with no value names nothing, nor does the config in its place; what the rest of the line names goes.
    await greenRunThen(CONFIG, OUTPUTS)
    await write('out/run.har', 'an earlier run\n')
    const noSave = await p.venomqa(['run', '--save', '--har', 'out/run.har'])
    expect(noSave.code, noSave.stderr).toBe(2)
    expect(noSave.stderr).toBe(
      'venomqa: --save needs a value, and got "--har", which is an option: give --save its value, or leave it out\n' +
        'venomqa: nothing ran, so out/run.har (--har) was not written; the one an earlier run left there is removed\n',
    )
    expect([exists('out/run.har'), exists('reports/results.json'), exists('reports/junit.xml')]).toEqual([false, true, false])
    // A flag naming a file that took a word shaped like an option, not one of run's: the same refusal, the
    // line read again the same way, what the rest of it names said not written and an earlier run's removed.
    await greenRunThen(CONFIG, OUTPUTS)
    await write('out/s.json', 'an earlier run\n')
    const shaped = await p.venomqa(['run', '--har', '--nope', '--save', 'out/s.json'])
    expect(shaped.code, shaped.stderr).toBe(2)
    expect(shaped.stderr).toBe(
      'venomqa: --har needs a value, and got "--nope", which is an option: give --har its value, or leave it out\n' +
        'venomqa: nothing ran, so out/s.json (--save) was not written; the one an earlier run left there is removed\n',
    )
    expect([exists('out/s.json'), exists('reports/results.json'), exists('reports/junit.xml'), exists(record)]).toEqual([false, true, false, false])
    // merge-reports' --save by the same rule: no results file named "--nope" is written.
    const merge = await p.venomqa(['merge-reports', '--save', '--nope', 'reports'])
    expect(merge.code, merge.stderr).toBe(2)
    expect(merge.stderr).toBe('venomqa: --save needs a value, and got "--nope", which is an option: give --save its value, or leave it out\n')
    expect(exists('--nope')).toBe(false)
    // explore, with a results file that was not there: said not written, nothing said removed.
    await write('venomqa.yaml', '{}\n')
    const explore = await p.venomqa(['explore', '--depth', '-r', 'json:out/e.json', '--save', 'out/e-results.json'])
    expect(explore.code, explore.stderr).toBe(2)
    expect(explore.stderr).toBe(
      'venomqa: --depth needs a value, and got "-r", which is an option: give --depth its value, or leave it out\n' +
        'venomqa: nothing ran, so out/e-results.json (--save) and out/e.json (reporter "json") were not written\n',
    )
  })

  it('the config flag that took a word shaped like an option (`-c --nope`): refused as a flag with no value by every command that reads the config, the config named nothing', async () => {
    const record = '.venomqa/last-run.json'
    const said = (value: string) => `venomqa: --config needs a value, and got "${value}", which is an option: give --config its value, or leave it out\n`
    // run: what the rest of the line names goes, said not written; the config's outputs and the record stay, where they are is not known.
    for (const flag of ['-c', '--config']) {
      await greenRunThen(CONFIG, OUTPUTS)
      await write('out/s.json', 'an earlier run\n')
      const stopped = await p.venomqa(['run', flag, '--nope', '--save', 'out/s.json'])
      expect(stopped.code, stopped.stderr).toBe(2)
      expect(stopped.stderr).toBe(`${said('--nope')}venomqa: nothing ran, so out/s.json (--save) was not written; the one an earlier run left there is removed\n`)
      expect([exists('out/s.json'), exists('reports/results.json'), exists('reports/junit.xml'), exists(record)]).toEqual([false, true, true, true])
    }
    // Every other command that takes --config: the same refusal, before it reads any config.
    for (const line of [['explore'], ['list'], ['doctor'], ['plugins'], ['report', 'reports/results.json'], ['merge-reports', 'reports']]) {
      for (const flag of ['-c', '--config']) {
        const r = await p.venomqa([...line, flag, '--nope'])
        expect(r.code, `${line[0]} ${flag}: ${r.stdout}${r.stderr}`).toBe(2)
        expect(r.stderr, `${line[0]} ${flag}`).toBe(said('--nope'))
      }
    }
    expect(exists('--nope')).toBe(false)
  })

  it("a usage mistake before the command's name: what follows the name is read with the command's options, and an option of the command put before it is said so", async () => {
    const record = '.venomqa/last-run.json'
    await greenRunThen(CONFIG, OUTPUTS)
    await write('reports/flag.json', 'an earlier run\n')
    const stopped = await p.venomqa(['--bogus', 'run', '--save', 'reports/flag.json'])
    expect(stopped.code, stopped.stderr).toBe(2)
    expect(stopped.stderr).toBe("venomqa: unknown option '--bogus'\n")
    expect([exists('reports/flag.json'), exists('reports/results.json'), exists('reports/junit.xml'), exists(record)]).toEqual([false, true, false, false])
    // --save with no value after the name: the results file is not known, as after a mistake there.
    await greenRunThen(CONFIG, OUTPUTS)
    const missing = await p.venomqa(['--bogus', 'run', '--save'])
    expect(missing.code, missing.stderr).toBe(2)
    expect(missing.stderr).toBe("venomqa: unknown option '--bogus'\n")
    expect([exists('reports/results.json'), exists('reports/junit.xml')]).toEqual([true, false])
    await greenRunThen(CONFIG, OUTPUTS)
    const misplaced = await p.venomqa(['--fail-fast', 'run'])
    expect(misplaced.code, misplaced.stderr).toBe(2)
    expect(misplaced.stderr).toBe(
      "venomqa: unknown option '--fail-fast'\nvenomqa: --fail-fast is an option of `run`: put it after the command's name (venomqa run --fail-fast ...)\n",
    )
    for (const file of OUTPUTS) expect(exists(file), file).toBe(false)
    // An option of the command, with its value, put before the name: the value is no command's name, and
    // the option still names what the run would have written.
    await greenRunThen(CONFIG, OUTPUTS)
    await write('reports/flag.json', 'an earlier run\n')
    const valueBefore = await p.venomqa(['--save', 'reports/flag.json', 'run'])
    expect(valueBefore.code, valueBefore.stderr).toBe(2)
    expect(valueBefore.stderr).toBe(
      "venomqa: unknown option '--save'\nvenomqa: --save is an option of `run`: put it after the command's name (venomqa run --save ...)\n",
    )
    expect([exists('reports/flag.json'), exists('reports/results.json'), exists('reports/junit.xml'), exists(record)]).toEqual([false, true, false, false])
    // A command that writes none of them leaves them.
    await greenRunThen(CONFIG, OUTPUTS)
    const list = await p.venomqa(['--bogus', 'list'])
    expect(list.code, list.stderr).toBe(2)
    for (const file of [...OUTPUTS, record]) expect(exists(file), file).toBe(true)
  })

  it('nothing the config does not clearly name as an output is removed', async () => {
    await write('notes.txt', 'mine\n')
    await write('keep.xml', 'mine\n')
    await write('reports/results.json', 'an earlier run\n')
    // `${OUT}notes.txt` with OUT unset would be notes.txt; a reporter entry that is no reporter names
    // nothing; an output over a journey is refused on a run that reads the config, never removed here.
    await write(
      'venomqa.yaml',
      [
        'bogus: 1',
        'save: "${OUT}notes.txt"',
        'reporters: ["junit:journeys/fine.journey.mjs", { name: junit, output: keep.xml, colour: red }, "junit:reports/junit.xml"]',
        '',
      ].join('\n'),
    )
    await write('reports/junit.xml', 'an earlier run\n')
    const stopped = await p.venomqa(['run'])
    expect(stopped.code, stopped.stderr).toBe(2)
    expect(await readFile(path.join(p.dir, 'notes.txt'), 'utf8')).toBe('mine\n')
    expect(await readFile(path.join(p.dir, 'keep.xml'), 'utf8')).toBe('mine\n')
    expect(await readFile(path.join(p.dir, 'journeys/fine.journey.mjs'), 'utf8')).toBe(FINE)
    // What it does name clearly goes.
    expect(exists('reports/junit.xml')).toBe(false)
    // A config that cannot be read at all names nothing: the results file of an earlier config stays.
    await write('reports/junit.xml', 'an earlier run\n')
    await write('venomqa.yaml', 'reporters: ["junit:reports/junit.xml"\n')
    const unreadable = await p.venomqa(['run'])
    expect(unreadable.code, unreadable.stderr).toBe(2)
    expect(exists('reports/junit.xml')).toBe(true)
    expect(exists('reports/results.json')).toBe(true)
  })

  it('a TypeScript config with a wrong key: what it names goes, and the config is loaded once', async () => {
    await write('venomqa.yaml', '{}\n')
    await write('reports/ts.json', 'an earlier run\n')
    await write('loads.txt', '')
    await write(
      'venomqa.config.mjs',
      "import { appendFileSync } from 'node:fs'\nappendFileSync('loads.txt', 'x')\nexport default { save: 'reports/ts.json', retries: 'many' }\n",
    )
    try {
      const stopped = await p.venomqa(['run'])
      expect(stopped.code, stopped.stderr).toBe(2)
      expect(stopped.stderr).toContain('venomqa.config.mjs: retries')
      expect(exists('reports/ts.json')).toBe(false)
      expect(await readFile(path.join(p.dir, 'loads.txt'), 'utf8')).toBe('x')
    } finally {
      await rm(path.join(p.dir, 'venomqa.config.mjs'), { force: true })
    }
  })
})
