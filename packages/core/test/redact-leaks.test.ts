import { afterEach, describe, expect, it } from 'vitest'
import {
  AssertionFailed,
  REDACTED,
  type RunResult,
  assertEqual,
  assertStatus,
  escapeControlChars,
  isSecretHeader,
  isSecretKey,
  isSecretQueryName,
  knownSecrets,
  looksLikeSecret,
  redactBody,
  redactCredentials,
  redactHeaders,
  redactRun,
  redactText,
  redactValue,
  secretsOfBodyText,
  secretsOfUrl,
} from '../src'
import { finishes } from './hang-guard'

afterEach(() => knownSecrets.clear())

function failureOf(fn: () => void): AssertionFailed {
  try {
    fn()
  } catch (err) {
    if (err instanceof AssertionFailed) return err
    throw err
  }
  throw new Error('expected an assertion failure')
}

describe('assertion messages mask values, keep labels', () => {
  it('a label that names a secret hides both values, not the word "expected"', () => {
    const err = failureOf(() => assertEqual('tok-real-7f3a9c', 'x', 'token'))
    expect(err.message).toBe(`token: expected ${REDACTED}, got ${REDACTED}`)
    expect(err.actual).toBe(REDACTED)
    expect(err.expected).toBe(REDACTED)
    // A path to a secret field is a secret label too.
    expect(failureOf(() => assertEqual('tok-real-7f3a9c', 'x', "res.json().data['refresh_token']")).message).not.toContain('tok-real-7f3a9c')
  })

  it('a value seen in a secret place is masked under an innocent label', () => {
    knownSecrets.addLater(() => ['sess-9d8e7f6a5b'])
    const err = failureOf(() => assertEqual('sess-9d8e7f6a5b', 'other', 'data'))
    expect(err.message).toBe(`data: expected "other", got ${REDACTED}`)
    // Inside a longer string and nested in an object too.
    expect(failureOf(() => assertEqual({ note: 'id sess-9d8e7f6a5b' }, {}, 'body')).message).not.toContain('sess-9d8e7f6a5b')
  })

  it('secret fields nested in compared objects are masked by key, whatever their type', () => {
    const err = failureOf(() => assertEqual({ user: 'ada', token: 918273645, refresh_token: ['r1-abcdef'], apiKey: { value: 'k-123456' } }, {}, 'body'))
    expect(err.message).toContain('"user":"ada"')
    for (const leak of ['918273645', 'r1-abcdef', 'k-123456']) expect(err.message).not.toContain(leak)
  })

  it('assertStatus masks the body by key before cutting it, and the URL', () => {
    const body = JSON.stringify({ padding: 'p'.repeat(150), refresh_token: ['rt-1234567'], token: 55554444 })
    const err = failureOf(() => assertStatus({ status: 401, method: 'GET', url: 'http://ada:pw-secret@api.test/x?api-key=k-998877', bodyText: body }, 200))
    for (const leak of ['rt-1234567', '55554444', 'pw-secret', 'k-998877']) expect(err.message).not.toContain(leak)
    expect(err.message).toContain('api.test/x')
  })
})

