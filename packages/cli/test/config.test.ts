import { ConfigError, knownSecrets } from '@venomqa/core'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, validateConfig } from '../src/config/load'
import { interpolate } from '../src/config/interpolate'
import { deepMerge } from '../src/config/merge'
import { tempDir } from './helpers/tmp'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})
async function project(files: Record<string, string>) {
  const t = await tempDir(files)
  cleanups.push(t.remove)
  return t.dir
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

async function asyncErrorOf(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('config validation', () => {
  it('names the key path, what was expected and what was given, one line per problem', () => {
    const err = errorOf(() =>
      validateConfig(
        { baseUrl: 'localhost:3000', retries: 'three', timeout: -5, plugins: [42], reporters: [{ name: 'junit', file: 'x' }], headers: { 'x-a': 1 } },
        'venomqa.yaml',
      ),
    )
    expect(err.where).toBe('venomqa.yaml')
    const lines = err.message.split('\n')
    expect(lines[0]).toBe('venomqa.yaml has 6 problems:')
    expect(err.message).toContain('- baseUrl: expected an http(s) URL such as http://localhost:3000, got "localhost:3000"')
    expect(err.message).toContain('- retries: expected a whole number from 0 to 100, got "three"')
    expect(err.message).toContain('- timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -5')
    expect(err.message).toContain('- plugins[0]: expected a plugin name, a path, a [name, options] pair, or a plugin object, got 42')
    expect(err.message).toContain('- reporters[0].file: unknown key; known keys: name, output, options')
    expect(err.message).toContain('- headers.x-a: expected a string, got 1')
  })

  it('refuses a timeout longer than a Node timer keeps, which fired at once and failed every step', () => {
    for (const key of ['timeout', 'journeyTimeout', 'pluginTimeout'])
      expect(errorOf(() => validateConfig({ [key]: 2_147_483_648 }, 'venomqa.yaml')).message).toBe(
        `venomqa.yaml: ${key}: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648`,
      )
    expect(() => validateConfig({ timeout: 2_147_483_647 }, 'venomqa.yaml')).not.toThrow()
  })

  it('refuses a base URL the runner could not use, as the runner would, before anything runs', () => {
    // Each of these passed a looser check here and then crashed the run ("runner crashed", exit 1).
    for (const baseUrl of ['http://a b', 'http://exa%20mple.com', 'http://a_b.com:99999', 'ftp://example.com'])
      expect(errorOf(() => validateConfig({ baseUrl }, 'venomqa.yaml')).message).toBe(`venomqa.yaml: baseUrl: expected an http(s) URL such as http://localhost:3000, got ${JSON.stringify(baseUrl)}`)
    // A query keeps its own message, which says why.
    expect(errorOf(() => validateConfig({ baseUrl: 'http://example.com/api?v=2' }, 'venomqa.yaml')).message).toContain(
      'venomqa.yaml: baseUrl: expected a URL with no query (?...) or fragment (#...)',
    )
    for (const baseUrl of ['http://localhost:3000', 'https://user@example.com/api/', 'http://[::1]:8080'])
      expect(() => validateConfig({ baseUrl }, 'venomqa.yaml')).not.toThrow()
  })

  it('suggests the key the user meant for an unknown one, also inside a profile', () => {
    const err = errorOf(() => validateConfig({ baseURL: 'http://x', profiles: { ci: { retires: 1 } } }, 'venomqa.json'))
    expect(err.message).toContain('baseURL: unknown key (did you mean "baseUrl"?)')
    expect(err.message).toContain('profiles.ci.retires: unknown key (did you mean "retries"?)')
  })

  it('and inside nested keys, a form of a union included', () => {
    const err = errorOf(() => validateConfig({ openapi: { inclde: ['x'], auth: { sigUp: 'signUp', login: 'logIn' } }, profiles: { ci: { openapi: { exclde: [] } } } }, 'venomqa.json'))
    expect(err.message).toContain('openapi.inclde: unknown key (did you mean "include"?); known keys: include, exclude, auth')
    expect(err.message).toContain('openapi.auth.sigUp: unknown key (did you mean "signUp"?)')
    expect(err.message).toContain('profiles.ci.openapi.exclde: unknown key (did you mean "exclude"?)')
  })

  it('a nested key with a shape of its own says what it expects, not zod\'s "Invalid input"', () => {
    for (const auth of [{}, 'a string'])
      expect(errorOf(() => validateConfig({ openapi: { auth } }, 'c.json')).message).toContain('openapi.auth: expected { bearer } or { login, signUp?, credentials?, token? }, got')
    // `auth` names a secret, as a body key does: a string under it may be the token itself, an object is told by its shape.
    expect(errorOf(() => validateConfig({ openapi: { auth: 'tok-AuthLeak1' } }, 'c.json')).message).toMatch(/openapi\.auth: expected .*, got a hidden value$/)
    expect(errorOf(() => validateConfig({ openapi: { auth: {} } }, 'c.json')).message).toMatch(/openapi\.auth: expected .*, got an object$/)
  })

  it('a value with the shape of one form of a union is told what is wrong inside it, secrets hidden', () => {
    // `bearer: process.env.TOKEN` with TOKEN unset: the key that is missing its value, not the whole union.
    const messages = [{ bearer: undefined }, { bearer: 12345 }, { login: 'logIn', credentials: 'x' }].map((auth) => errorOf(() => validateConfig({ openapi: { auth } }, 'c.json')).message)
    expect(messages).toEqual(['c.json: openapi.auth.bearer: expected a string, got nothing', 'c.json: openapi.auth.bearer: expected a string, got a hidden value', expect.stringMatching(/^c\.json: openapi\.auth\.credentials: expected .+, got a hidden value$/)])
    expect(errorOf(() => validateConfig({ openapi: { auth: { login: 'logIn', token: 'token' } } }, 'c.json')).message).toBe(
      'c.json: openapi.auth.token: expected a string starting with "/", got a hidden value',
    )
  })

  it('hides values of secret-looking keys in messages', () => {
    const err = errorOf(() => validateConfig({ headers: { authorization: 12345 } }, 'c.json'))
    expect(err.message).toContain('headers.authorization: expected a string, got a hidden value')
    expect(err.message).not.toContain('12345')
  })

  it('accepts every documented key', () => {
    const config = validateConfig(
      {
        $schema: './node_modules/@venomqa/cli/schema/venomqa.schema.json',
        baseUrl: 'http://localhost:3000',
        journeys: ['journeys/**/*.journey.ts', '!journeys/wip/**'],
        plugins: ['redis', ['postgres', { url: 'postgres://x' }], './plugins/a.ts', { name: 'inline', version: '1.0.0', apiVersion: 1 }],
        reporters: ['console', 'junit:out.xml', { name: 'markdown', output: 'r.md', options: {} }, ['csv', { rows: 'step' }]],
        headers: { 'x-tenant': 'a' },
        timeout: 1000,
        journeyTimeout: 60000,
        retries: 2,
        failFast: true,
        save: 'results.json',
        parallelPaths: 2,
        workers: 2,
        redactKeys: ['x-tenant'],
        http: { timeout: 5000, retry: { retries: 1, baseDelayMs: 0, maxDelayMs: 500, statuses: [429, 503] }, cacheGets: true, connections: 4 },
        profiles: { ci: { retries: 0, http: { retry: false } } },
      },
      'c.json',
    )
    expect(config.workers).toBe(2)
  })

  it('http: each key checked as createRunner checks it, named at its path, in a profile too', () => {
    const err = errorOf(() =>
      validateConfig(
        {
          http: { timeout: 2.5, retry: { retries: -1, baseDelayMs: 'fast', statuses: [503, 999] }, cacheGets: 'yes', connections: 0, redactKeys: ['x'] },
          profiles: { ci: { http: { timeout: 2_147_483_648, retry: true } } },
        },
        'venomqa.yaml',
      ),
    )
    expect(err.message.split('\n').slice(1).sort()).toEqual(
      [
        '  - http.timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5',
        '  - http.retry.retries: expected a whole number from 0 to 100, got -1',
        '  - http.retry.baseDelayMs: expected 0 or a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "fast"',
        '  - http.retry.statuses[1]: expected an HTTP status, a whole number from 100 to 599, got 999',
        '  - http.cacheGets: expected true or false, got "yes"',
        '  - http.connections: expected a whole number of at least 1, got 0',
        '  - http.redactKeys: unknown key; known keys: timeout, retry, cacheGets, connections',
        '  - profiles.ci.http.timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648',
        '  - profiles.ci.http.retry: expected false (no retries) or a policy { retries?, baseDelayMs?, maxDelayMs?, statuses? }, got true',
      ].sort(),
    )
  })

  it('returns the config as written: a workerSetup or a plugin made from a class keeps its methods', () => {
    class Setup {
      async create() {
        return { baseUrl: 'http://w' }
      }
    }
    class AuditPlugin {
      name = 'audit'
      version = '1.0.0'
      apiVersion = 1
      setup() {}
    }
    const workerSetup = new Setup()
    const plugin = new AuditPlugin()
    const config = validateConfig({ workerSetup, plugins: [plugin] }, 'venomqa.config.ts')
    expect(config.workerSetup).toBe(workerSetup)
    expect(config.plugins![0]).toBe(plugin)
    expect(errorOf(() => validateConfig({ workerSetup: 'postgres' }, 'venomqa.yaml')).message).toBe(
      'venomqa.yaml: workerSetup: expected an object with a create(index) function (only in a venomqa.config.ts or .js), got "postgres"',
    )
  })

  it('a config that is not an object says so', () => {
    expect(errorOf(() => validateConfig(['a'], 'venomqa.yaml')).message).toBe('venomqa.yaml: expected an object of config keys at the top level, got a list')
  })
})

describe('interpolation', () => {
  const env = { API: 'http://api', EMPTY: '' }
  it('replaces ${VAR} and ${VAR:-default} in every string, and keeps $${VAR} literal', () => {
    expect(
      interpolate({ a: '${API}/v1', b: ['${MISSING:-fallback}', '${EMPTY:-dflt}'], c: { d: 'x $${API} y' }, n: 3 }, env, 'f'),
    ).toEqual({ a: 'http://api/v1', b: ['fallback', 'dflt'], c: { d: 'x ${API} y' }, n: 3 })
  })
  it('an unset variable without a default is an error naming the key and the variable', () => {
    const err = errorOf(() => interpolate({ plugins: [['pg', { url: '${DB_URL}' }]] }, env, 'venomqa.yaml'))
    expect(err.message).toBe('plugins[0][1].url: environment variable DB_URL is not set (set it, or give a default: ${DB_URL:-value})')
    expect(err.where).toBe('venomqa.yaml')
  })
  it('a ${ that is no variable is an error naming the key, not text sent as written; $${ keeps it text', () => {
    const how = 'write ${NAME} or ${NAME:-default} (a name of letters, digits and _, not starting with a digit), or $${ for the text ${'
    const cases: [string, string][] = [
      ['${UNCLOSED', `a "\${" with no closing "}": ${how}`],
      ['http://${}/x', `an empty "\${}": ${how}`],
      ['${API:http://x}', `"\${API:http://x}" is not a variable: ${how}`],
      ['${1ST}', `"\${1ST}" is not a variable: ${how}`],
      ['${A-B}', `"\${A-B}" is not a variable: ${how}`],
    ]
    for (const [text, problem] of cases) expect(errorOf(() => interpolate({ headers: { 'x-a': text } }, env, 'f')).message).toBe(`headers.x-a: ${problem}`)
    // Under a key that names a secret the text is not quoted.
    expect(errorOf(() => interpolate({ headers: { authorization: 'Bearer ${tok3n-VALUE}' } }, env, 'f')).message).toBe(`headers.authorization: a "\${...}" is not a variable: ${how}`)
    expect(interpolate({ a: '$${UNCLOSED', b: '$${API} ${API}', c: '$ {API}', d: 'costs $5 {x}' }, env, 'f')).toEqual({
      a: '$${UNCLOSED',
      b: '${API} http://api',
      c: '$ {API}',
      d: 'costs $5 {x}',
    })
  })
  it('a malformed ${ is told with the other problems, in a profile not selected too, and by a command that only renders', async () => {
    const dir = await project({ 'venomqa.yaml': 'baseUrl: "${API_URL"\nretries: x\nprofiles:\n  staging:\n    baseUrl: ${STAGING_URL}\n    headers: { x-a: "${}" }\n' })
    const err = await asyncErrorOf(loadConfig({ cwd: dir, env: {} }))
    expect(err.message.split('\n')).toEqual([
      'venomqa.yaml has 3 problems:',
      expect.stringMatching(/^ {2}- baseUrl: a "\$\{" with no closing "\}"/),
      expect.stringMatching(/^ {2}- profiles\.staging\.headers\.x-a: an empty "\$\{\}"/),
      '  - retries: expected a whole number from 0 to 100, got "x"',
    ])
    const rendering = await asyncErrorOf(loadConfig({ cwd: dir, env: {}, deferPluginVariables: true }))
    expect(rendering.message).toContain('baseUrl: a "${" with no closing "}"')
  })
  it("an unset variable in openapi stops only explore --openapi, which reads it: other commands leave the key out", async () => {
    const dir = await project({
      'venomqa.yaml': 'baseUrl: http://api\nopenapi:\n  auth: { login: logIn, credentials: { password: "${BANK_PASSWORD}" } }\nprofiles:\n  ci:\n    openapi: { auth: { bearer: "${CI_TOKEN}" } }\n',
    })
    const run = await loadConfig({ cwd: dir, env: {} })
    expect(run.openapi).toBeUndefined()
    expect(run.baseUrl).toBe('http://api')
    expect((await loadConfig({ cwd: dir, env: {}, profile: 'ci' })).openapi).toBeUndefined()
    const explore = await asyncErrorOf(loadConfig({ cwd: dir, env: {}, readsOpenapi: true }))
    expect(explore.message).toContain('openapi.auth.credentials.password: environment variable BANK_PASSWORD is not set')
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: { BANK_PASSWORD: 'x' }, profile: 'ci', readsOpenapi: true }))).message).toContain('CI_TOKEN is not set')
    // Set, it is read as ever.
    expect((await loadConfig({ cwd: dir, env: { BANK_PASSWORD: 'pw' }, readsOpenapi: true })).openapi?.auth).toEqual({ login: 'logIn', credentials: { password: 'pw' } })
  })
  it('leaves plugin objects (class instances, functions) alone', () => {
    class P {
      name = '${API}'
    }
    const p = new P()
    expect((interpolate({ plugins: [p] }, env, 'f') as { plugins: unknown[] }).plugins[0]).toBe(p)
  })
})

