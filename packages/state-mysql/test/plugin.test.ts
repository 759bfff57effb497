import { ConfigError, PLUGIN_API_VERSION, type PluginApi, type StateBackend, definePlugin, parseOptions } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import plugin, { MysqlSavepointBackend, MysqlSnapshotBackend, type MysqlStateOptions, maskUrl, mysqlState, mysqlStateOptions, mysqlWorkers } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, freshDatabase, privateObjects, urlFor } from './helpers'

/** What setup() registered, through a PluginApi that records the calls. */
async function setup(options: unknown) {
  const backends: StateBackend[] = []
  const checks = new Map<string, () => Promise<boolean>>()
  const closers: (() => void | Promise<void>)[] = []
  const api = {
    options,
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addStateBackend: (b: StateBackend) => backends.push(b),
    addHealthCheck: (name: string, fn: () => Promise<boolean>) => checks.set(name, fn),
    addReporter() {},
    addPort() {},
    addHook() {},
    onClose: (fn: () => void | Promise<void>) => closers.push(fn),
  } as unknown as PluginApi<MysqlStateOptions>
  await plugin.setup!(api)
  return { backends, checks, closers }
}

const describe = await describeWithService('MariaDB', HOST, PORT)

describe('the plugin', () => {
  it('is a plugin of the current API version that registers a snapshot backend and a health check', async () => {
    expect(plugin).toMatchObject({ name: '@venomqa/state-mysql', apiVersion: PLUGIN_API_VERSION })
    const { backends, checks } = await setup({ url: urlFor('test') })
    expect(backends).toHaveLength(1)
    expect(backends[0]).toBeInstanceOf(MysqlSnapshotBackend)
    expect(backends[0]).toMatchObject({ name: 'mysql', mechanism: 'snapshot', parallelSafe: false })
    expect(await checks.get('mysql')!()).toBe(true)
  })

  it('registers a savepoint backend under its own name when asked', async () => {
    const { backends, checks } = await setup({ url: urlFor('test'), mechanism: 'savepoint', name: 'orders-db' })
    expect(backends[0]).toBeInstanceOf(MysqlSavepointBackend)
    expect(backends[0]).toMatchObject({ name: 'orders-db', mechanism: 'savepoint' })
    expect([...checks.keys()]).toEqual(['orders-db'])
  })

  it('rejects bad options in one ConfigError that names every key as plugins[N].key, secrets masked', async () => {
    const first = definePlugin({ name: 'first', version: '1.0.0', apiVersion: 1 })
    const runner = createRunner({
      plugins: [first, [plugin, { url: 'postgres://u:secret@h/db', mechanism: 'template', tables: 'users', exlude: ['users'], lockWaitTimeoutMs: '10' }]],
    })
    const error = await runner.init().catch((e) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message.split('\n')).toEqual([
      '5 problems with plugin options:',
      '  - plugins[1].url: expected a mysql:// or mariadb:// URL, got "postgres://u:***@h/db"',
      '  - plugins[1].tables: expected a list of table names, got "users"',
      '  - plugins[1].mechanism: expected "snapshot" or "savepoint", got "template"',
      '  - plugins[1].lockWaitTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "10"',
      '  - plugins[1].exlude: unknown option (did you mean "exclude"?)',
    ])
    expect(error.message).not.toContain('secret')
    await runner.close()
    // A fraction, or more than a timer keeps (it would fire at once), was taken.
    for (const lockWaitTimeoutMs of [2.5, 2_147_483_648])
      expect(() => parseOptions(mysqlStateOptions, { url: 'mysql://u@h/db', lockWaitTimeoutMs }, 'plugins[0]')).toThrow(
        `plugins[0].lockWaitTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got ${lockWaitTimeoutMs}`,
      )
  })

  it('a URL without a database is a config mistake at plugins[N].url (exit 2), not an unexpected error', async () => {
    const runner = createRunner({ plugins: [[plugin, { url: 'mysql://root:MyPw-secret@127.0.0.1:3306/' }]] })
    const error = await runner.init().catch((e) => e)
    await runner.close()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toBe('plugins[0].url: no database named: put it in the url (mysql://root:***@127.0.0.1:3306/<database>) or give the "database" option')
    expect(error.message).not.toContain('MyPw-secret')
    // The `database` option names it instead.
    expect(parseOptions(mysqlStateOptions, { url: 'mysql://root@127.0.0.1:3306/', database: 'app' }, 'plugins[0]')).toMatchObject({ database: 'app' })
  })

  it('a table that the database does not have, in `tables` or `exclude`, is a config mistake at its key (exit 2), naming the tables there are', async () => {
    const db = dbName('plugin_tables')
    await freshDatabase(db)
    try {
      for (const mechanism of ['snapshot', 'savepoint'] as const)
        for (const [option, names, where] of [
          ['tables', ['todos', 'todoz'], 'plugins[1].tables[1]'],
          ['exclude', ['nothing_like_it'], 'plugins[1].exclude[0]'],
        ] as const) {
          const first = definePlugin({ name: 'first', version: '1.0.0', apiVersion: 1 })
          const runner = createRunner({ plugins: [first, [plugin, { url: urlFor(db), mechanism, [option]: names }]] })
          const error = await runner.run([]).catch((e) => e)
          await runner.close()
          const near = option === 'tables' ? 'did you mean "todos"? ' : ''
          expect(error, `${mechanism} ${option}`).toBeInstanceOf(ConfigError)
          expect(error.message).toBe(`state backend "mysql": "${names.at(-1)}" in \`${option}\` is not a table of database "${db}" (${near}its tables: comments, tags, todos, users)`)
          expect(error.where).toBe(where)
        }
      expect(await privateObjects(db)).toEqual([])
    } finally {
      await dropDatabase(db)
    }
  })

  it('a password with an unencoded "#", "/" or "?", or a "%" that starts no escape, is refused at plugins[N].url, no piece of it shown', async () => {
    const UNENCODED = 'reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'
    for (const [url, problem] of [
      // Read as written: the host `ss` and "no database named", though one is.
      [`mysql://u:p@ss#LEAK1@${HOST}/db`, UNENCODED],
      [`mysql://u:p#LEAK2@${HOST}:${PORT}/db`, UNENCODED],
      [`mariadb://u:p?LEAK3@${HOST}/db`, UNENCODED],
      [`mysql://u:p@ss/LEAK4@${HOST}/db`, UNENCODED],
      // Read as written: "URI malformed", from the decoding of the password.
      [`mysql://u:50%LEAK5@${HOST}/db`, 'has a "%" in its user name or password that starts no %XX escape: write it as %25'],
    ]) {
      const runner = createRunner({ plugins: [[plugin, { url }]] })
      const error = await runner.init().catch((e) => e)
      await runner.close()
      expect(error, url).toBeInstanceOf(ConfigError)
      expect(error.message, url).toBe(`plugins[0].url: ${problem}`)
      expect(() => mysqlState({ url }), url).toThrow(`mysqlState().url: ${problem}`)
      // The main database of mysqlWorkers too, which no schema checks.
      expect(() => mysqlWorkers({ url }), url).toThrow(`mysqlWorkers: \`url\`: ${problem}`)
    }
  })

  it('a password percent-encoded as the refusal says is read whole: the user logs in with it', async () => {
    const user = `venomqa_my_pw_${process.pid}`
    const conn = await admin()
    try {
      await conn.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'p@ss#w/rd?1'`)
      const url = (password: string) => `mysql://${user}:${password}@${HOST}:${PORT}/information_schema`
      // The savepoint mechanism's health check only logs in: the snapshot one's also asks for privileges this user lacks.
      const { checks } = await setup({ url: url(encodeURIComponent('p@ss#w/rd?1')), mechanism: 'savepoint' })
      expect(await checks.get('mysql')!()).toBe(true)
      // The password counts: a wrong one is refused by the server.
      const wrong = await setup({ url: url('p%40ss'), mechanism: 'savepoint' })
      expect(await wrong.checks.get('mysql')!()).toMatch(/access denied for user "venomqa_my_pw_\d+"/)
    } finally {
      await conn.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await conn.end()
    }
  })

  it('refuses the old seconds-based lockWaitTimeout, naming the new option', async () => {
    const runner = createRunner({ plugins: [{ plugin, options: { url: urlFor('x'), lockWaitTimeout: 10 }, where: '--plugin mysql?' }] })
    const error = await runner.init().catch((e) => e)
    expect(error.message).toBe('--plugin mysql?lockWaitTimeout: renamed to lockWaitTimeoutMs, in milliseconds (it was seconds: 10 is now 10000)')
    expect(() => mysqlState({ url: urlFor('x'), lockWaitTimeout: 10 } as never)).toThrow('mysqlState().lockWaitTimeout: renamed to lockWaitTimeoutMs')
  })

  it('registers a close hook that disconnects the backend, harmless beside the runner\'s own disconnect', async () => {
    const db = dbName('plugin_close')
    await freshDatabase(db)
    try {
      for (const mechanism of ['snapshot', 'savepoint'] as const) {
        const { backends, closers } = await setup({ url: urlFor(db), mechanism })
        expect(closers).toHaveLength(1)
        await closers[0]!() // never connected: nothing to do
        const backend = backends[0]!
        await backend.connect()
        await backend.checkpoint('cp')
        // A run that ends before the runner disconnects: the close hook does it.
        await closers[0]!()
        expect(await privateObjects(db), mechanism).toEqual([])
        await expect(backend.checkpoint('again')).rejects.toThrow(/not connected/)
        // Both at once (the runner's disconnect abandoned at its timeout, then the hook): one disconnect, no error.
        await backend.connect()
        await Promise.all([backend.disconnect(), closers[0]!(), backend.disconnect()])
        expect(await privateObjects(db), mechanism).toEqual([])
      }
    } finally {
      await dropDatabase(db)
    }
  })

  it('mysqlState() builds the backend for programmatic use', () => {
    expect(mysqlState({ url: urlFor('x') })).toBeInstanceOf(MysqlSnapshotBackend)
    expect(mysqlState({ url: urlFor('x'), mechanism: 'savepoint' }).mechanism).toBe('savepoint')
    // What a quit run says each leaves until the next run connects.
    expect(mysqlState({ url: urlFor('x'), mechanism: 'savepoint' }).leftWhenQuit).toBe(false)
    expect(mysqlState({ url: urlFor('x') }).leftWhenQuit).toBe("keeps its tracking in the database (tables named _venomqa_*, and the app's own triggers under such names)")
  })
})

it('maskUrl() hides the password, even one with @ or / in it', () => {
  expect(maskUrl('mysql://root:pw@db:3306/app')).toBe('mysql://root:***@db:3306/app')
  expect(maskUrl('mysql://root:p@ss/w0rd@db:3306/app')).toBe('mysql://root:***@db:3306/app')
  expect(maskUrl('mysql://root@db:3306/app')).toBe('mysql://root@db:3306/app')
  expect(maskUrl('mariadb://:secret@db/app')).toBe('mariadb://:***@db/app')
  // An @ in the query is not the password's end: the host is shown.
  expect(maskUrl('mysql://root:pw@db:3306/app?comment=a@b')).toBe('mysql://root:***@db:3306/app?comment=a@b')
})