describe('redaction of places that were side doors', () => {
  it('non-string values of secret-named fields, but not counts about them', () => {
    expect(redactBody({ token: 12345678, refresh_token: ['a', 'b'], apiKey: { value: 'v' }, tokenCount: 3, password_set: true })).toEqual({
      token: REDACTED,
      refresh_token: REDACTED,
      apiKey: REDACTED,
      tokenCount: 3,
      password_set: true,
    })
  })

  it('a list, a number or an object under a plural of password is masked, and its values are remembered', () => {
    const body = { passwords: ['pw-list-8c1f2e', 'pw-list-3b7d9a'], old_passphrases: [{ v: 'phrase-obj-5e2c7b' }], passcodes: 48213579, passwordHistory: 3 }
    expect(redactBody(body)).toEqual({ passwords: REDACTED, old_passphrases: REDACTED, passcodes: REDACTED, passwordHistory: 3 })
    expect(secretsOfBodyText(JSON.stringify(body))).toEqual(expect.arrayContaining(['pw-list-8c1f2e', 'pw-list-3b7d9a', 'phrase-obj-5e2c7b', '48213579']))
  })

  it('a known secret is masked as a query, a form body and a URL path encode it, under names that say nothing', () => {
    const secret = "Enc Pass!w0rd(7)~x@y:z"
    knownSecrets.add([secret])
    const url = new URL('http://api.test/users')
    url.pathname = `/users/${secret}`
    url.searchParams.set('answer', secret)
    const form = new URLSearchParams({ answer: secret }).toString()
    expect(url.href).not.toContain(encodeURIComponent(secret))
    expect(redactText(url.href)).toBe(`http://api.test/users/${REDACTED}?answer=${REDACTED}`)
    expect(redactText(form)).toBe(`answer=${REDACTED}`)
    expect(redactBody(form)).toBe(`answer=${REDACTED}`)
  })

  it('credentials and secret query parameters in URLs', () => {
    expect(redactText('GET http://user:pass@host.test/a')).toBe('GET http://user:***@host.test/a')
    expect(redactText('https://0a1b2c3d4e5f60718293a4b5c6d7e8f9@git.test/r.git')).toBe(`https://${REDACTED}@git.test/r.git`)
    expect(redactText('/x?api_key=a1&api-key=a2&access_token=a3&X-Amz-Security-Token=a4&key=a5&page=2')).toBe(
      `/x?api_key=${REDACTED}&api-key=${REDACTED}&access_token=${REDACTED}&X-Amz-Security-Token=${REDACTED}&key=${REDACTED}&page=2`,
    )
    // A session in a query is the session itself; a body key named so is data (see isSessionToken).
    expect(redactText('/dashboard?session=s3ss10n-tok&page=2')).toBe(`/dashboard?session=${REDACTED}&page=2`)
    expect(redactText('/x?page=2&Session=abc')).toBe(`/x?page=2&Session=${REDACTED}`)
    expect(redactText('{"session":"morning"}')).toBe('{"session":"morning"}')
    // An email in a path is not a credential, after a port either.
    expect(redactText('http://host.test/users/ada@example.test')).toBe('http://host.test/users/ada@example.test')
    expect(redactText('GET http://localhost:3000/users/ada@example.test')).toBe('GET http://localhost:3000/users/ada@example.test')
    expect(redactText('https://u:p@host.test/x?email=a@b.test')).toBe('https://u:***@host.test/x?email=a@b.test')
    // With credentials, an @ in the path may be the password's: the mask runs to it (a secret is never shown).
    expect(redactText('https://u:p@host.test/users/ada@example.test')).toBe('https://u:***@example.test')
  })

  it('a secret assigned in code, in any quote, with : or =', () => {
    for (const [code, kept] of [
      ["pm.environment.set('x', 1); someLib.configure({ password: 'PwSQ-LEAK23' })", "someLib.configure({ password: '"],
      ["const apiKey = 'Key-LEAK22'", "const apiKey = '"],
      ['let token="Tok-LEAK24"', 'let token="'],
      ['const secret = `Tpl-LEAK25`', 'const secret = `'],
      ["{ 'client_secret': 'Cs-LEAK26' }", "{ 'client_secret': '"],
    ]) {
      expect(redactText(code), code).not.toContain('LEAK')
      expect(redactText(code), code).toContain(`${kept}${REDACTED}`)
    }
    // A comparison or an arrow function is no assignment.
    for (const code of ['if (token === expectedToken) return', 'tokens => tokens.length', 'password == other']) expect(redactText(code)).toBe(code)
  })

  it('a password written unencoded, with #, /, ? or @ in it: the whole of it goes, the user stays', () => {
    // Such a URL does not parse, which is when an error quotes it.
    for (const [url, host] of [
      ['postgres://app:Pa55#word-LEAK1@db.internal:5432/app', 'db.internal:5432/app'],
      ['https://deploy:S3cr/et-LEAK11@api.example.com', 'api.example.com'],
      ['https://deploy:S3cr?et-LEAK12@api.example.com/x', 'api.example.com/x'],
      ['http://deploy:Pass@word-LEAK15@127.0.0.1:8080', '127.0.0.1:8080'],
      ['mysql://root:p@ss/w0rd#LEAK16@db:3306/app', 'db:3306/app'],
    ]) {
      const text = `cannot connect to ${url}: refused`
      // The user is what stands before the first `:` after the `://`.
      expect(redactText(text)).toBe(`cannot connect to ${url.slice(0, url.indexOf(':', url.indexOf('://') + 3) + 1)}***@${host}: refused`)
      expect(redactCredentials(text)).not.toContain('LEAK')
    }
  })

  it('a password in a URL written without its `://`, or with no scheme at all: the whole of it goes', () => {
    // What a config error quotes when the URL is slightly wrong (`got "..."`), each masked up to its host; the
    // user is shown where nothing else can be read as it (after a slash, or with nothing before it).
    for (const [text, masked] of [
      ['got "http//u:password4-LEAK@127.0.0.1/db"', 'got "http//u:***@127.0.0.1/db"'],
      ['got "http:/u:password6-LEAK@127.0.0.1/db"', 'got "http:/u:***@127.0.0.1/db"'],
      // `http:` may be the scheme or the user, and `u` the user or the password's first part: all of it goes.
      ['got "http:u:password7-LEAK@127.0.0.1/db"', `got "http:${REDACTED}@127.0.0.1/db"`],
      ['got "u:password5-LEAK@127.0.0.1"', 'got "u:***@127.0.0.1"'],
      ['got ":password8-LEAK@127.0.0.1"', 'got ":***@127.0.0.1"'],
      ['got "postgres//u:password4-LEAK@127.0.0.1/db"', 'got "postgres//u:***@127.0.0.1/db"'],
      ['got "mysql//root:pw-LEAK@db:3306/app"', 'got "mysql//root:***@db:3306/app"'],
      ['--plugin redis?url: got "redis//:RedisPw12345-LEAK@127.0.0.1:6379/10"', '--plugin redis?url: got "redis//:***@127.0.0.1:6379/10"'],
      ['DATABASE_URL=app:s3cr3t-LEAK@db.internal/app', 'DATABASE_URL=app:***@db.internal/app'],
      // Unencoded, with @, #, / and : in it: to the last @ before the query.
      ['cannot reach u:p@ss#w/o:rd-LEAK@db:5432/app?sslmode=require', 'cannot reach u:***@db:5432/app?sslmode=require'],
      ['cannot reach postgres//u:p@ss#w/o:rd-LEAK@db/app', 'cannot reach postgres//u:***@db/app'],
      // A default of a config variable: after its `:-`, the URL is masked as any other.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR:-default} syntax, as a message quotes it
      ['${DATABASE_URL:-postgres://app:pw-LEAK@db/app}', '${DATABASE_URL:-postgres://app:***@db/app}'],
    ]) {
      expect(redactText(text), text).toBe(masked)
      expect(redactCredentials(text), text).toBe(masked)
    }
  })

  it('a password with an `@` and then a `?` or a quote of its own: the whole of it goes, a query after the host stays', () => {
    // The user part runs to the last `@` before the host; an `@` after a `?` is a query's only once a name and
    // `=` (or a `&`) stood between them.
    for (const [text, masked] of [
      ['cannot connect to postgres://u:p@ss?word-LEAK@db/x', 'cannot connect to postgres://u:***@db/x'],
      ["cannot connect to postgres://u:p@ss'word-LEAK@db/x", 'cannot connect to postgres://u:***@db/x'],
      ["url 'mysql://root:a@b?c'd-LEAK@db:3306/app' failed", "url 'mysql://root:***@db:3306/app' failed"],
      ['got "postgres//u:p@ss?word-LEAK@db/x"', 'got "postgres//u:***@db/x"'],
      ['got "u:p@ss?word-LEAK@db/x"', 'got "u:***@db/x"'],
      ["DATABASE_URL=app:p@ss'w?rd-LEAK@db/app", 'DATABASE_URL=app:***@db/app'],
      // A query after the host, with an `@` in a value: kept.
      ['https://u:p@host.test/x?email=a@b.test', 'https://u:***@host.test/x?email=a@b.test'],
      ['https://u:p@host.test/x?a&email=a@b.test', 'https://u:***@host.test/x?a&email=a@b.test'],
    ]) {
      expect(redactText(text), text).toBe(masked)
      expect(redactCredentials(text), text).toBe(masked)
    }
    for (const text of ['https://h/p?email=a@b.c', "GET https://h/p?email=a@b.c&q='x@y'", 'https://h/p?email=a@b.c#at@top']) expect(redactText(text), text).toBe(text)
  })

  it('a password of digits before a `/`, `?` or `#` is no port: the whole of it goes, a host and port stay', () => {
    for (const [text, masked] of [
      ['cannot connect to postgres://u:12/ss@db/app', 'cannot connect to postgres://u:***@db/app'],
      ['cannot connect to postgres://app:48213/Zq+x@db:5432/app', 'cannot connect to postgres://app:***@db:5432/app'],
      ['redis://:4821?x@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
      ['mysql://root:4821#x@db/app', 'mysql://root:***@db/app'],
      ['got "u:4821/x@db/app"', 'got "u:***@db/app"'],
      ['got "postgres//u:4821/x@db/app"', 'got "postgres//u:***@db/app"'],
      ['got ":48/21@h"', 'got ":***@h"'],
    ]) {
      expect(redactText(text), text).toBe(masked)
      expect(redactCredentials(text), text).toBe(masked)
    }
    // A host by its form (localhost, an address, a dotted name), or a query before the `@`: a host and port.
    for (const text of [
      'GET http://localhost:3000/users/ada@example.test',
      'GET http://127.0.0.1:8080/users/ada@example.test',
      'GET https://api.example.test:8443/users/ada@example.test',
      'GET localhost:3000/users/ada@example.test',
      'localhost:3000?email=a@b.test',
      'GET http://api:3000/users?email=ada@example.test',
      'GET http://api:3000/#/users?email=ada@example.test',
    ])
      expect(redactText(text), text).toBe(text)
  })

  it('a user of digits only: the password goes, the user stays', () => {
    for (const [text, masked] of [
      ['got "123:pw-LEAK@h"', 'got "123:***@h"'],
      ['got "http//1234:pw-LEAK@h/x"', 'got "http//1234:***@h/x"'],
      ['DATABASE_URL=0:pw-LEAK@db/app', 'DATABASE_URL=0:***@db/app'],
      ['http://1234:pw-LEAK@h/x', 'http://1234:***@h/x'],
    ]) {
      expect(redactText(text), text).toBe(masked)
      expect(redactCredentials(text), text).toBe(masked)
    }
  })

  it('a query value is no user name: what stands after its `&` is another pair', () => {
    for (const text of [
      '?filter=status:open&assignee=ada@example.test',
      'GET https://h.test/issues?filter=status:open&assignee=ada@example.test',
      '?at=10:30&email=ada@example.test',
      'GET /x?a=1&filter=label:bug&by=ada@example.test',
    ])
      expect(redactText(text), text).toBe(text)
    // Credentials in a query value are masked all the same, up to the `&` that starts the next pair; a `&`
    // of the password starts none.
    expect(redactText('?dsn=app:pw-LEAK@db/app&by=ada@example.test')).toBe('?dsn=app:***@db/app&by=ada@example.test')
    expect(redactText('?dsn=app:p@ss-LEAK@db/app&x=1')).toBe('?dsn=app:***@db/app&x=1')
    expect(redactText('?dsn=app:p&ss-LEAK@db/app&x=1')).toBe('?dsn=app:***@db/app&x=1')
  })

  it('what only looks like credentials stays: an address, a time, a host and port, a digest', () => {
    for (const text of [
      'ada@example.test',
      'git@github.com:org/repo.git',
      'ssh git@github.com:org/repo@v1.2',
      'at 10:30 ada@example.test',
      '{"time":"10:30","email":"ada@example.test"}',
      '?at=10:30&email=ada@example.test',
      'localhost:3000',
      'GET http://localhost:3000/users/ada@example.test',
      'GET localhost:3000/users/ada@example.test',
      'mailto:ada@example.test',
      'sip:ada@example.test',
      'from:ada@example.test to:bob@example.test',
      '"npm:left-pad@1.3.0"',
      'nginx:1.25@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
      `http://${REDACTED}@host.test/x`,
      `http:${REDACTED}@host.test/x`,
    ])
      expect(redactText(text), text).toBe(text)
  })

  it('a hostile text for URL credentials is read a bounded number of times', () => {
    for (const hostile of [
      `${'a://x:'.repeat(200_000)}@h`,
      `a://x:${'@'.repeat(1_200_000)}`,
      `a://x:${'b@'.repeat(600_000)}/`,
      `${'a://x:y@'.repeat(140_000)}`,
      // Without `://`: each start a user may have.
      `${'/x:'.repeat(300_000)}@h`,
      `${' x:@'.repeat(300_000)}`,
      `x:${'@'.repeat(1_200_000)}`,
      `${'http//x:'.repeat(140_000)}@h`,
      `${' x:y'.repeat(300_000)}`,
      `${':'.repeat(1_200_000)}@h`,
    ]) {
      // Linear, this takes milliseconds; quadratic, far longer than the guard (see finishes).
      finishes(hostile.slice(0, 20), () => redactText(hostile))
    }
  })

  it("a secret query value ends where the URL does: the text around it is kept, escaped JSON stays JSON", () => {
    expect(redactText('[GET http://h.test/x?password=Pw1] failed')).toBe(`[GET http://h.test/x?password=${REDACTED}] failed`)
    expect(redactText('see <http://h.test/x?token=Tk2&key=K3>.')).toBe(`see <http://h.test/x?token=${REDACTED}&key=${REDACTED}>.`)
    // Masked twice, the same: the mask's own `]` is not taken for the end of a URL.
    expect(redactText(redactText('[GET /x?password=Pw1]'))).toBe(`[GET /x?password=${REDACTED}]`)
    const logged = JSON.stringify({ message: JSON.stringify({ url: '/login?password=Pw4', form: 'user=ann&password=Pw\\5' }) })
    const masked = redactText(logged)
    expect(masked).not.toMatch(/Pw4|Pw\\?5/)
    expect(JSON.parse(JSON.parse(masked).message)).toEqual({ url: `/login?password=${REDACTED}`, form: `user=ann&password=${REDACTED}` })
  })

  it("common secret names that hold none of the usual words: x-auth, a subscription key, pwd, a passcode", () => {
    expect(redactHeaders({ 'x-auth': 'XAuth-222', 'Ocp-Apim-Subscription-Key': 'SubKey-444', 'x-functions-key': 'Fn-1', accept: 'text/csv' })).toEqual({
      'x-auth': REDACTED,
      'ocp-apim-subscription-key': REDACTED,
      'x-functions-key': REDACTED,
      accept: 'text/csv',
    })
    expect(redactBody({ email: 'x', pwd: 'Pwd-888', new_pwd: 'Pwd-999', passcode: 123456, pwdChangedAt: 'then' })).toEqual({ email: 'x', pwd: REDACTED, new_pwd: REDACTED, passcode: REDACTED, pwdChangedAt: 'then' })
    expect(redactText('/x?subscription-key=Sk1&pwd=P2&page=2')).toBe(`/x?subscription-key=${REDACTED}&pwd=${REDACTED}&page=2`)
    // Alone in a text, a short name still gets the text looked at (the quick pre-test knows it).
    expect(redactText('GET /login?pwd=P3')).toBe(`GET /login?pwd=${REDACTED}`)
  })

  it('cookie lines in free text', () => {
    expect(redactText('set-cookie: sid=abc123; Path=/')).toBe(`set-cookie: ${REDACTED}`)
    expect(redactText('{"cookie":"sid=abc123"}')).toBe(`{"cookie":"${REDACTED}"}`)
  })

  it('secret fields of a JSON body kept as a string inside JSON (a mock journal logged or thrown), a quote in the value too', () => {
    const logged = JSON.stringify({ body: JSON.stringify({ password: 'BodyPw666', token: 'pa"ss', user: 'ann', note: 'a"b' }) })
    expect(redactText(logged)).toBe(`{"body":"{\\"password\\":\\"${REDACTED}\\",\\"token\\":\\"${REDACTED}\\",\\"user\\":\\"ann\\",\\"note\\":\\"a\\\\\\"b\\"}"}`)
  })

  it('secret fields of JSON inside JSON inside JSON, at any depth: quotes, backslashes and escapes in the value, numbers too', () => {
    const body = { password: 'XyzPw"Q wo:rd\\y\nz', api_key: 'Kq7\\"ey', secret: 4711, user: 'ann', note: 'a"b\\c' }
    let text = JSON.stringify(body)
    for (let depth = 1; depth <= 5; depth++) {
      text = JSON.stringify({ body: text })
      const masked = redactText(text)
      for (const leak of ['XyzPw', 'wo:rd', 'Kq7', '4711']) expect(masked, `depth ${depth}`).not.toContain(leak)
      // Still JSON, nested as deep, with the other fields as they were: a number's mask is a string.
      let inner: unknown = JSON.parse(masked)
      for (let d = 0; d < depth; d++) inner = JSON.parse((inner as { body: string }).body)
      expect(inner, `depth ${depth}`).toEqual({ password: REDACTED, api_key: REDACTED, secret: REDACTED, user: 'ann', note: 'a"b\\c' })
    }
  })

  it('a secret field of escaped JSON cut short (a truncated body) is masked to the end', () => {
    expect(redactText('{"body":"{\\"password\\":\\"Hunter2 and more')).toBe(`{"body":"{\\"password\\":\\"${REDACTED}\\"`)
  })

  it('long runs of backslashes in escaped JSON are read once (no catastrophic backtracking)', () => {
    // Each run is consumed whole by one alternative: a pattern that tried a run two ways would not return.
    const value = `${'\\'.repeat(25_000)}"${'\\'.repeat(25_000)}`
    for (let depth = 1; depth <= 2; depth++) {
      let text = JSON.stringify({ password: value })
      for (let d = 0; d < depth; d++) text = JSON.stringify({ body: text })
      expect(redactText(text).length, `depth ${depth}`).toBeLessThan(200)
    }
    // Not JSON (a run that ends no value): nothing to mask, and it returns.
    expect(redactText(`{"body":"{\\"password\\":\\"${'\\'.repeat(100_000)}"}`)).toContain('password')
  })

  it('a multipart part named like a secret is masked to the next boundary; a hostile header line is read once', () => {
    const body = ['--XB', 'Content-Disposition: form-data; name="user"', '', 'ann', '--XB', 'Content-Disposition: form-data; name="user[password]"', 'Content-Type: text/plain', '', 'Hunter2-line-1', 'line 2', '--XB--'].join('\r\n')
    expect(redactText(body)).toBe(body.replace('Hunter2-line-1\r\nline 2', REDACTED))
    expect(secretsOfBodyText(body)).toEqual(['Hunter2-line-1\r\nline 2'])
    // One long line of `name=` candidates after one Content-Disposition: tried from each to the line's end,
    // this took 30 s (680 kB); the test's timeout fails it long before.
    const hostile = `Content-Disposition: form-data; ${'name="apassword" '.repeat(40_000)}`
    expect(redactText(hostile)).toBe(hostile)
    expect(secretsOfBodyText(hostile)).toEqual([])
  })

  it('the value of a name/value pair whose name is secret (HAR, Kubernetes, Postman), and a jwt field; innocent pairs kept', () => {
    const body = { fields: [{ name: 'password', value: 'pw-4d5e6f' }, { key: 'api_key', value: 'key-1f2e3d' }, { Name: 'colour', value: 'blue' }], jwt: 'eyJ.payload.sig', jwtExpiresIn: 3600 }
    expect(redactValue(body)).toEqual({ fields: [{ name: 'password', value: REDACTED }, { key: 'api_key', value: REDACTED }, { Name: 'colour', value: 'blue' }], jwt: REDACTED, jwtExpiresIn: 3600 })
    // A count about a secret, a flag, a label of prose: none hides one.
    const innocent = [{ name: 'token_count', value: 3 }, { name: 'password_set', value: true }, { name: 'Reset password', value: 'by mail' }, { name: 'user', value: 'al' }]
    expect(redactValue(innocent)).toEqual(innocent)
    expect(secretsOfBodyText(JSON.stringify(body)).sort()).toEqual(['eyJ.payload.sig', 'key-1f2e3d', 'pw-4d5e6f'])
    // Text that is not parsed as JSON: a cut body, a log line.
    expect(redactText('sent [{"name": "password", "value": "pw-4d\\"5e6f"}, {"name":"user","value":"al"}] (cut')).toBe(
      `sent [{"name": "password", "value": "${REDACTED}"}, {"name":"user","value":"al"}] (cut`,
    )
  })

  it('the value of a name/value pair naming a secret header by its last word, as HAR writes headers; open headers kept', () => {
    const headers = [
      { name: 'X-Client-Key', value: 'ck-9a8b7c6d' },
      { name: 'X-Hub-Signature-256', value: 'sha256=5e4d3c2b' },
      { name: 'X-Custom-Auth', value: 'ca-1a2b3c4d' },
      { name: 'Idempotency-Key', value: 'idem-0001' },
      { name: 'Sec-WebSocket-Key', value: 'dGhlIHNhbXBsZQ==' },
      { name: 'X-Request-Id', value: 'req-42' },
      // A body field named so is no header: the body-key rule alone decides it.
      { name: 'sort_key', value: 'created' },
    ]
    const masked = redactValue({ headers }) as { headers: { value: string }[] }
    expect(masked.headers.map((h) => h.value)).toEqual([REDACTED, REDACTED, REDACTED, 'idem-0001', 'dGhlIHNhbXBsZQ==', 'req-42', 'created'])
    const text = JSON.stringify({ headers })
    expect(secretsOfBodyText(text).sort()).toEqual(['ca-1a2b3c4d', 'ck-9a8b7c6d', 'sha256=5e4d3c2b'])
    // Cut text, not parsed as JSON: the same pairs masked, the open ones shown.
    const cut = redactText(text.slice(0, -3))
    for (const secret of ['ck-9a8b7c6d', 'sha256=5e4d3c2b', 'ca-1a2b3c4d']) expect(cut).not.toContain(secret)
    for (const shown of ['idem-0001', 'dGhlIHNhbXBsZQ==', 'req-42', 'created']) expect(cut).toContain(shown)
  })

  it('a hostile name/value pair text is read once', () => {
    for (const hostile of [
      `{"name":"password","value":"${'a'.repeat(1_400_000)}`,
      `{"name":"password","value":"${'\\"'.repeat(700_000)}`,
      `"key"${' '.repeat(1_400_000)}`,
      '"name":"token","value":"\\'.repeat(60_000),
      `"name":"${'password-'.repeat(160_000)}`,
      `"name":"${'x-'.repeat(700_000)}key"`,
      `{"name":"x-key","value":"${'\\"'.repeat(700_000)}`,
    ]) {
      // Linear, this takes well under a second; quadratic, far longer than the guard (see finishes).
      finishes(hostile.slice(0, 20), () => {
        redactText(hostile)
        secretsOfBodyText(hostile)
      })
    }
  })

  it('a JSON Web Token by its shape: under a key that names no secret, in free text, in a URL, cut from a body', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbCJ9.c2lnbmF0dXJlLXJlc3VsdA'
    expect(redactValue({ result: jwt, id: 7 })).toEqual({ result: REDACTED, id: 7 })
    expect(redactBody(JSON.stringify({ data: [{ result: jwt }] }))).toBe(`{"data":[{"result":"${REDACTED}"}]}`)
    expect(redactText(`the token ${jwt} has no expiry`)).toBe(`the token ${REDACTED} has no expiry`)
    expect(redactText(`{"result":"${jwt}","more":"cut`)).toBe(`{"result":"${REDACTED}","more":"cut`)
    expect(redactText(`http://h.test/verify/${jwt}?page=2`)).toBe(`http://h.test/verify/${REDACTED}?page=2`)
    // Unsigned (alg none): the third part is empty, the token still a credential.
    expect(redactText('sent eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbCJ9. back')).toBe(`sent ${REDACTED} back`)
    expect(redactHeaders({ 'x-session': jwt })).toEqual({ 'x-session': REDACTED })
    expect(redactCredentials(`plugin failed for ${jwt}`)).toBe(`plugin failed for ${REDACTED}`)
    // Not a token: two parts, no `eyJ` at the start of a word, a version string, a file name.
    for (const innocent of ['eyJhbGciOiJIUzI1NiJ9.e30', 'key eyJ.a.b', 'heyJude.was.here', 'v1.2.3', 'report.2025-01-01.json', 'the eyJ prefix'])
      expect(redactText(innocent)).toBe(innocent)
  })

  it('a hostile text for the JWT shape is read once', () => {
    for (const hostile of [
      `eyJ${'a'.repeat(1_400_000)}`,
      'eyJ'.repeat(466_000),
      ' eyJa'.repeat(280_000),
      `${`eyJ${'a'.repeat(200_000)}..`.repeat(7)}`,
      'eyJa.'.repeat(280_000),
      `eyJa.${'b'.repeat(1_400_000)}`,
      `${'-'.repeat(200_000)}eyJ${'.'.repeat(200_000)}`,
      'eyJ.'.repeat(350_000),
      // The pre-test's own worst case: a J everywhere, none after `ey`.
      'J'.repeat(1_400_000),
    ]) {
      // Linear, this takes milliseconds; quadratic, far longer than the guard (see finishes).
      finishes(hostile.slice(0, 20), () => {
        redactText(hostile)
        redactValue({ result: hostile })
      })
    }
  })

  it('a run masks its own header, cookie and body secrets wherever else they appear', () => {
    const run = {
      journeys: [
        {
          name: 'j',
          nodes: [
            {
              kind: 'step',
              name: 's',
              error: { kind: 'assertion', message: 'session was sid-0a1b2c3d4e, user 42' },
              request: { method: 'GET', url: 'http://h.test/', headers: { cookie: 'sid=sid-0a1b2c3d4e' } },
              response: { status: 200, headers: {}, body: { data: { secret: 700800900 } } },
              logs: [{ level: 'info', message: 'got 700800900' }],
            },
          ],
          issues: [],
        },
      ],
      issues: [],
    } as unknown as RunResult
    const text = JSON.stringify(redactRun(run))
    expect(text).not.toContain('sid-0a1b2c3d4e')
    expect(text).not.toContain('700800900')
    expect(text).toContain('user 42')
  })

  it("an exploration's sequences, probes, action inputs, messages and issues", () => {
    const exchange = (url: string, headers: Record<string, string>, body: unknown) => ({ request: { method: 'POST', url, headers, body }, response: { status: 500, headers: { 'set-cookie': 'sid=sid-5e6f7a8b9c' }, body: { session: 'sid-5e6f7a8b9c' } }, durationMs: 1, attempt: 1, startedAt: '' })
    const run = {
      journeys: [],
      explorations: [
        {
          name: 'x',
          violations: [
            {
              invariant: 'no_5xx',
              // Four characters: masked as a known value only where it stands as a whole token; here by its key.
              sequence: [{ action: 'login', input: { user: 'ada', pin: 4711, password: 'pw12' }, exchanges: [exchange('http://h.test/login?api_key=key-1a2b3c4d', { authorization: 'Bearer tok-9z8y7x6w' }, { password: 'pw12' })] }],
              probes: [exchange('http://h.test/me', { 'x-api-key': 'key-probe-0000' }, null)],
              message: 'answered 500 for Bearer tok-9z8y7x6w',
            },
          ],
          issues: [{ error: 'broke after sid-5e6f7a8b9c', suggestion: 'key-1a2b3c4d', request: { method: 'GET', url: 'http://h.test/?token=tok-issue-1111', headers: {} } }],
        },
      ],
      issues: [],
    } as unknown as RunResult
    const text = JSON.stringify(redactRun(run))
    for (const secret of ['pw12', '4711', 'key-1a2b3c4d', 'tok-9z8y7x6w', 'key-probe-0000', 'sid-5e6f7a8b9c', 'tok-issue-1111']) expect(text, secret).not.toContain(secret)
    const step = (redactRun(run).explorations![0]!.violations[0]!.sequence[0]!)
    expect(step.input).toEqual({ user: 'ada', pin: REDACTED, password: REDACTED })
  })
})