describe('numbers and booleans from variables', () => {
  it('a key whose whole value is one variable takes its number or boolean where the schema refuses the string', async () => {
    const dir = await project({
      'venomqa.yaml': [
        'retries: ${RETRIES}',
        'workers: ${WORKERS:-2}',
        'failFast: ${FAIL_FAST}',
        'headers:',
        '  x-build: ${BUILD}',
        '  x-mixed: "v${BUILD}"',
        'profiles:',
        '  ci:',
        '    pluginTimeout: ${PLUGIN_MS}',
        'plugins:',
        '  - [memory, { maxWorkers: "${MAX_WORKERS}", name: "${MAX_WORKERS}" }]',
      ].join('\n'),
    })
    const env = { RETRIES: '3', FAIL_FAST: 'true', BUILD: '42', PLUGIN_MS: '1500', MAX_WORKERS: '4' }
    const config = await loadConfig({ cwd: dir, env, profile: 'ci' })
    expect(config).toMatchObject({ retries: 3, workers: 2, failFast: true, pluginTimeout: 1500 })
    // A header is a string: the schema takes "42" as it is, and so it stays.
    expect(config.headers).toEqual({ 'x-build': '42', 'x-mixed': 'v42' })
    // Plugin options are the plugin schema's to refuse: kept as strings here, with their typed values by entry.
    expect(config.plugins).toEqual([['memory', { maxWorkers: '4', name: '4' }]])
    expect(config.pluginTypedVariables).toEqual({ 'plugins[0]': [{ path: ['maxWorkers'], value: 4 }, { path: ['name'], value: 4 }] })
  })

  it('a value that reads as no number is still told as the string it is', async () => {
    const dir = await project({ 'venomqa.yaml': 'retries: ${RETRIES}\n' })
    const message = (await asyncErrorOf(loadConfig({ cwd: dir, env: { RETRIES: 'three' } }))).message
    expect(message).toBe('venomqa.yaml: retries: expected a whole number from 0 to 100, got "three"')
    // Refused as a number too, it is told as the number it reads as, the range being what is wrong.
    const range = (await asyncErrorOf(loadConfig({ cwd: dir, env: { RETRIES: '500' } }))).message
    expect(range).toBe('venomqa.yaml: retries: expected a whole number from 0 to 100, got 500')
  })
})

