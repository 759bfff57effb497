import { describe, expect, it } from 'vitest'
import { ConfigError, type StandardSchemaV1, checkOptions, formatOptionIssues, optionPath, parseOptions, refuseRenamed } from '../src/index'
import { describeValue } from '../src/options'

/** A Standard Schema written by hand: core must work with any library, not only zod. */
function schema(issues: StandardSchemaV1.Issue[]): StandardSchemaV1<unknown, { ok: true }> {
  return { '~standard': { version: 1, vendor: 'test', validate: () => (issues.length ? { issues } : { value: { ok: true } }) } }
}

describe('plugin option issues', () => {
  it('quote a long value masked whole, then cut: a password past the cut is still masked', () => {
    const url = 'postgress://venomqa_app:LongPassword-LEAK5-0123456789abcdefXYZ@db.internal.example.com:5432/app'
    const shown = describeValue(url)
    expect(shown).not.toContain('LongPassword')
    expect(shown).toBe('"postgress://venomqa_app:***@db.internal.example.com:5432/app"')
    expect(describeValue(`https://h.test/${'x'.repeat(80)}`)).toMatch(/^"https:\/\/h\.test\/x{42}\.\.\."$/)
  })

  it('name each key under where, as the user would point at it', () => {
    expect(optionPath('plugins[1]', ['tls', 'ca'])).toBe('plugins[1].tls.ca')
    expect(optionPath('plugins[0]', ['ports', 2, { key: 'x y' }])).toBe('plugins[0].ports[2]["x y"]')
    expect(optionPath('--plugin mysql?', ['url'])).toBe('--plugin mysql?url')
    expect(optionPath('--plugin mysql?', [])).toBe('--plugin mysql')
  })

  it('cut library phrasing to the expectation, add what was written (URL passwords masked), expand unknown keys', () => {
    const input = { a: 'x', url: 'mysql://root:hunter2@db/app', lockWaitTimeout: 10 }
    const lines = formatOptionIssues(
      [
        { message: 'Invalid input: expected number, received string', path: ['a'] },
        { message: 'expected a postgres:// URL', path: ['url'] },
        { message: 'renamed to lockWaitTimeoutMs (milliseconds)', path: ['lockWaitTimeout'] },
        { message: 'Unrecognized keys: "b", "c"', path: [], code: 'unrecognized_keys', keys: ['b', 'c'] } as StandardSchemaV1.Issue,
      ],
      input,
      'plugins[1]',
    )
    expect(lines).toEqual([
      'plugins[1].a: expected number, got "x"',
      'plugins[1].url: expected a postgres:// URL, got "mysql://root:***@db/app"',
      'plugins[1].lockWaitTimeout: renamed to lockWaitTimeoutMs (milliseconds)',
      'plugins[1].b: unknown option',
      'plugins[1].c: unknown option',
    ])
  })

  it("an unknown key gets the one it was meant to be, from an object schema's shape (through optional), at any depth", () => {
    // The definitions zod 4 keeps on a schema, as schemaKeysAt reads them: an object's shape, an optional's inner type.
    const def = (d: Record<string, unknown>) => ({ _zod: { def: d } })
    const tls = def({ type: 'optional', innerType: def({ type: 'object', shape: { ca: {}, cert: {} } }) })
    const shaped = { ...schema([]), ...def({ type: 'object', shape: { url: {}, tls } }) }
    const issues = [
      { message: 'Unrecognized key: "urll"', path: [], code: 'unrecognized_keys', keys: ['urll', 'zzz'] },
      { message: 'Unrecognized key: "cerr"', path: ['tls'], code: 'unrecognized_keys', keys: ['cerr'] },
    ] as unknown as StandardSchemaV1.Issue[]
    expect(formatOptionIssues(issues, {}, 'plugins[0]', shaped)).toEqual([
      'plugins[0].urll: unknown option (did you mean "url"?)',
      // None near: the options it takes, where the schema says.
      'plugins[0].zzz: unknown option; known options: url, tls',
      'plugins[0].tls.cerr: unknown option (did you mean "cert"?)',
    ])
    // A schema of another library, without a shape: no suggestion, the same line.
    expect(formatOptionIssues(issues.slice(0, 1), {}, 'plugins[0]', schema([]))).toEqual(['plugins[0].urll: unknown option', 'plugins[0].zzz: unknown option'])
  })

  it('a union the value has the shape of one form of: that form\'s problems at their keys; else the union\'s own message', () => {
    const union = (errors: StandardSchemaV1.Issue[][]) => ({ message: 'expected true, false or an object with prefix, wholeDb', path: ['state'], code: 'invalid_union', errors }) as StandardSchemaV1.Issue
    // `state: { wholeDb: 'yes' }`: the boolean form fails at the value itself, the object form below it.
    const shaped = union([[{ message: 'Invalid input: expected boolean, received object', path: [] }], [{ message: 'Invalid input: expected boolean, received string', path: ['wholeDb'] }]])
    expect(formatOptionIssues([shaped], { state: { wholeDb: 'yes' } }, 'plugins[1]')).toEqual(['plugins[1].state.wholeDb: expected boolean, got "yes"'])
    // `state: 'yes'`: no form has its shape.
    const neither = union([[{ message: 'Invalid input: expected boolean', path: [] }], [{ message: 'Invalid input: expected object', path: [] }]])
    expect(formatOptionIssues([neither], { state: 'yes' }, 'plugins[1]')).toEqual(['plugins[1].state: expected true, false or an object with prefix, wholeDb, got "yes"'])
  })

  it('never quotes the value of a secret-named option, however short', () => {
    const lines = formatOptionIssues(
      [
        { message: 'expected at least 20 characters', path: ['password'] },
        { message: 'expected a string', path: ['auth', 'apiKey'] },
        { message: 'expected a string', path: ['user'] },
      ],
      { password: 'pw1', auth: { apiKey: 12345 }, user: 7 },
      'plugins[0]',
    )
    expect(lines).toEqual(['plugins[0].password: expected at least 20 characters, got a hidden value', 'plugins[0].auth.apiKey: expected a string, got a hidden value', 'plugins[0].user: expected a string, got 7'])
    // `auth` is a secret key as it is in a body: a string under it is hidden, an object is told by its shape, which hides nothing.
    const auth = (value: unknown) => formatOptionIssues([{ message: 'expected { username, password } or { bearer }', path: ['auth'] }], { auth: value }, 'plugins[0]')
    expect(auth('ada:AuthPw-1')).toEqual(['plugins[0].auth: expected { username, password } or { bearer }, got a hidden value'])
    expect(auth({ user: 'ada' })).toEqual(['plugins[0].auth: expected { username, password } or { bearer }, got an object'])
    expect(auth(['ada', 'pw'])).toEqual(['plugins[0].auth: expected { username, password } or { bearer }, got a list of 2'])
  })

  it('parseOptions throws one ConfigError listing every problem; checkOptions returns them', async () => {
    const bad = schema([
      { message: 'expected a string', path: ['x'] },
      { message: 'expected a number', path: ['y'] },
    ])
    expect(() => parseOptions(bad, { x: 1 }, 'plugins[0]')).toThrow(ConfigError)
    expect(() => parseOptions(bad, { x: 1 }, 'plugins[0]')).toThrow('2 problems with plugin options:\n  - plugins[0].x: expected a string, got 1\n  - plugins[0].y: expected a number, got nothing')
    expect(await checkOptions(bad, {}, 'p')).toEqual({ ok: false, problems: ['p.x: expected a string, got nothing', 'p.y: expected a number, got nothing'] })
    expect(await checkOptions(schema([]), {}, 'p')).toEqual({ ok: true, value: { ok: true } })
  })

  it('refuseRenamed names the new option and ignores unset old ones', () => {
    expect(() => refuseRenamed({ timeout: 5 }, { timeout: 'timeoutMs' }, 'mail.waitForEmail()')).toThrow('mail.waitForEmail(): "timeout" is now "timeoutMs" (milliseconds)')
    expect(() => refuseRenamed({ timeout: undefined, timeoutMs: 5 }, { timeout: 'timeoutMs' }, 'x')).not.toThrow()
  })
})