describe('redactCredentials', () => {
  it('masks what is a secret by its form, and values seen in a secret place, but no word of a message', () => {
    knownSecrets.addLater(() => ['sess-9d8e7f6a5b'])
    expect(redactCredentials('could not load venomqa.config.ts: cannot reach postgres://app:s3cr3t@db/app')).toBe(
      'could not load venomqa.config.ts: cannot reach postgres://app:***@db/app',
    )
    expect(redactCredentials('plugin "audit" failed: 401 for Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig, session sess-9d8e7f6a5b')).toBe('plugin "audit" failed: 401 for Bearer [REDACTED], session [REDACTED]')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR:-default} syntax, quoted by the message
    const message = 'headers.x-token: environment variable NOT_SET is not set (set it, or give a default: ${NOT_SET:-value})'
    expect(redactCredentials(message)).toBe(message)
    expect(redactText(message)).not.toBe(message)
    for (const words of ['the scheme must be Bearer or Basic', 'Basic auth failed for the admin user']) expect(redactCredentials(words)).toBe(words)
  })
})

describe('a redacted copy is redacted once', () => {
  const run = () =>
    ({
      journeys: [{ name: 'j', nodes: [{ kind: 'step', name: 's', request: { method: 'GET', url: 'http://h.test/', headers: { 'x-shop-ref': 'shop-ref-5a6b7c8d', authorization: 'Bearer tok-1a2b3c4d' } } }], issues: [] }],
      issues: [],
    }) as unknown as RunResult

  it('redacting a copy again with the same options gives the copy back; the original is copied afresh', () => {
    const original = run()
    const safe = redactRun(original)
    expect(redactRun(safe)).toBe(safe)
    expect(redactRun(original)).not.toBe(safe)
    expect(JSON.stringify(safe)).not.toContain('tok-1a2b3c4d')
  })

  it('other options redact the copy again: a key named only now is masked', () => {
    const safe = redactRun(run())
    expect(JSON.stringify(safe)).toContain('shop-ref-5a6b7c8d')
    const stricter = redactRun(safe, { extraKeys: ['x-shop-ref'] })
    expect(stricter).not.toBe(safe)
    expect(JSON.stringify(stricter)).not.toContain('shop-ref-5a6b7c8d')
    expect(redactRun(stricter, { extraKeys: ['x-shop-ref'] })).toBe(stricter)
  })

  it('a name judged once without extraKeys is judged again with them, and the other way round', () => {
    // The verdicts are remembered by name: extraKeys must never be answered from that memory.
    expect(isSecretHeader('X-Shop-Ref')).toBe(false)
    expect(isSecretHeader('X-Shop-Ref', { extraKeys: ['x-shop-ref'] })).toBe(true)
    expect(isSecretHeader('X-Shop-Ref')).toBe(false)
    expect(isSecretKey('shopRef', { extraKeys: ['shopref'] })).toBe(true)
    expect(isSecretKey('shopRef')).toBe(false)
    expect(isSecretKey('nextPageToken')).toBe(false)
    expect(isSecretKey('nextPageToken', { extraKeys: ['nextPageToken'] })).toBe(true)
  })
})