describe('secrets from variables', () => {
  it('a value from a variable whose name is secret is told as "the value of $NAME" in config errors, never shown', async () => {
    const dir = await project({ 'venomqa.yaml': 'baseUrl: ${API_TOKEN}\nretries: ${DB_PASSWORD}\nheaders:\n  x-api: "k=${API_SECRET}"\n  x-b: 12\n' })
    const env = { API_TOKEN: 'TOKEN-VALUE-7f3a9c', DB_PASSWORD: 'PASSWORD-VALUE-2b8d1e', API_SECRET: 'SECRET-VALUE-5c1e7a' }
    const message = (await asyncErrorOf(loadConfig({ cwd: dir, env }))).message
    expect(message).toContain('- baseUrl: expected an http(s) URL such as http://localhost:3000, got the value of $API_TOKEN')
    expect(message).toContain('- retries: expected a whole number from 0 to 100, got the value of $DB_PASSWORD')
    for (const value of Object.values(env)) expect(message).not.toContain(value)
  })

  it('remembers those values as known secrets, so that every output of the run masks them; other variables are not', async () => {
    const dir = await project({ 'venomqa.yaml': 'baseUrl: ${API_URL}\nheaders:\n  X-Api: ${API_SECRET}\n  X-Colour: ${COLOUR}\n' })
    await loadConfig({ cwd: dir, env: { API_URL: 'http://api.test', API_SECRET: 'HEADER-SECRET-9d4f2b', COLOUR: 'COLOUR-VALUE-1a2b3c' } })
    expect(knownSecrets.has('HEADER-SECRET-9d4f2b')).toBe(true)
    expect(knownSecrets.has('COLOUR-VALUE-1a2b3c')).toBe(false)
  })
})

