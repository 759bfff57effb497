import { existsSync } from 'node:fs'
import { symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// Plugin options are checked against each plugin's schema by the runner, all at once, before any plugin
// is set up; and plugins add commands. Both through the built `venomqa` binary, in small projects.

const project = projectsOfFiles({ host })

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

describe('plugin options', () => {
  it('lists every problem of every plugin at once, naming plugins[N].key and the --plugin flag; exit 2', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ plugins: ['http-control', ['memory', { ports: ['cache', 'redis'], maxWorkers: 0 }]] }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run', '--plugin', 'csv?rows=cell&delimiter=;;'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: 4 problems with plugin options:')
    expect(r.stderr).toContain('  - venomqa.json: plugins[1].ports[1]: expected one of cache, mail, queue, storage, time, concurrency, got "redis"')
    expect(r.stderr).toContain('  - venomqa.json: plugins[1].maxWorkers: expected a whole number of 1 or more, got 0')
    expect(r.stderr).toContain(`  - --plugin csv?rows: expected 'journey' or 'step', got "cell"`)
    expect(r.stderr).toContain('  - --plugin csv?delimiter: expected one character, got ";;"')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('a YAML option that is one variable whole takes its number where the plugin\'s schema wants one, in a profile too', async () => {
    const p = await project({
      'venomqa.yaml': ['plugins:', '  - [memory, { maxWorkers: "${MAX_WORKERS}" }]', 'profiles:', '  ci:', '    plugins:', '      - [memory, { maxWorkers: "${CI_WORKERS:-3}" }]'].join('\n'),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'], { env: { MAX_WORKERS: '2' } })
    expect(r.code, r.stderr).toBe(0)
    expect((await p.venomqa(['run', '--profile', 'ci'], { env: { MAX_WORKERS: 'x' } })).code).toBe(0)
    const refused = await p.venomqa(['run'], { env: { MAX_WORKERS: '0' } })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('venomqa: venomqa.yaml: plugins[0].maxWorkers: expected a whole number of 1 or more, got 0')
  })

  it('doctor names the entry a problem is in when an earlier plugin did not load, and tells a wrong option once', async () => {
    const p = await project({ 'venomqa.json': JSON.stringify({ plugins: ['./nope.mjs', ['memory', { maxWorkers: 0 }]] }), 'journeys/noop.journey.mjs': JOURNEY })
    const r = await p.venomqa(['doctor'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('✗ plugin     venomqa.json: plugins[1].maxWorkers: expected a whole number of 1 or more, got 0\n')
    expect(r.stdout).not.toContain('plugins[0].maxWorkers')
    // Under the plugin it is in, not again under setup or the plugins' commands: two checks failed, the two plugins.
    expect(r.stdout.match(/maxWorkers/g)).toHaveLength(1)
    expect(r.stdout).toMatch(/doctor: 2 of \d+ checks failed/)
  })

  it('option problems of --plugin flags alone are told at the flags, with no config key under them', async () => {
    const p = await project({ 'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1' }), 'journeys/noop.journey.mjs': JOURNEY })
    const r = await p.venomqa(['run', '--plugin', 'csv?delimiter=;;'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe('venomqa: --plugin csv?delimiter: expected one character, got ";;"\n')
    const two = await p.venomqa(['plugins', '--plugin', 'csv?delimiter=;;&rows=cell'])
    expect(two.code, two.stderr).toBe(2)
    expect(two.stderr).toContain('venomqa: 2 problems with plugin options:')
    expect(two.stderr).not.toContain('at plugins')
  })

  it('doctor checks a plugin named again without options as run sets it up: with the options of its other entry', async () => {
    const p = await project({
      // A plugin with a required option, its schema a Standard Schema written by hand.
      'need-url.mjs': `export default {
  name: 'need-url', version: '1.0.0', apiVersion: 1,
  options: { '~standard': { version: 1, vendor: 'test', validate: (v) => (typeof v?.url === 'string' ? { value: v } : { issues: [{ message: 'expected a URL', path: ['url'] }] }) } },
}
`,
      'venomqa.json': JSON.stringify({ plugins: ['./need-url.mjs', ['./need-url.mjs', { url: 'http://127.0.0.1:1' }]] }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    expect((await p.venomqa(['run'])).code).toBe(0)
    const r = await p.venomqa(['doctor'])
    expect(r.stdout).not.toContain('plugins[0].url')
    expect(r.stdout).toContain('✓ plugin     need-url 1.0.0 (need-url.mjs)\n')
    expect(r.stdout).toContain('✓ setup      1 plugin set up: need-url\n')
    expect(r.code, r.stdout).toBe(0)
  })

  it('names the config file an option problem is in, in every command that loads plugins; a --plugin flag or VENOMQA_PLUGINS by itself', async () => {
    // Before, `plugins[1].url: expected ...` alone: every other mistake in the config names its file.
    const p = await project({
      ...HELLO,
      'venomqa.json': JSON.stringify({
        baseUrl: 'http://127.0.0.1:1',
        plugins: ['memory', ['@venomqa/adapter-redis', { url: 'http://x' }], ['postgres', { url: 'postgres://127.0.0.1:1/hc_none', pool: 5 }]],
        profiles: { ci: { plugins: [['@venomqa/adapter-redis', { url: 'http://ci' }]] } },
      }),
      'conf/other.yaml': 'plugins:\n  - [memory, { maxWorkers: 0 }]\n',
      'good.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1' }),
      'journeys/noop.journey.mjs': JOURNEY,
      'x.explore.mjs': `import { action, exploration } from '@venomqa/core'\nexport default exploration('x', { actions: [action('a', () => {})], depth: 1 })\n`,
      'out/results.json': '{"an earlier run": true}',
    })
    for (const name of ['adapter-redis', 'state-postgres']) await symlink(path.join(REPO_ROOT, 'packages', name), path.join(p.dir, 'node_modules/@venomqa', name), 'dir')
    const url = '  - venomqa.json: plugins[1].url: expected a redis:// or rediss:// URL, got "http://x"\n'
    const pool = '  - venomqa.json: plugins[2].pool: unknown option; known options: url, connectionString, schemas, tables, exclude, mechanism, name, adminDatabase, connectTimeoutMs, lockTimeoutMs\n'
    const both = `venomqa: 2 problems with plugin options:\n${url}${pool}`

    const run = await p.venomqa(['run', '--save', 'out/results.json'])
    expect(run.stderr).toBe(both)
    expect(run.code).toBe(2)
    // Nothing ran, and nothing is left that an earlier run wrote.
    expect(existsSync(path.join(p.dir, 'out/results.json'))).toBe(false)
    expect(existsSync(path.join(p.dir, '.venomqa/last-run.json'))).toBe(false)
    for (const args of [['plugins'], ['explore', '--no-emit'], ['hello']]) {
      const r = await p.venomqa(args)
      expect(r.stderr, args[0]).toBe(both)
      expect(r.code, args[0]).toBe(2)
    }
    // report and merge-reports set up only the plugins that add the reporters they render with: csv, given
    // with --plugin, declares it, and the config's plugins, which declare no reporter, are neither set up nor told of.
    expect((await p.venomqa(['run', '-c', 'good.json', '--save', 'saved.json'])).code).toBe(0)
    const report = await p.venomqa(['report', 'saved.json', '--reporter', 'csv:r.csv', '--plugin', 'csv'])
    expect([report.code, report.stderr]).toEqual([0, 'venomqa: csv report written to r.csv\n'])
    // merge-reports gets to what is wrong with its input (a run saved without --shard), not to the plugins.
    const merge = await p.venomqa(['merge-reports', 'saved.json', '--save', 'm.json', '--reporter', 'csv:m.csv', '--plugin', 'csv'])
    expect([merge.code, merge.stderr]).toEqual([2, 'venomqa: saved.json is not a shard: it was saved without --shard\n'])
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.stdout).toContain(`✗ plugin     ${url.slice(4)}`)
    expect(doctor.stdout).toContain(`✗ plugin     ${pool.slice(4)}`)
    expect(doctor.code).toBe(2)

    // A profile's list, and a config given with -c, by its path from where the command runs.
    const ci = await p.venomqa(['run', '--profile', 'ci'])
    expect(ci.stderr).toBe('venomqa: venomqa.json: profiles.ci.plugins[0].url: expected a redis:// or rediss:// URL, got "http://ci"\n')
    const other = await p.venomqa(['plugins', '-c', 'conf/other.yaml'])
    expect(other.stderr).toBe(`venomqa: ${path.join('conf', 'other.yaml')}: plugins[0].maxWorkers: expected a whole number of 1 or more, got 0\n`)
    expect(other.code).toBe(2)

    // What no file holds is named as it was given: the flag, the variable.
    const flags = await p.venomqa(['run', '-c', 'good.json', '--plugin', 'csv?delimiter=;;'], { env: { VENOMQA_PLUGINS: 'memory?maxWorkers=0' } })
    expect(flags.stderr).toBe('venomqa: 2 problems with plugin options:\n  - VENOMQA_PLUGINS[0].maxWorkers: expected a whole number of 1 or more, got 0\n  - --plugin csv?delimiter: expected one character, got ";;"\n')
    expect(flags.code).toBe(2)
  })

  it('refuses an old duration name, naming the new one', async () => {
    const p = await project({ 'venomqa.json': JSON.stringify({ plugins: [['http-control', { url: 'http://127.0.0.1:1', timeout: 5 }]] }), 'journeys/noop.journey.mjs': JOURNEY })
    const r = await p.venomqa(['run'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: venomqa.json: plugins[0].timeout: renamed to timeoutMs (milliseconds)')
  })
})

/** A third-party plugin package that adds `venomqa hello`. */
const HELLO = {
  'node_modules/venomqa-plugin-hello/package.json': JSON.stringify({ name: 'venomqa-plugin-hello', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['hello'] } }),
  'node_modules/venomqa-plugin-hello/index.mjs': `export default {
  name: 'venomqa-plugin-hello', version: '1.0.0', apiVersion: 1,
  setup() { throw new Error('a command must not set the plugin up') },
  commands(api) {
    api.addCommand('hello', {
      description: 'say hello',
      options: [{ flags: '--name <name>', description: 'who', default: 'world' }, { flags: '--debug', description: 'say more' }],
      run({ options, args, stdout }) {
        stdout.write('hello ' + options.name + ' (' + (api.options.greeting ?? '-') + ') ' + args.join(',') + (options.debug ? ' [debug]' : '') + '\\n')
        return 3
      },
    })
  },
}
`,
}

describe('commands from plugins', () => {
  it('runs a command of an installed plugin that is not configured, with its options, arguments and exit code', async () => {
    const p = await project(HELLO)
    const r = await p.venomqa(['hello', '--name', 'Ann', 'x', 'y'])
    expect(r.stdout).toBe('hello Ann (-) x,y\n')
    expect(r.code).toBe(3)
    expect((await p.venomqa(['hello', '--help'])).stdout).toContain('say hello (from venomqa-plugin-hello)')
    // --debug is the program's too: the command that declares it gets it, before or after its name.
    expect((await p.venomqa(['hello', '--debug'])).stdout).toBe('hello world (-)  [debug]\n')
    expect((await p.venomqa(['--debug', 'hello'])).stdout).toBe('hello world (-)  [debug]\n')
  })

  // Installed only, a plugin whose schema requires an option is given none by its command: the message
  // named the package and the key (`venomqa-plugin-files.dir: expected string, got nothing`), and nothing
  // said where the option goes.
  it('says where the options go when an installed plugin that is not configured needs one', async () => {
    const files = {
      'node_modules/venomqa-plugin-files/package.json': JSON.stringify({ name: 'venomqa-plugin-files', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['files:show'] } }),
      'node_modules/venomqa-plugin-files/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) => typeof v?.dir === 'string' ? { value: v } : { issues: [{ message: 'expected string', path: ['dir'] }] } } }
export default { name: 'venomqa-plugin-files', version: '1.0.0', apiVersion: 1, options,
  commands(api) { api.addCommand('files:show', { description: 'show', run({ stdout }) { stdout.write('files in ' + api.options.dir + '\\n') } }) } }
`,
    }
    const bare = await project({ ...files, 'venomqa.json': JSON.stringify({ plugins: [] }) })
    const r = await bare.venomqa(['files:show'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe(
      "venomqa: venomqa-plugin-files.dir: expected string, got nothing\nvenomqa-plugin-files is installed but not in the config, so `venomqa files:show` gave it no options: add it to the plugins of venomqa.json with the options it needs (['venomqa-plugin-files', { ... }])\n",
    )
    const none = await project(files)
    expect((await none.venomqa(['files:show'])).stderr).toContain('add it to the plugins of a config file (venomqa.config.ts; `venomqa init` writes one) with the options it needs')
    const configured = await project({ ...files, 'venomqa.json': JSON.stringify({ plugins: [['files', { dir: 'data' }]] }) })
    expect((await configured.venomqa(['files:show'])).stdout).toBe('files in data\n')
  })

  it('gives a configured plugin its checked options', async () => {
    const p = await project({ ...HELLO, 'venomqa.json': JSON.stringify({ plugins: [['hello', { greeting: 'hi' }]] }) })
    const r = await p.venomqa(['hello'])
    expect(r.stdout).toBe('hello world (hi) \n')
    expect(r.code).toBe(3)
  })

  it('reads the plugin and its options from the config -c or --profile names, as every command that reads the config does', async () => {
    const p = await project({
      ...HELLO,
      'venomqa.json': JSON.stringify({ plugins: [['hello', { greeting: 'hi' }]], profiles: { ci: { plugins: [['hello', { greeting: 'from ci' }]] } } }),
      'other.config.json': JSON.stringify({ plugins: [['hello', { greeting: 'from other' }]] }),
    })
    // Before, `unknown option '-c'` (exit 2): a command could only use the default config.
    for (const [args, said] of [
      [['hello', '-c', 'other.config.json'], 'hello world (from other) \n'],
      [['hello', '--config=other.config.json', 'x'], 'hello world (from other) x\n'],
      [['hello', '--profile', 'ci', '--name', 'Ann'], 'hello Ann (from ci) \n'],
      [['hello'], 'hello world (hi) \n'],
    ] as const) {
      const r = await p.venomqa([...args])
      expect(r.stderr, args.join(' ')).toBe('')
      expect(r.stdout, args.join(' ')).toBe(said)
      expect(r.code).toBe(3)
    }
    const missing = await p.venomqa(['hello', '-c', 'nope.config.json'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nope.config.json')
    // A word shaped like an option is no config file, as for every command that reads the config.
    for (const flag of ['-c', '--config']) {
      const taken = await p.venomqa(['hello', flag, '--nope'])
      expect(taken.stderr, flag).toBe('venomqa: --config needs a value, and got "--nope", which is an option: give --config its value, or leave it out\n')
      expect(taken.stdout).toBe('')
      expect(taken.code).toBe(2)
    }
  })

  it("refuses a command that declares -c, --config or --profile itself: they choose the config, for every plugin command", async () => {
    const p = await project({
      'node_modules/venomqa-plugin-own/package.json': JSON.stringify({ name: 'venomqa-plugin-own', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['own'] } }),
      'node_modules/venomqa-plugin-own/index.mjs': `export default {
  name: 'venomqa-plugin-own', version: '1.0.0', apiVersion: 1,
  commands(api) { api.addCommand('own', { description: 'own', options: [{ flags: '-c, --count <n>', description: 'how many' }], run() { return 0 } }) },
}
`,
    })
    const r = await p.venomqa(['own'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('addCommand("own"): the option "-c, --count <n>" takes a flag venomqa gives every plugin command')
  })

  it('gives a command the number a YAML variable holds where the plugin\'s schema wants a number, as run does', async () => {
    const counter = {
      'node_modules/venomqa-plugin-count/package.json': JSON.stringify({ name: 'venomqa-plugin-count', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['count'] } }),
      'node_modules/venomqa-plugin-count/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) =>
  typeof v?.times === 'number' ? { value: v } : { issues: [{ message: 'expected a number, got ' + JSON.stringify(v?.times), path: ['times'] }] } } }
export default {
  name: 'venomqa-plugin-count', version: '1.0.0', apiVersion: 1, options,
  commands(api) {
    api.addCommand('count', { description: 'count', run({ stdout }) { stdout.write(typeof api.options.times + ' ' + 'x'.repeat(api.options.times) + '\\n'); return 0 } })
  },
}
`,
      'venomqa.yaml': 'plugins:\n  - [count, { times: "${TIMES}" }]\n',
    }
    const p = await project(counter)
    // Before, the command's options kept the string "3", and the plugin's schema refused it.
    const r = await p.venomqa(['count'], { env: { TIMES: '3' } })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('number xxx\n')
    expect(r.code).toBe(0)
    const refused = await p.venomqa(['count'], { env: { TIMES: 'many' } })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('plugins[0].times: expected a number, got "many"')
  })

  it("a command resolves its own plugin's entry only: a variable another entry reads may be unset; one its own entry reads may not", async () => {
    // `venomqa hello` stopped on `plugins[0][1].url: environment variable DATABASE_URL is not set` (exit 2),
    // the variable of an entry the command never uses; `venomqa list` tolerated it.
    const p = await project({
      ...HELLO,
      'node_modules/venomqa-plugin-db/package.json': JSON.stringify({ name: 'venomqa-plugin-db', version: '1.0.0', type: 'module', main: 'index.mjs' }),
      // A URL it requires: the unset variable leaves its options refused by its schema.
      'node_modules/venomqa-plugin-db/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) =>
  /^postgres:/.test(v?.url ?? '') ? { value: v } : { issues: [{ message: 'expected a postgres:// URL', path: ['url'] }] } } }
export default { name: 'venomqa-plugin-db', version: '1.0.0', apiVersion: 1, options, setup() {} }
`,
      'venomqa.json': JSON.stringify({ baseUrl: '${API_URL}', plugins: [['db', { url: '${DATABASE_URL}' }], ['hello', { greeting: '${GREETING}' }]] }),
    })
    const r = await p.venomqa(['hello'], { env: { GREETING: 'hi' } })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('hello world (hi) \n')
    expect(r.code).toBe(3)
    // Its own entry's variable is still told (and only that one): the command would run without it.
    const own = await p.venomqa(['hello'])
    expect(own.code).toBe(2)
    expect(own.stderr).toBe('venomqa: venomqa.json: plugins[1][1].greeting: environment variable GREETING is not set (set it, or give a default: ${GREETING:-value})\n')
    // Another problem of another entry is still one: only what an unset variable left empty is set aside.
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ plugins: [['db', { url: 'mysql://x' }], ['hello', { greeting: 'hi' }]] }))
    const wrong = await p.venomqa(['hello'])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('plugins[0].url: expected a postgres:// URL')
  })

  it("an entry set aside for an unset variable still tells its other mistakes: a warning when the command is another plugin's, in the error when it is the entry's own", async () => {
    // The second mistake (`pool`) was told only once DATABASE_URL was set, by a command that had run without a word before.
    const p = await project({
      ...HELLO,
      'node_modules/venomqa-plugin-db/package.json': JSON.stringify({ name: 'venomqa-plugin-db', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['db-shell'] } }),
      // A URL it requires, and no other key.
      'node_modules/venomqa-plugin-db/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) => {
  const issues = Object.keys(v ?? {}).filter((k) => k !== 'url').map((k) => ({ message: 'not an option of db', path: [k] }))
  if (!/^postgres:/.test(v?.url ?? '')) issues.push({ message: 'expected a postgres:// URL', path: ['url'] })
  return issues.length ? { issues } : { value: v }
} } }
export default { name: 'venomqa-plugin-db', version: '1.0.0', apiVersion: 1, options, setup() {},
  commands(api) { api.addCommand('db-shell', { description: 'a shell', run() { return 0 } }) } }
`,
      // By its package's name: the one that declares db-shell.
      'venomqa.json': JSON.stringify({ plugins: [['venomqa-plugin-db', { url: '${DATABASE_URL}', pool: 5 }], ['hello', { greeting: 'hi' }]] }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const unset = 'plugins[0][1].url: environment variable DATABASE_URL is not set (set it, or give a default: ${DATABASE_URL:-value})'
    // Another plugin's command runs, and the entry's other mistake is told at once.
    const other = await p.venomqa(['hello'], { env: { DATABASE_URL: undefined } })
    expect(other.stdout).toBe('hello world (hi) \n')
    expect(other.stderr).toBe('venomqa: warning: plugins[0] is set aside, since a variable it reads is unset (DATABASE_URL), and has another mistake, which a command that needs it will refuse: plugins[0].pool: not an option of db\n')
    expect(other.code).toBe(3)
    // Its own command: refused with the variable and the other mistake, all at once.
    const own = await p.venomqa(['db-shell'], { env: { DATABASE_URL: undefined } })
    expect(own.code).toBe(2)
    expect(own.stderr).toBe(`venomqa: venomqa.json has 2 problems:\n  - ${unset}\n  - plugins[0].pool: not an option of db\n`)
    // A command that sets every plugin up: the same, in its config error (it told the variable alone).
    for (const command of ['run', 'plugins']) {
      const all = await p.venomqa([command], { env: { DATABASE_URL: undefined } })
      expect(all.code, command).toBe(2)
      expect(all.stderr, command).toBe(`venomqa: venomqa.json has 2 problems:\n  - ${unset}\n  - plugins[0].pool: not an option of db\n`)
    }
    const doctor = await p.venomqa(['doctor'], { env: { DATABASE_URL: undefined } })
    expect(doctor.stdout).toContain(`✗ config     venomqa.json has 2 problems:`)
    expect(doctor.stdout).toContain('plugins[0].pool: not an option of db')
    // With the variable set, the same mistake, as told before.
    const set = await p.venomqa(['db-shell'], { env: { DATABASE_URL: 'postgres://db' } })
    expect(set.code).toBe(2)
    expect(set.stderr).toContain('plugins[0].pool: not an option of db')
    // An entry whose only mistake is the unset variable: set aside without a word, as before.
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ plugins: [['venomqa-plugin-db', { url: '${DATABASE_URL}' }], ['hello', { greeting: 'hi' }]] }))
    const clean = await p.venomqa(['hello'], { env: { DATABASE_URL: undefined } })
    expect([clean.stderr, clean.code]).toEqual(['', 3])
    expect((await p.venomqa(['db-shell'], { env: { DATABASE_URL: undefined } })).stderr).toBe(`venomqa: venomqa.json: ${unset}\n`)
    expect((await p.venomqa(['run'], { env: { DATABASE_URL: undefined } })).stderr).toBe(`venomqa: venomqa.json: ${unset}\n`)
  })

  /** A package that declares `db-shell`, whose default export is a factory that needs a postgres:// URL. */
  const DB_FACTORY = {
    'node_modules/venomqa-plugin-db/package.json': JSON.stringify({ name: 'venomqa-plugin-db', version: '1.0.0', type: 'module', main: 'index.mjs', keywords: ['venomqa-plugin'], venomqa: { commands: ['db-shell'] } }),
    'node_modules/venomqa-plugin-db/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) =>
  /^postgres:/.test(v?.url ?? '') ? { value: v } : { issues: [{ message: 'expected a postgres:// URL', path: ['url'] }] } } }
export default (given) => {
  if (given?.url === undefined) throw new Error('venomqa-plugin-db was made without its options')
  return { name: 'venomqa-plugin-db', version: '1.0.0', apiVersion: 1, options, setup() {},
    commands(api) { api.addCommand('db-shell', { description: 'a shell', run({ stdout }) { stdout.write('shell on ' + api.options.url + '\\n'); return 0 } }) } }
}
`,
    'node_modules/venomqa-plugin-cache/package.json': JSON.stringify({ name: 'venomqa-plugin-cache', version: '1.0.0', type: 'module', main: 'index.mjs' }),
    'node_modules/venomqa-plugin-cache/index.mjs': `const options = { '~standard': { version: 1, vendor: 'test', validate: (v) =>
  /^redis:/.test(v?.url ?? '') ? { value: v } : { issues: [{ message: 'expected a redis:// URL', path: ['url'] }] } } }
export default { name: 'venomqa-plugin-cache', version: '1.0.0', apiVersion: 1, options, setup() {} }
`,
  }

  it("runs the command of a plugin configured by its short name from that entry, with its options, never a second copy made without them", async () => {
    // The package declaring `db-shell` was not matched to the entry `db`, and was loaded again beside it,
    // without options: its factory threw, and the command never ran.
    const p = await project({ ...DB_FACTORY, 'venomqa.json': JSON.stringify({ plugins: [['cache', { url: 'redis://localhost' }], ['db', { url: 'postgres://db/app' }]] }) })
    const r = await p.venomqa(['db-shell'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('shell on postgres://db/app\n')
    expect(r.code).toBe(0)
  })

  it('names the config file and the real place of the entry whose variable is unset, entries set aside before it or not', async () => {
    // Before, the entry `db` was set aside, and the copy of its package loaded without options answered,
    // named by its place among the entries kept: `venomqa: plugins[0].url: expected a postgres:// URL`.
    const unset = 'plugins[1][1].url: environment variable DATABASE_URL is not set (set it, or give a default: ${DATABASE_URL:-value})'
    for (const cache of ['redis://localhost', '${REDIS_URL}']) {
      const p = await project({ ...DB_FACTORY, 'venomqa.json': JSON.stringify({ plugins: [['cache', { url: cache }], ['db', { url: '${DATABASE_URL}' }]] }) })
      const r = await p.venomqa(['db-shell'], { env: { DATABASE_URL: undefined, REDIS_URL: undefined } })
      expect(r.stderr, cache).toBe(`venomqa: venomqa.json: ${unset}\n`)
      expect(r.code).toBe(2)
    }
    // An installed package that declares the command, kept beside an entry set aside, is named as itself,
    // not by a place in the config's list that is another entry's.
    const p = await project({ ...DB_FACTORY, 'venomqa.json': JSON.stringify({ plugins: [['cache', { url: '${REDIS_URL}' }]] }) })
    const r = await p.venomqa(['db-shell'], { env: { REDIS_URL: undefined } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa-plugin-db was made without its options')
    expect(r.stderr).not.toContain('plugins[0]')
  })

  it('a misspelt command is the unknown command it is, with an entry set aside for an unset variable: which is said beside it', async () => {
    // Before: `venomqa lst` said `venomqa.json: plugins[0][1].url: environment variable DATABASE_URL is not set`,
    // blaming the variable for a command no package declares, and never suggested `list`.
    const p = await project({ ...DB_FACTORY, 'venomqa.json': JSON.stringify({ plugins: [['db', { url: '${DATABASE_URL}' }]] }) })
    const r = await p.venomqa(['lst'], { env: { DATABASE_URL: undefined } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'lst'")
    expect(r.stderr).toContain('(Did you mean list?)')
    expect(r.stderr).toContain('venomqa: warning: venomqa.json: plugins[0] is not loaded, since a variable it reads is unset (DATABASE_URL): a command it adds is known once it is set')
  })

  it("a plugin's command named like one of venomqa's own is refused, never silently shadowed; doctor names it", async () => {
    const shadowing = {
      'node_modules/venomqa-plugin-shadow/package.json': JSON.stringify({ name: 'venomqa-plugin-shadow', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['greet'] } }),
      'node_modules/venomqa-plugin-shadow/index.mjs': `export default {
  name: 'venomqa-plugin-shadow', version: '1.0.0', apiVersion: 1,
  setup() {},
  commands(api) {
    api.addCommand('greet', { description: 'greet', run() { return 0 } })
    api.addCommand('list', { description: 'list what the plugin knows', run() { return 0 } })
  },
}
`,
      'venomqa.json': JSON.stringify({ plugins: ['shadow'] }),
      'journeys/noop.journey.mjs': JOURNEY,
    }
    const p = await project(shadowing)
    const expected = 'plugin "venomqa-plugin-shadow" adds a command named "list", which venomqa has built in: `venomqa list` never reaches the plugin\'s; the plugin must give its command another name'
    const greet = await p.venomqa(['greet'])
    expect(greet.code).toBe(2)
    expect(greet.stderr).toContain(expected)
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.stdout).toContain(`✗ commands   ${expected}`)
    // As for `venomqa greet`: the plugin's commands cannot be made, exit 2.
    expect(doctor.code).toBe(2)
    // Built-in commands still run as they are: the plugin's `list` is only ever looked at by name.
    expect((await p.venomqa(['list'])).code).toBe(0)
  })

  it('doctor lists the commands plugins add', async () => {
    const p = await project({ ...HELLO, 'venomqa.json': JSON.stringify({ plugins: ['hello'] }), 'journeys/noop.journey.mjs': JOURNEY })
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.stdout).toContain('✓ commands   from plugins: venomqa hello')
  })

  it('a name no command and no plugin has is still an unknown command (exit 2)', async () => {
    const p = await project(HELLO)
    const r = await p.venomqa(['helo'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'helo'")
  })
})