describe('header names that say they carry a credential', () => {
  it('a name ending in auth, key, session, signature or sig, or with token, secret, password, credential or cookie in it, is masked', () => {
    const names = ['X-Custom-Auth', 'X-Api-Auth', 'X-Auth', 'X-Session-Token', 'X-My-Secret', 'X-Client-Key', 'X-Session-Id', 'X-Hub-Signature', 'X-Hub-Signature-256', 'X-Partner-Credentials', 'X_Admin_Password', 'X-Session', 'X-Cookie', 'X-Upload-Keys', 'X-Authentication', 'X-Authn', 'X-Api-Sig', 'X-Request-Sig-2']
    for (const name of names) {
      expect(isSecretHeader(name), name).toBe(true)
      expect(redactHeaders({ [name]: 'hv-7c8d9e', accept: 'text/csv' }), name).toEqual({ [name.toLowerCase()]: REDACTED, accept: 'text/csv' })
    }
  })

  it('names that only look alike are shown, and so are keys that open nothing (Idempotency-Key, a WebSocket nonce)', () => {
    // Before the last word, such a word says what the value is about: `X-Session-Expires: 3600` is no secret,
    // and remembered as one, 3600 would be masked wherever it stands in every report.
    const names = ['X-Author', 'Keep-Alive', 'X-Monkey', 'X-Keyboard-Layout', 'X-Sessions-Left', 'X-Session-Expires', 'X-Auth-User', 'X-Key-Id', 'Content-Length', 'Content-Type', 'X-Request-Id', 'Idempotency-Key', 'idempotency_key', 'Sec-WebSocket-Key']
    for (const name of names) expect(isSecretHeader(name), name).toBe(false)
    expect(redactHeaders({ 'X-Author': 'ada', 'Keep-Alive': 'timeout=5', 'Content-Length': '12', 'Idempotency-Key': 'idem-5f6e7d' })).toEqual({
      'x-author': 'ada',
      'keep-alive': 'timeout=5',
      'content-length': '12',
      'idempotency-key': 'idem-5f6e7d',
    })
    // The rule is for header names: as a body key, `key` or `session` is data as often as not.
    expect(redactBody({ key: 'colour', session: 'morning' })).toEqual({ key: 'colour', session: 'morning' })
    expect(redactBody({ session: { id: 7, room: 'B' } })).toEqual({ session: { id: 7, room: 'B' } })
  })

  it('a body key named `session` is masked when its value is shaped like a token, and that value everywhere', () => {
    const token = 's%3AJ9xQ2vLmT0aP.r4nd0mS1gn4tur3'
    expect(redactBody({ user: 'ada', session: token, Session: 'eyJhbGciOiJIUzI1NiJ9.e30' })).toEqual({ user: 'ada', session: REDACTED, Session: REDACTED })
    // Words under the key stay readable: a conference's session, a label with spaces.
    expect(redactBody({ session: 'morning', other: { session: 'Keynote and questions after' } })).toEqual({ session: 'morning', other: { session: 'Keynote and questions after' } })
    const run = {
      journeys: [{ name: 'j', nodes: [{ kind: 'step', name: 's', error: { kind: 'http', message: `cookie sid=${token} refused` }, response: { status: 200, headers: {}, body: { session: token } } }], issues: [] }],
      issues: [],
    } as unknown as RunResult
    expect(JSON.stringify(redactRun(run))).not.toContain(token)
  })

  it("a run masks such a header's value wherever else it appears", () => {
    const run = {
      journeys: [{ name: 'j', nodes: [{ kind: 'step', name: 's', error: { kind: 'http', message: 'refused ca-5f6e7d8c' }, request: { method: 'GET', url: 'http://h.test/', headers: { 'X-Custom-Auth': 'ca-5f6e7d8c' } } }], issues: [] }],
      issues: [],
    } as unknown as RunResult
    expect(JSON.stringify(redactRun(run))).not.toContain('ca-5f6e7d8c')
  })
})