describe('profiles', () => {
  it("a profile's openapi.auth replaces the base's whole: { bearer } and { login, credentials } are two ways to log in, not one", async () => {
    const dir = await project({
      'venomqa.yaml': 'openapi:\n  auth:\n    bearer: dev-static-token\nprofiles:\n  ci:\n    openapi:\n      auth:\n        login: login\n        credentials: { email: a@b.c, password: pw123456 }\n',
    })
    const config = await loadConfig({ cwd: dir, env: {}, profile: 'ci' })
    expect(config.openapi?.auth).toEqual({ login: 'login', credentials: { email: 'a@b.c', password: 'pw123456' } })
  })

  it("a profile's plugins are named where the profile wrote them, for option errors", async () => {
    const dir = await project({ 'venomqa.yaml': 'plugins: [csv]\nprofiles:\n  ci:\n    plugins: [csv, [redis, { db: 2 }]]\n' })
    const config = await loadConfig({ cwd: dir, env: { VENOMQA_PLUGINS: 'x' }, profile: 'ci', extraPlugins: ['y'] })
    expect(config.pluginWhere).toEqual(['profiles.ci.plugins[0]', 'profiles.ci.plugins[1]', 'VENOMQA_PLUGINS[0]', '--plugin y?'])
    expect((await loadConfig({ cwd: dir, env: {} })).pluginWhere).toEqual(['plugins[0]'])
  })

  it("an unset variable in a profile not selected is no error: only the selected profile's variables are needed", async () => {
    const dir = await project({
      'venomqa.yaml': 'baseUrl: http://base\nprofiles:\n  staging:\n    baseUrl: ${STAGING_URL}\n    reporters: ["${STAGING_REPORTER}"]\n  ci:\n    retries: 1\n',
    })
    expect((await loadConfig({ cwd: dir, env: {} })).baseUrl).toBe('http://base')
    expect((await loadConfig({ cwd: dir, env: {}, profile: 'ci' })).retries).toBe(1)
    const err = await asyncErrorOf(loadConfig({ cwd: dir, env: {}, profile: 'staging' }))
    expect(err.message).toContain('profiles.staging.baseUrl: environment variable STAGING_URL is not set')
    expect(err.message).toContain('profiles.staging.reporters[0]: environment variable STAGING_REPORTER is not set')
    expect((await loadConfig({ cwd: dir, env: { STAGING_URL: 'http://staging', STAGING_REPORTER: 'junit' }, profile: 'staging' })).baseUrl).toBe('http://staging')
  })

  it('a profile not selected is still checked: a wrong key there is told', async () => {
    const dir = await project({ 'venomqa.yaml': 'profiles:\n  staging:\n    baseUrl: ${STAGING_URL}\n    retires: 1\n' })
    const err = await asyncErrorOf(loadConfig({ cwd: dir, env: {} }))
    expect(err.message).toMatch(/^venomqa\.yaml: profiles\.staging\.retires: unknown key \(did you mean "retries"\?\)/)
    expect(err.message).not.toContain('STAGING_URL')
  })

  it('a profile is one the config defines: constructor, __proto__ or toString is none, and a near name is suggested', async () => {
    const dir = await project({ 'venomqa.yaml': 'profiles:\n  ci: {}\n  staging: {}\n' })
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const err = await asyncErrorOf(loadConfig({ cwd: dir, env: {}, profile: name }))
      expect(err.message).toBe(`profile "${name}" is not defined in venomqa.yaml (profiles: ci, staging)`)
      expect(err.where).toBe('--profile')
    }
    const viaEnv = await asyncErrorOf(loadConfig({ cwd: dir, env: { VENOMQA_PROFILE: 'stagng' } }))
    expect(viaEnv.message).toBe('profile "stagng" is not defined in venomqa.yaml; did you mean "staging"? (profiles: ci, staging)')
    expect(viaEnv.where).toBe('VENOMQA_PROFILE')
    const none = await asyncErrorOf(loadConfig({ cwd: await project({ 'venomqa.yaml': 'retries: 1\n' }), env: {}, profile: 'constructor' }))
    expect(none.message).toBe('profile "constructor" is not defined in venomqa.yaml (it has no profiles)')
  })
})