describe('short known secrets', () => {
  it('are masked where they stand as a whole token: in a sentence, a URL, a JSON string, after = or :', () => {
    knownSecrets.add(['4711', 'Pw9!x'])
    expect(redactText('login failed for pin 4711')).toBe(`login failed for pin ${REDACTED}`)
    expect(redactText('GET http://h.test/verify?ref=4711&page=2')).toBe(`GET http://h.test/verify?ref=${REDACTED}&page=2`)
    expect(redactText('{"note":"4711","user":"ada"}')).toBe(`{"note":"${REDACTED}","user":"ada"}`)
    expect(redactText('pin=4711, pin:4711')).toBe(`pin=${REDACTED}, pin:${REDACTED}`)
    // After an escape that hides what stood before: a URL's %XX, a JSON \n.
    expect(redactText('GET /search?q=pin%204711&x=pin%3A4711')).toBe(`GET /search?q=pin%20${REDACTED}&x=pin%3A${REDACTED}`)
    expect(redactText('{"log":"failed\\n4711"}')).toBe(`{"log":"failed\\n${REDACTED}"}`)
    // A short password with characters a URL or JSON escapes, as written and encoded.
    expect(redactText(`refused Pw9!x and ${encodeURIComponent('Pw9!x')}`)).toBe(`refused ${REDACTED} and ${REDACTED}`)
  })

  it('are left alone inside other words and numbers, and a literal is never masked', () => {
    knownSecrets.add(['4711', 'kiwi', 'true'])
    for (const text of ['order 14711 took 4711ms', 'id 47110', 'kiwifruit and akiwi', 'a4711b', 'café4711', '✓ kiwi_login', 'create-kiwi', 'pin_4711']) expect(redactText(text)).toBe(text)
    expect(redactText('{"done":true} true')).toBe('{"done":true} true')
  })

  it('a short secret inside a long one does not cut it: the long one is masked whole', () => {
    knownSecrets.add(['4711', 'tok-4711-abcdef'])
    expect(redactText('sent tok-4711-abcdef')).toBe(`sent ${REDACTED}`)
  })
})

describe('keys of known issuers, by their form alone', () => {
  it('are masked in any text, under any name or none; a bare prefix in prose is not', () => {
    const stripe = 'sk_live_51HqAbCdEfGhIjKlMnOpQrSt'
    const github = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'
    const aws = 'AKIAIOSFODNN7EXAMPLE'
    expect(redactText(`charge refused: the key ${stripe} is revoked`)).toBe('charge refused: the key [REDACTED] is revoked')
    expect(redactText(JSON.stringify({ note: github, region: 'eu' }))).toBe('{"note":"[REDACTED]","region":"eu"}')
    expect(redactText(`aws=${aws};`)).not.toContain(aws)
    expect(redactCredentials(`clone with ${github}`)).toBe('clone with [REDACTED]')
    expect(redactBody({ comment: `rotate ${stripe} today` })).toEqual({ comment: 'rotate [REDACTED] today' })
    for (const prose of ['keys start with sk_live_ or sk_test_', 'the gh_cli tool', 'desk-top', 'AKIA alone', 'npm_config_user_agent npm_lifecycle_script', 'a sk-learn-compatible-model'])
      expect(redactText(prose)).toBe(prose)
    // After an escape that hides what stood before: a URL's %XX, a JSON \n.
    expect(redactText(`?next=https%3A%2F%2Fx%3Fkey%3D${stripe}`)).not.toContain(stripe)
    expect(redactText(`?q=use%20${github}`)).not.toContain(github)
    expect(redactText(JSON.stringify({ log: `charge failed\n${stripe}` }))).not.toContain(stripe)
    expect(redactText(`npm_${'aB3'.repeat(12)} and sk-proj-Ab3dEf5gH7iJ9kL1mN3oP5qR`)).toBe(`${REDACTED} and ${REDACTED}`)
  })

  it('a PEM private key is masked to its end line, its body too, as written or JSON-escaped', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\nQ2lBqk9yd3S7\n-----END RSA PRIVATE KEY-----'
    expect(redactText(`key: ${pem}\nnext line`)).toBe(`key: ${REDACTED}\nnext line`)
    const escaped = JSON.stringify({ key: pem, user: 'ada' })
    expect(redactText(escaped)).toBe(`{"key":"${REDACTED}","user":"ada"}`)
    expect(redactText('cut: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0')).toBe(`cut: ${REDACTED}`)
  })
})