describe('list variables', () => {
  it('VENOMQA_JOURNEYS is split on commas outside braces only', async () => {
    const dir = await project({})
    const config = await loadConfig({ cwd: dir, env: { VENOMQA_JOURNEYS: 'journeys/**/*.journey.{ts,mts}, smoke/*.{a,b{c,d}}.ts' } })
    expect(config.journeys).toEqual(['journeys/**/*.journey.{ts,mts}', 'smoke/*.{a,b{c,d}}.ts'])
  })
})

describe('deepMerge', () => {
  it('merges objects key by key and replaces lists', () => {
    expect(deepMerge({ headers: { a: '1', b: '2' }, reporters: ['console'], retries: 1 }, { headers: { b: '3' }, reporters: ['junit'] })).toEqual({
      headers: { a: '1', b: '3' },
      reporters: ['junit'],
      retries: 1,
    })
  })
})

describe('loadConfig', () => {
  it('reads a TS config with defineConfig, applies the profile, env overrides and flags in that order', async () => {
    const dir = await project({
      'venomqa.config.ts': `
        import type { VenomConfig } from '../does-not-matter'
        const config: VenomConfig = {
          baseUrl: '\${API_URL:-http://localhost:3000}',
          headers: { 'x-a': '1' },
          retries: 1,
          profiles: { ci: { retries: 3, headers: { 'x-b': '2' }, failFast: true } },
        }
        export default config
      `,
    })
    const config = await loadConfig({
      cwd: dir,
      profile: 'ci',
      env: { VENOMQA_TIMEOUT: '2500', VENOMQA_RETRIES: '4', VENOMQA_REPORTERS: 'console, junit:out.xml', VENOMQA_PLUGINS: 'csv,redis?prefix=app:&db=2' },
      flags: { retries: 5 },
      extraPlugins: ['./p.ts'],
    })
    expect(config).toMatchObject({
      root: dir,
      profile: 'ci',
      baseUrl: 'http://localhost:3000',
      headers: { 'x-a': '1', 'x-b': '2' },
      failFast: true,
      timeout: 2500,
      retries: 5,
      reporters: ['console', 'junit:out.xml'],
      // A list replaces the one before it whole: both entries are the environment's.
      reporterWhere: ['VENOMQA_REPORTERS[0]', 'VENOMQA_REPORTERS[1]'],
      // VENOMQA_PLUGINS takes options as --plugin does.
      plugins: ['csv', ['redis', { prefix: 'app:', db: 2 }], './p.ts'],
      journeys: ['journeys/**/*.journey.{ts,js,mts,mjs}'],
    })
    expect(config.file).toMatch(/venomqa\.config\.ts$/)
  })

  it('http merges key by key: the profile over the file, VENOMQA_HTTP_TIMEOUT over both, the flag over all', async () => {
    const dir = await project({
      'venomqa.json': JSON.stringify({ http: { timeout: 1000, retry: false, connections: 2 }, profiles: { ci: { http: { timeout: 2000, cacheGets: true } } } }),
    })
    expect((await loadConfig({ cwd: dir })).http).toEqual({ timeout: 1000, retry: false, connections: 2 })
    expect((await loadConfig({ cwd: dir, profile: 'ci' })).http).toEqual({ timeout: 2000, retry: false, connections: 2, cacheGets: true })
    expect((await loadConfig({ cwd: dir, profile: 'ci', env: { VENOMQA_HTTP_TIMEOUT: '3000' } })).http).toEqual({ timeout: 3000, retry: false, connections: 2, cacheGets: true })
    const flagged = await loadConfig({ cwd: dir, profile: 'ci', env: { VENOMQA_HTTP_TIMEOUT: '3000' }, flags: { http: { timeout: 4000 } } })
    expect(flagged.http).toEqual({ timeout: 4000, retry: false, connections: 2, cacheGets: true })
    // With no file at all, the variable alone makes the key.
    expect((await loadConfig({ cwd: await project({}), env: { VENOMQA_HTTP_TIMEOUT: '3000' } })).http).toEqual({ timeout: 3000 })
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: { VENOMQA_HTTP_TIMEOUT: '1.5' } }))).message).toBe(
      'VENOMQA_HTTP_TIMEOUT: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "1.5"',
    )
  })

  it('reads YAML with VENOMQA_PROFILE, and JSON; the first config file found wins', async () => {
    const dir = await project({
      'venomqa.yaml': 'baseUrl: http://yaml\nprofiles:\n  staging:\n    baseUrl: http://staging\n',
      'venomqa.json': '{"baseUrl": "http://json"}',
    })
    expect((await loadConfig({ cwd: dir, env: {} })).baseUrl).toBe('http://yaml')
    expect((await loadConfig({ cwd: dir, env: { VENOMQA_PROFILE: 'staging' } })).baseUrl).toBe('http://staging')
    expect((await loadConfig({ cwd: dir, env: {}, configPath: 'venomqa.json' })).baseUrl).toBe('http://json')
  })

  it('works without a config file: the directory is the root, defaults apply', async () => {
    const dir = await project({})
    const config = await loadConfig({ cwd: dir, env: { VENOMQA_BASE_URL: 'http://env' } })
    expect(config).toMatchObject({ root: dir, baseUrl: 'http://env', plugins: [], reporters: [] })
    expect(config.file).toBeUndefined()
  })

  it("names every wrong VENOMQA_* variable at once, with the config file's own problems", async () => {
    const env = { VENOMQA_FAIL_FAST: 'maybe', VENOMQA_WORKERS: '0', VENOMQA_TIMEOUT: '-5', VENOMQA_RETRIES: 'abc' }
    const alone = await asyncErrorOf(loadConfig({ cwd: await project({}), env }))
    expect(alone.message).toMatch(/^4 problems:\n {2}- VENOMQA_TIMEOUT: .*\n {2}- VENOMQA_RETRIES: .*\n {2}- VENOMQA_FAIL_FAST: .*\n {2}- VENOMQA_WORKERS: /)
    const withFile = await asyncErrorOf(loadConfig({ cwd: await project({ 'venomqa.json': '{"retrys": 1}' }), env: { VENOMQA_RETRIES: 'abc' } }))
    expect(withFile.message).toMatch(/^2 problems:\n {2}- venomqa\.json: .*retrys.*\n {2}- VENOMQA_RETRIES: expected/)
    // A file of several problems: each is one line of the count, naming the file.
    const many = await asyncErrorOf(loadConfig({ cwd: await project({ 'venomqa.json': '{"retrys": 1, "timout": 2}' }), env: { VENOMQA_RETRIES: 'abc' } }))
    expect(many.message).toMatch(/^3 problems:\n {2}- venomqa\.json: .*retrys.*\n {2}- venomqa\.json: .*timout.*\n {2}- VENOMQA_RETRIES: expected/)
    // One wrong variable reads as it always did.
    const one = await asyncErrorOf(loadConfig({ cwd: await project({}), env: { VENOMQA_RETRIES: 'abc' } }))
    expect(one.message).toMatch(/^VENOMQA_RETRIES: expected .*, got "abc"$/)
  })

  it('an unknown profile lists the known ones', async () => {
    const dir = await project({ 'venomqa.yaml': 'profiles:\n  ci: {}\n  local: {}\n' })
    const err = await asyncErrorOf(loadConfig({ cwd: dir, env: {}, profile: 'prod' }))
    expect(err.message).toBe('profile "prod" is not defined in venomqa.yaml (profiles: ci, local)')
    expect(err.where).toBe('--profile')
  })

  it('a bad environment override names the variable', async () => {
    const dir = await project({})
    const err = await asyncErrorOf(loadConfig({ cwd: dir, env: { VENOMQA_FAIL_FAST: 'maybe' } }))
    expect(err.message).toBe('VENOMQA_FAIL_FAST: expected true or false, got "maybe"')
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: { VENOMQA_RETRIES: '-1' } }))).message).toBe(
      'VENOMQA_RETRIES: expected a whole number from 0 to 100, got "-1"',
    )
  })

  it('a YAML config may share keys with merge keys (<<: *anchor)', async () => {
    const dir = await project({
      'venomqa.yaml': [
        'profiles:',
        '  base: &common',
        '    retries: 2',
        '    headers: { x-a: "1" }',
        '  ci:',
        '    <<: *common',
        '    timeout: 5000',
        '  local:',
        '    <<: [*common]',
        '    retries: 0',
      ].join('\n'),
    })
    expect(await loadConfig({ cwd: dir, env: {}, profile: 'ci' })).toMatchObject({ retries: 2, headers: { 'x-a': '1' }, timeout: 5000 })
    expect(await loadConfig({ cwd: dir, env: {}, profile: 'local' })).toMatchObject({ retries: 0, headers: { 'x-a': '1' } })
  })

  it('a YAML config that does not parse is named with its line and column, and its text is not shown: a secret may stand on that line', async () => {
    const dir = await project({ 'venomqa.yaml': 'baseUrl: http://x\nplugins:\n  - [postgres, { url: postgres://app:s3cr3t@db/app, password: hunter2 pool: 3 }]\n' })
    const message = (await asyncErrorOf(loadConfig({ cwd: dir, env: {} }))).message
    expect(message).toBe('venomqa.yaml:3:63 is not valid YAML: Block collections are not allowed within flow collections')
    // Nor the source some of yaml's messages end with; nor a crash for an alias with no anchor.
    const header = await project({ 'venomqa.yaml': 'baseUrl: http://x\nheaders:\n  x-password: |hunter2\n' })
    expect((await asyncErrorOf(loadConfig({ cwd: header, env: {} }))).message).toBe('venomqa.yaml:3:16 is not valid YAML: Block scalar header includes extra characters')
    const alias = await project({ 'venomqa.yaml': 'baseUrl: *nowhere\n' })
    expect((await asyncErrorOf(loadConfig({ cwd: alias, env: {} }))).message).toMatch(/^venomqa\.yaml(:\d+:\d+)? is not valid YAML: Unresolved alias/)
  })

  it('broken YAML, broken JSON, a TS config that throws and a missing --config are clear errors', async () => {
    const dir = await project({
      'venomqa.yaml': 'baseUrl: [unclosed\n',
      'bad.json': '{"baseUrl": ',
      'throws.config.ts': 'throw new Error("config exploded")\nexport default {}',
    })
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: {} }))).message).toMatch(/^venomqa\.yaml:2:1 is not valid YAML: [^\n]+$/)
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: {}, configPath: 'bad.json' }))).message).toMatch(/^bad\.json:1:13 is not valid JSON: Unexpected end of JSON input$/)
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: {}, configPath: 'throws.config.ts' }))).message).toBe(
      'could not load throws.config.ts:1:7: config exploded',
    )
    expect((await asyncErrorOf(loadConfig({ cwd: dir, env: {}, configPath: 'nope.ts' }))).where).toBe('--config')
  })

  it('a TS config that exports nothing (its default export forgotten) is refused, not read as an empty config', async () => {
    const dir = await project({ 'venomqa.config.ts': "const config = { baseUrl: 'http://api.test', plugins: ['does-not-exist'] }\nvoid config\n" })
    const error = await asyncErrorOf(loadConfig({ cwd: dir, env: {} }))
    expect(error.message).toBe('venomqa.config.ts exports nothing: write `export default defineConfig({ ... })` (or `export default { ... }`)')
    expect(error.where).toBe('venomqa.config.ts')
  })
})