describe('looksLikeSecret', () => {
  it('a credential by its form: a JSON Web Token, a known issuer prefix, a random key, what redactText masks', () => {
    for (const secret of [
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbCJ9.c2lnbmF0dXJl',
      // A prefix and nothing random after it: found by the prefix alone.
      'sk_live_abcdefghijklmnopqrst',
      'use ghp_16C7e42F292c6912E7710c838347Ae178B4a to clone',
      'AKIAIOSFODNN7EXAMPLE',
      'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      '9fK2mQ7xLp3RtV8wZ1nB4cD6',
      'e83c5163316f89bfbde7d9ab23ca2e25604af290',
      'connect with password=hunter2 first',
      'Bearer abc.def.ghi',
    ])
      expect(looksLikeSecret(secret), secret).toBe(true)
  })

  it('prose, names, ids, dates and a bare issuer prefix are not', () => {
    for (const text of [
      'A note about the order',
      'keys start with sk_live_',
      '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      '2025-01-01T00:00:00Z',
      'createUserAccount2024Request',
      'user_1234567890abcdef',
      'v1.2.3-beta.4+build.20240101',
      'internationalization',
      'ord_8xK2',
    ])
      expect(looksLikeSecret(text), text).toBe(false)
  })
})

describe('escapeControlChars', () => {
  it('shows escape sequences and carriage returns as text, keeps tabs and newlines', () => {
    const osc = '\x1b]0;pwned\x07'
    const out = escapeControlChars(`a${osc}\x1b[2J\x1b[1A\rb\tc\r\nd\u009b31m`)
    expect(out).toBe('a\\x1b]0;pwned\\x07\\x1b[2J\\x1b[1A\\rb\tc\nd\\x9b31m')
    expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/)
  })

  it('shows the bidirectional overrides, embeddings and isolates, which reorder what a terminal prints; keeps the marks', () => {
    // "refund\u202E" + "kcehc" prints as "refundcheck": a name that reads as another.
    expect(escapeControlChars('refund\u202Ekcehc')).toBe('refund\\u202ekcehc')
    expect(escapeControlChars('a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069')).toBe('a\\u202ab\\u202bc\\u202cd\\u202de\\u2066f\\u2067g\\u2068h\\u2069')
    // Right-to-left text with its marks is shown as it is.
    expect(escapeControlChars('שלום\u200F (1)\u200E')).toBe('שלום\u200F (1)\u200E')
  })
})

describe('a form body whose first field has a short secret query name', () => {
  // `user=ada&key=...` was masked and `key=...&user=ada` shown: the rule for `?key=` wanted a `?` or `&`
  // before the name, and the value was never remembered, since the look for secret names knew no `key`.
  it('is masked and remembered as a form whose later field it is', () => {
    for (const name of ['key', 'sig', 'session', 'pin', 'otp', 'pwd', 'auth']) {
      const body = `${name}=fv-${name}-4711abc&user=ada`
      expect(redactBody(body), body).toBe(`${name}=${REDACTED}&user=ada`)
      expect(secretsOfBodyText(body), body).toEqual([`fv-${name}-4711abc`])
    }
    // The same names inside a word, or after one, are no field of a form.
    for (const text of ['monkey=banana&user=ada', 'hotkey=ctrl', 'user=ada']) {
      expect(redactBody(text), text).toBe(text)
      expect(secretsOfBodyText(text), text).toEqual([])
    }
  })
})

describe('a cursor of a list is no secret', () => {
  it('page_token, nextPageToken, continuation_token and sync_token are shown; tokens that open something are not', () => {
    for (const key of ['page_token', 'pageToken', 'next_page_token', 'nextPageToken', 'continuation_token', 'sync_token', 'cursor-token'])
      expect(isSecretKey(key), key).toBe(false)
    for (const key of ['token', 'access_token', 'refresh_token', 'page_access_token', 'tokenSecret', 'x-page-token-secret']) expect(isSecretKey(key), key).toBe(true)
    expect(redactBody({ page_token: 'CiAKGjBpNDd2Nm', items: [] })).toEqual({ page_token: 'CiAKGjBpNDd2Nm', items: [] })
  })

  it('in free text as by name: what redactText masks in a query is what isSecretQueryName names', () => {
    const names = ['page_token', 'pageToken', 'nextPageToken', 'prev_page_token', 'continuation_token', 'sync_token', 'cursor-token', 'resume_token', 'page', 'q', 'cursor']
    const secret = ['session', 'key', 'sig', 'pwd', 'access_token', 'api-key', 'signature', 'token', 'page_access_token', 'x-page-token-secret', 'page_token_secret', 'tokenSecret']
    for (const name of [...names, ...secret]) {
      for (const url of [`/items?${name}=CiAKGjBpNDd2Nm&n=2`, `GET https://api.test/items?n=2&${name}=CiAKGjBpNDd2Nm`]) {
        expect(redactText(url).includes('CiAKGjBpNDd2Nm'), url).toBe(!isSecretQueryName(name))
        expect(isSecretQueryName(name), name).toBe(secret.includes(name))
      }
    }
    // In a form body, a log line, JSON kept as text: a cursor is shown as redactBody shows it.
    expect(redactText('page_token=CiAK&password=Pw1')).toBe(`page_token=CiAK&password=${REDACTED}`)
    expect(redactText('next page_token: CiAK, token: Tk2')).toBe(`next page_token: CiAK, token: ${REDACTED}`)
    expect(redactText('{"nextPageToken":"CiAK","token":"Tk2"')).toBe(`{"nextPageToken":"CiAK","token":"${REDACTED}"`)
  })

  it('in a query too: a cursor is no secret of a URL, `?session=` and the other short names are', () => {
    for (const name of ['page_token', 'nextPageToken', 'continuation_token', 'page', 'q']) expect(isSecretQueryName(name), name).toBe(false)
    for (const name of ['session', 'Session', 'key', 'sig', 'pwd', 'access_token', 'api-key', 'signature']) expect(isSecretQueryName(name), name).toBe(true)
    expect(isSecretQueryName('page_token', { extraKeys: ['page_token'] })).toBe(true)
    const secrets = secretsOfUrl('http://api.test/items?page_token=CiAKGjBpNDd2Nm&session=s3ss-9qk2m')
    expect(secrets).toContain('s3ss-9qk2m')
    expect(secrets).not.toContain('CiAKGjBpNDd2Nm')
  })
})
