/**
 * The patterns that find secrets in free text by where they sit (redactText in ./redact applies them),
 * kept apart so that a test can check the quick pre-test (MAYBE_SECRET) against every one of them.
 */

import { isRandomWord, wordsOf } from './random-word'

export const REDACTED = '[REDACTED]'

/**
 * How a value VenomQA made up for a secret-named field starts (an OpenAPI sample of `password` is
 * `made-up-secret-password-1`, of `?session=` `made-up-secret-session-1`). It is no one's secret, so it is
 * never masked: a report shows what was sent, and a regression journey writes it as it is, where a real
 * secret is read from an environment variable the user sets. Masked in the record, it was such a variable
 * whose value no one could know, and the journey could not run. Nor is it remembered as a known secret,
 * which would mask it in every text.
 */
export const MADE_UP_SECRET_PREFIX = 'made-up-secret-'

/** Words that make a query parameter, a form field or a `name: value` pair in text secret. */
export const NAME_WORDS = 'password|passwd|passphrase|passcode|secret|token|jwt|api[-_]?key|apikey|access[-_]?key|subscription[-_]?key|credential|private[-_]?key|session[-_]?id|sessionid|signature'
/**
 * A cursor of a list (`page_token`, `nextPageToken`, `continuation_token`, `sync_token`): a token that opens
 * nothing. The API hands it out with a page and takes it back for the next one; masked, a report could not
 * show which page a request asked for. No secret name (SECRET_NAME), no secret key (isSecretKey in
 * ./redact), no secret query parameter (isSecretQueryName): one rule for a body, a query and free text.
 */
export const CURSOR_NAME = '(?:next|prev|previous)?[-_]?(?:page|continuation|pagination|cursor|sync|resume)[-_]?token'
/**
 * The kind of a token, not the token: OAuth's `token_type=bearer` beside an `access_token` (a token
 * response's body, an implicit grant's redirect fragment `#access_token=...&token_type=bearer`), the
 * `token_type_hint` of a revocation, the `subject_token_type` of a token exchange. Masked, a report hid
 * the word `bearer`, and, remembered as a known secret from a token response, that word in every text.
 */
const TOKEN_KIND_NAME = '[\\w.-]{0,32}?token[-_]?type(?:[-_]?hint)?'
/**
 * A name holding `token` whose value opens nothing: a cursor (CURSOR_NAME) or a token's kind
 * (TOKEN_KIND_NAME). Shown as a body key, a query parameter and in free text alike.
 */
export const OPEN_TOKEN_NAME = `(?:${CURSOR_NAME}|${TOKEN_KIND_NAME})`
/**
 * A whole name holding one of those words (`access_token`, `X-Amz-Security-Token`, `client_secret`), but
 * not one that opens nothing (OPEN_TOKEN_NAME). The parts around the word are bounded, and every pattern below starts a name
 * only where no name character precedes it: a 20 000-letter word in a body is then tried once, not from
 * each of its letters.
 */
export const SECRET_NAME = `(?!${OPEN_TOKEN_NAME}(?![\\w.-]))[\\w.-]{0,64}?(?:${NAME_WORDS})[\\w.-]{0,64}`

/**
 * A host by its form: `localhost`, an IPv4 address, or a dotted name that ends in letters (`db.internal`,
 * `api.example.test`). What a user name hardly ever is, and what tells `host:3000/users/ada@example.test`
 * (a host, its port and a path) from `app:4821/x@db` (a user and a password of digits and a `/`).
 */
const HOST_NAME = String.raw`(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|(?:[a-z0-9_-]{1,63}\.){1,8}[a-z]{2,63})`
/**
 * After the colon of `name:` (`start` is what stands before the name), a port rather than the start of a
 * password: digits before a `/`, `?` or `#` (or the end) after a host by its form (HOST_NAME); or digits
 * with a query before the next `@` (`api:3000/users?email=ada@example.test`: a `?`, a name and `=` or a
 * `&`), which no password of digits holds. Else the digits start a password (`u:12/ss@db`), and all of it
 * goes. The price: a dotless host, a port and an `@` in the path or fragment
 * (`http://api:3000/users/ada@example.test`) read as credentials, and are masked up to that `@`.
 */
const notPort = (start: string) => String.raw`(?!(?=\d)(?:(?<=${start}${HOST_NAME}:)\d{1,5}(?:[/?#]|$)|\d{1,5}(?:[/#][^\s?@"<>]*)?\?[^\s@"<>=&]*[=&]))`
/**
 * What follows the `@` that ends a user part: the host part, with no `@` after it that could still be the
 * password's. The user part runs to the last `@` before the host, through a `/`, `#`, `?` or `'` of the
 * password (`postgres://u:p@ss?w'rd@db/x`); an `@` after a `?` is a query's only once a name and `=`, or a
 * `&`, stand between them (`https://u:p@host/x?email=a@b.test` keeps its query). The price: a quote
 * right after the host and then an `@` (`'u:p@h','a@b.test'`) hide the text up to that `@`. `end`, when
 * given, is where the text the credentials stand in ends (VALUE_END in a query's value).
 */
const afterUserinfo = (end?: string) => {
  const char = end ? String.raw`(?:(?!${end})[^\s?@"<>])` : String.raw`[^\s?@"<>]`
  return String.raw`(?=${char}*(?:[\s"<>]|$|${end ? `${end}|` : ''}\?[^\s@"<>=&]*(?:[=&\s"<>]|$)))`
}

/** How a URL's password is shown masked, its user name beside it: as every package's own messages show it. */
export const MASKED_PASSWORD = '***'

/**
 * Where a mask stands in masked text: `[REDACTED]`, or the `***` of a URL's password (`root:***@host`).
 * What tells a value the record hid from one written as it is: `[REDACTED]` alone no longer does.
 */
export const MASK_IN_TEXT = /\[REDACTED\]|(?<=:)\*\*\*(?=@)/

/**
 * The password of a user part, up to the `@` that ends it: `***` as a mask left it, or a run that holds no
 * such mask (`:***@`) nor `stop`. Masked again, a text masked already stays as it is: without this, a second
 * pass read `u:***@` and the text after it as one password running to a later `@` (`[::1]:6379/x?e=a@b.test`).
 */
const passwordPart = (stop?: string) => String.raw`(?:\*\*\*(?=@)|(?!\*\*\*@)(?:(?!:\*\*\*@${stop ? `|${stop}` : ''})[^\s"<>]){0,256}?)`

/**
 * A user alone that holds an `@` (`postgres://tok@en@db/x`), with no `:` in it: the authority after `//` ends
 * at the first `/`, `?` or `#`, and in it the last `@` ends the user part, as a URL's parser reads it. The
 * whole of it goes, as a user alone does (maskedUserinfo): part of it may be the credential. A user with a
 * `:` takes a password, and runs to the last `@` before the host through a `/` (the branches below).
 */
const USER_ALONE_WITH_AT = String.raw`[^\s/?#@:"'<>]+(?:@[^\s/?#@:"'<>]+)*@(?=[^\s/?#@"'<>]*(?:[\s/?#"'<>]|$))`

/**
 * `scheme://user:pass@host`: the password goes, the user name stays (maskedUserinfo), unless it may be the
 * credential itself (a user alone: a token is often written there). A password
 * written unencoded may hold `#`, `/`, `?`, `'` or `@` (`postgres://app:Pa55#w@rd@db/app`), and such a URL
 * fails to parse, which is just when an error quotes it: the user part runs to the last `@` before the host
 * (afterUserinfo), so `mysql://root:p@ss/w0rd@db/app` loses all of `p@ss/w0rd`. The price: an `@` in the
 * path of a URL that has credentials (`https://u:p@host/users/a@b.test`) hides the path up to it, never a
 * secret; and a password with an `@` and then a `?name=` of its own (`u:p@ss?a=b@db`) reads as a host and
 * a query, as a parser reads it. Without credentials an `@` in a path stays
 * (`http://localhost:3000/users/ada@example.test`): a password may hold `/` only after a `user:`, and
 * `host:3000/` is a port (notPort). Bounded, so a text of many `x://a:` is not read once from each of them
 * to its end. A scheme may follow a `-`, as a default value does (`${DATABASE_URL:-postgres://app:pw@db/app}`).
 */
const URL_CREDENTIALS = new RegExp(
  String.raw`(?<![\w+.])([a-z][a-z0-9+.-]{0,30}:\/\/)(?:${USER_ALONE_WITH_AT}|(?:[^\s/?#@"'<>]+|[^\s/?#"'<>:]{0,256}:${notPort(String.raw`(?:\/\/|@)`)}${passwordPart()})@${afterUserinfo()})`,
  'gi',
)

/** The schemes of a database's, a cache's or a broker's URL, whose user part its client reads to the last `@`. */
export const SERVICE_SCHEME = String.raw`(?:postgres(?:ql)?|mysql|mariadb|redis|rediss|valkey|amqps?|mongodb(?:\+srv)?|nats|mqtts?|sqlserver|mssql|cockroachdb|clickhouse|memcached?)`
/**
 * A user alone (or beside an empty password) that holds an unencoded `/` in the URL of a database, a cache or
 * a broker (`postgres://to/k@db/x`, `mysql://u/x:@db/app`): its client reads the user part to the last `@`
 * before the host, as the URL of such a service has no path but its database's name, while a URL's parser
 * ends the host at the `/` and read the user as a host and a path. Masked whole, as a user alone is
 * (`postgres://tok@en@db/x`): part of it may be the credential. Not in a web URL, where an `@` after a `/` is
 * a path's (`https://api/users/ada@example.test`).
 */
const SERVICE_USER_WITH_SLASH = new RegExp(String.raw`(?<![\w+.])(${SERVICE_SCHEME}:\/\/)[^\s/?#@:"'<>]*\/[^\s?#@:"'<>]*:?@(?=[^\s/?#@"'<>]+(?:[\s/?#"'<>]|$))`, 'gi')

/** The user part SERVICE_USER_WITH_SLASH masks in a URL given whole (`to/k` of `postgres://to/k@db/x`), if any. */
export function serviceUserWithSlash(url: string): string | undefined {
  SERVICE_USER_WITH_SLASH.lastIndex = 0
  const m = SERVICE_USER_WITH_SLASH.exec(url)
  return m?.index === 0 ? m[0].slice(m[1]!.length).replace(/:?@$/, '') : undefined
}

/**
 * Words before a colon that write an address, not a user (`mailto:ada@example.test`, `sip:`, `xmpp:`,
 * WebFinger's `acct:`, npm's and JSR's `npm:pkg@1.2.3`, a search's `from:ada@example.test`): what follows
 * them is no password.
 */
const ADDRESS_LABELS = 'mailto|sips?|xmpp|acct|im|pres|cid|mid|tag|npm|jsr|from|to|cc|bcc|reply-to|author|committer|email|e-mail|mail'
/**
 * What a user name stands among in text: white space, quotes, brackets and what separates the pairs of a
 * query or a list. Not `:` (a user after one is the scheme's or the password's) nor `@` (after one is a
 * host: `git@github.com:org/repo`).
 */
const LOOSE_DELIMITER = '\\s/?#"\'`<>=&,;()[\\]{}|\\\\'
/** Where the value of a query parameter or form field starts (`?filter=`, `&dsn=`). */
const QUERY_VALUE_START = String.raw`[?&][^\s?&=#"'<>]{0,64}=`
/** Where it ends: at a `&` that starts the next pair (`&assignee=`), not at one a password holds (`p&ss@db`). */
const VALUE_END = String.raw`&(?=[^\s&=@#"'<>]{0,64}=)`
/**
 * A user name that is an address (`ada@corp.com`) and its colon, as a DSN without `//` writes one
 * unencoded (`DATABASE_URL=ada@corp.com:s3cret@db:5432/app`): LOOSE_CREDENTIALS then masks the password
 * after it, and keeps the address. Read the same way, `git@github.com:org/repo@v1.2` (an scp-style Git
 * remote and a ref) is a user, a host and a path: so a user with an `@` takes a password only when it
 * holds no `/` up to the `@` before the host. A Git remote's path always has one (`org/repo`); a password
 * rarely does. The price: such a password with a `/` in it is shown, and a path with none
 * (`git@host.test:repo@v1`) is masked as one; a user without an `@` takes a password with `/` as before.
 */
const ADDRESS_USER = `[^${LOOSE_DELIMITER}:@]{1,64}@${HOST_NAME}:`
/**
 * `user:password@host` and `:password@host` without the `://` URL_CREDENTIALS needs: a URL written
 * slightly wrong (`http//u:pw@host`, `http:/u:pw@host`, `postgres:u:pw@host`), a bare connection string
 * (`u:pw@127.0.0.1`, `123:pw@db`), what a config variable holds. The colon is what tells credentials from
 * an address (`ada@example.test` and `git@github.com:org/repo` have none before their `@`; a user that is an
 * address is ADDRESS_USER's), and, as in
 * URL_CREDENTIALS, the password runs to the last `@` before the host (`u:p@ss#w/o:rd@db/app` loses all of
 * `p@ss#w/o:rd`). A scheme or a malformed `scheme//` before the user is kept ($1, or $2 in a query's
 * value). Not credentials: a host and port before a path (`localhost:3000/users/ada@example.test`,
 * notPort), an address after one of ADDRESS_LABELS, a container image's tag before its digest
 * (`nginx:1.25@sha256:...`), a text masked already. A user starts only after a delimiter (LOOSE_DELIMITER)
 * or at the start, and the parts are bounded: a long text is read a bounded number of times from each start.
 *
 * A query parameter's value (`?dsn=u:pw@db`) ends where the next pair starts (VALUE_END): credentials
 * that start one run to it at most, so `?filter=status:open&assignee=ada@example.test` and
 * `?at=10:30&email=ada@example.test` are two pairs, no user and password, while `?dsn=u:p&ss@db` loses
 * all of `p&ss`. Elsewhere (`DATABASE_URL=u:p&ss=x@db`) any `&` may be the password's. One pattern for
 * both, so that the leftmost start is tried first: a start further into the value never cuts the
 * credentials that start the value.
 */
const looseCredentials = (end?: string) => {
  const stop = `\\[REDACTED\\]@${end ? `|${end}` : ''}`
  const user = `[^${LOOSE_DELIMITER}:@]{0,64}:${notPort(`(?:^|[${LOOSE_DELIMITER}:])`)}(?!\\/\\/)${passwordPart(stop)}`
  return `((?:[a-z][a-z0-9+.-]{0,30}(?::\\/?|\\/\\/))?)(?![!-]?(?:${ADDRESS_LABELS}):)(?:${user}|${ADDRESS_USER}(?!\\/\\/)${passwordPart(`${stop}|\\/`)})@(?!sha\\d+:)${afterUserinfo(end)}`
}
const LOOSE_CREDENTIALS = new RegExp(`(?<![^${LOOSE_DELIMITER}])(?:(?<=${QUERY_VALUE_START})${looseCredentials(VALUE_END)}|(?<!${QUERY_VALUE_START})${looseCredentials()})`, 'gi')
/**
 * The parameters of a challenge, as a server asks for credentials (`WWW-Authenticate: Bearer realm="api",
 * error="invalid_token"`, `Basic realm="x", charset="UTF-8"`): RFC 6750's, RFC 7617's `charset` and RFC
 * 9728's `resource_metadata`. They name no secret, and a server sends them to say why it refused, so what
 * follows the scheme is a credential only when it is not one of them. By name, not by the `=` alone: a
 * token with one `=` of padding (`Bearer dGVzdA=`) may stand before a quote, where the JSON string it sits
 * in ends. A parameter a challenge names otherwise is masked from its name as the credential's first word;
 * its value is shown, as it always was, and a secret-named one (`access_token="..."`) is masked by its name.
 */
const CHALLENGE_PARAM = `(?:${['realm', 'scope', 'error', 'error_description', 'error_uri', 'charset', 'resource_metadata'].map(anyCase).join('|')})[ \\t]*=(?!=)`

/** A word of letters matched in any case, for a pattern that needs its other parts matched as written. */
function anyCase(word: string): string {
  return word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)
}

/**
 * A Bearer or Basic credential, to the `=` padding at its end (`Bearer abc.def==`); not a challenge's
 * parameters (CHALLENGE_PARAM). The white space before it is taken whole, then tested once: the challenge
 * test is made at the credential's first character only.
 */
const BEARER = new RegExp(`\\b(Bearer|Basic)(?=(\\s+))\\2(?!${CHALLENGE_PARAM})[A-Za-z0-9\\-._~+/]+=*`, 'g')
/** The same, for a value long enough to be a credential: in a message, "Bearer or Basic" is words. */
const BEARER_VALUE = new RegExp(`\\b(Bearer|Basic)(?=([ \\t]+))\\2(?!${CHALLENGE_PARAM})[A-Za-z0-9\\-._~+/]{16,}=*`, 'g')
/**
 * An API key under a scheme of its own, as Elasticsearch sends one (`ApiKey <base64 of id:api_key>`) and
 * Django REST framework's token authentication (`Token <key>`), long enough to be one: in a message
 * (`ApiKey is missing`, `Token expired`) the words that follow are words. Written as the schemes are. With
 * a digit: an API's error code after the word (`Token signature_verification_failed`) has none, a key has.
 */
const KEY_SCHEME = /\b(ApiKey|Token)(?=([ \t]+))\2(?=[A-Za-z\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{16,}=*/g
/**
 * Where a `name=value` pair's value ends in text: at `&`, white space, a quote or `#`, and at what no URL
 * holds unescaped: the `]` or `>` that closes a URL written `[url]` or `<url>`, and the backslashes that
 * escape the quote ending the JSON string the pair sits in; and at a colon that ends the text or stands
 * before white space, a message's (`GET http://h/x?api_key=...: connection refused`), where a colon inside
 * a value is still the value's. The mask then swallows no text around the pair, and escaped JSON stays
 * JSON. A value masked already is kept as it is (its `]` is the mask's).
 */
const PAIR_VALUE = `(?:\\[REDACTED\\](?=[&\\s"'#\\]<>\\\\]|:(?:\\s|$)|$)|(?:[^&\\s"'#\\]<>\\\\:]|:(?!\\s|$)|\\\\+(?![\\\\"]))*)`
/**
 * `password=...` in a query, a form body or a sentence; `password="..."` (code, an attribute) is NAME_COLON's.
 * A value VenomQA made up (MADE_UP_SECRET_PREFIX) is shown, as under a body key.
 */
const KEY_VALUE = new RegExp(`((?<![\\w.-])${SECRET_NAME}=)(?!["'\`]|${MADE_UP_SECRET_PREFIX})${PAIR_VALUE}`, 'gi')
/**
 * Names secret only in a query, and in a form body, whose first field has no `?` or `&` before it
 * (`key=...&user=ada`: a text of one word that starts so; `pin=4711, then` is words). Names too short to
 * match by word (`?key=`, `&sig=`, `&hmac=`, `&pwd=`), and names that as a body key hold data as often as
 * not: `session` (`?session=<token>` is the session itself), and OAuth's, which a redirect and a token
 * request carry: `code`, the authorization code (RFC 6749 4.1.2; `{"code": "NOT_FOUND"}` is an error's),
 * `code_verifier` (PKCE, RFC 7636), `device_code` (RFC 8628), `auth_code`, a client's `assertion` (RFC 7521).
 * Whole names only: `country_code`, `error_code` and `zip_code` are data.
 */
export const QUERY_SECRET_NAMES = 'key|sig|hmac|auth|pwd|pin|otp|session|code|code[-_]?verifier|(?:auth|device)[-_]?code|(?:client[-_]?)?assertion'
const QUERY_SECRET = new RegExp(`((?:^(?=\\S*$)|[?&])(?:${QUERY_SECRET_NAMES})=)(?!${MADE_UP_SECRET_PREFIX})${PAIR_VALUE}`, 'gi')
/** `"password": "..."` inside text that is not parsed as JSON (a truncated body, an error message); a made-up value (MADE_UP_SECRET_PREFIX) is shown. */
const JSON_PAIR = new RegExp(`("${SECRET_NAME}"\\s*:\\s*)"(?!${MADE_UP_SECRET_PREFIX})(?:[^"\\\\]|\\\\.)*"`, 'gi')
/**
 * A name/value pair naming a secret in text not parsed as JSON (`{"name":"password","value":"..."}`, as HAR,
 * Kubernetes and Postman write fields): its value. Each start needs the literal `"name"` or `"key"`, and
 * the value stops at its closing quote, so a hostile text is read once.
 */
const NAMED_PAIR = new RegExp(`("(?:name|key)"\\s*:\\s*"${SECRET_NAME}"\\s*,\\s*"value"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi')
/** The last words that make a header's value secret (isSecretHeader in ./redact), after at least one `-`. */
const HEADER_LAST_WORDS = 'auth|authn|authentication|keys?|session|signature|sig'
/**
 * A name/value pair naming a header by those words, as HAR writes a request's headers
 * (`{"name":"X-Client-Key","value":"..."}`): its value, but not of the headers whose values open nothing
 * (`Idempotency-Key`, `Sec-WebSocket-Key`). The name's parts are bounded, as SECRET_NAME's are.
 */
const NAMED_HEADER_PAIR = new RegExp(
  `("(?:name|key)"\\s*:\\s*"(?!(?:x-)?idempotency-key"|sec-websocket-key")[a-z0-9]{1,64}(?:-[a-z0-9]{1,64}){0,8}-(?:${HEADER_LAST_WORDS})(?:-\\d{1,8})?"\\s*,\\s*"value"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`,
  'gi',
)
/** What every text NAMED_HEADER_PAIR matches holds, for the pre-tests (MAYBE_SECRET, mayHoldSecrets). */
export const HEADER_PAIR_MARK = `-(?:${HEADER_LAST_WORDS})(?:-\\d{1,8})?"`
/**
 * The same pair inside a JSON string, escaped once or more: a body kept as text (a mock server's request
 * journal, a step's log of one) and then written as JSON, maybe inside another JSON string again
 * (`"body":"{\\"password\\":\\"...\\"}"`, then `\\\\\\"password\\\\\\"` one level deeper).
 * At escape depth d every quote of the pair is written after q = 2^d - 1 backslashes (the run captured as
 * group 2, matched again by backreference); a backslash inside the value after 2q + 2, a quote inside it
 * after 2q + 1, so the value ends at the first quote whose run is q more than a multiple of 2q + 2. Each
 * alternative of the value consumes a whole run of backslashes, so no run is tried two ways (100 000
 * backslashes take milliseconds).
 */
const ESCAPED_JSON_STRING_PAIR = new RegExp(
  `((?<!\\\\)(\\\\+)"${SECRET_NAME}\\2"\\s*:\\s*)\\2"(?:[^"\\\\]|\\\\+(?![\\\\"])|(?:\\2\\2\\\\\\\\)*\\2\\2\\\\")*(?:(?:\\2\\2\\\\\\\\)*\\2"|$)`,
  'gi',
)
/** A number or a literal under a secret name in escaped JSON (`\\"secret\\":1234`), masked as a string so that the JSON stays JSON. */
const ESCAPED_JSON_LITERAL_PAIR = new RegExp(`((?<!\\\\)(\\\\+)"${SECRET_NAME}\\2"\\s*:\\s*)(?!\\\\|"|\\[REDACTED\\])[-+\\w.]+`, 'gi')
/**
 * A place in a source file, as a stack trace or a load error gives it: `password-reset.journey.ts:2:85`,
 * `auth-token.ts:10`. A file named after a secret word is no secret, and its line is what a user
 * debugging needs: masked, `password-reset.journey.ts:[REDACTED]` hid it (and the frame's `)` with it).
 */
const SOURCE_PLACE = String.raw`[\w.-]{0,255}\.(?:[cm]?[jt]sx?|json|ya?ml|md):\d+(?::\d+)?(?=$|[\s)\],;'"]|:\D)`
/**
 * `token: abc` in a log line or an error, and `apiKey = 'abc'` or `password: 'abc'` in code (a Postman
 * script's line an import could not translate), in any of JavaScript's quotes; not `token === x`, nor a
 * place in a file (SOURCE_PLACE).
 * Assertion messages say `label: expected ..., got ...`, so the word `expected` after a secret label is
 * not the value: masking it would hide nothing and show the values. A made-up value is shown.
 */
const NAME_COLON = new RegExp(`((?<![\\w.-])(?!${SOURCE_PLACE})${SECRET_NAME}["'\`]?\\s*(?::|=(?![=>]))\\s*["'\`]?)(?!expected\\b|\\[REDACTED\\]|\\*\\*\\*@|${MADE_UP_SECRET_PREFIX})[^\\s&"'\`,;]+`, 'gi')
/**
 * An assertion message about a secret label, written before assertions masked their own values (a
 * results file from an older version): both values go.
 */
const SECRET_ASSERTION = new RegExp(`((?<!\\S)[^\\s:]{0,64}?(?:${NAME_WORDS})[^\\s:]{0,64}: expected )(?!\\[REDACTED\\], got \\[REDACTED\\])(.*?)(, got )(.*)$`, 'gim')
/**
 * A part of a multipart/form-data body named like a secret (`Content-Disposition: form-data; name="password"`,
 * `name="user[api_key]"`): after its headers and the blank line, its value goes, every line of it up to the
 * next boundary line (`--...`). `filename=` names a file, not a field. The header lines are bounded: a
 * part's headers are short, and unbounded, a long line of `name=` candidates is tried once from each of
 * them to its end (quadratic: a 700 kB line took 30 s).
 */
export const MULTIPART_SECRET_PART = new RegExp(
  `(\\bcontent-disposition:[ \\t]*form-data;[^\\r\\n]{0,256}?\\bname=("?)[^"\\r\\n;]{0,64}?(?:${NAME_WORDS})[^"\\r\\n;]{0,64}\\2[^\\r\\n]{0,256}\\r?\\n(?:[^\\r\\n]{1,1024}\\r?\\n){0,32}\\r?\\n)(?=[^\\r\\n])(?!\\[REDACTED\\](?:\\r?\\n|$))[^\\r\\n]*(?:\\r?\\n(?!--)[^\\r\\n]*)*`,
  'gi',
)
/** `Cookie: a=b; c=d` or `"set-cookie": ["sid=..."]` in text: the rest of the line is cookies. */
const COOKIE_LINE = /\b((?:set-)?cookie"?\s*[:=]\s*(?:\[\s*)?"?)(?!\[REDACTED\])[^\r\n"\]]+/gi

/**
 * A JSON Web Token, found by its shape wherever it sits (`{"result":"eyJ..."}`, a sentence, a path): three
 * base64url parts joined by dots, the first a JSON header (`{"` encodes as `eyJ`), the third (the signature)
 * empty when the token is unsigned. No part's characters include the dot that ends it, and a token starts
 * only where no base64url character precedes it, so each character of a hostile text is read a few times
 * at most, never once from every position before it. redactText and redactCredentials apply it only to
 * text holding `eyJ` (JWT_MARK).
 */
export const JWT = /(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*/g
export const JWT_MARK = 'eyJ'

/**
 * What may stand right before a secret found by its form or by its value, where a letter or a digit would
 * make it part of a longer word: anything else, or the end of an escape that hides what stood there, a
 * `%XX` of a URL (`?q=pin%204711`, `key%3Dsk_live_...`) or a `\n` of JSON (`"failed\nsk_live_..."`).
 * `word` is the class of what may not stand there otherwise.
 */
export const afterBoundary = (word: string) => String.raw`(?:(?<!${word})|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrt]))`

const ISSUED_BEFORE = afterBoundary(String.raw`[\w-]`)
/**
 * A credential of a known issuer, found by its prefix: Stripe's secret and restricted keys and webhook
 * secrets, GitHub's and GitLab's tokens, Slack's, PyPI's and Shopify's keys, after the prefix 16 characters
 * at least (a prefix alone is a word of documentation: `keys start with sk_live_`);
 * npm's tokens (36 letters and digits: `npm_config_user_agent` is npm's own variable); OpenAI's and
 * Anthropic's keys, with a digit and a capital in 20 characters or more (`sk-learn-compatible` is a word); an
 * AWS access key id; a Google API key; a PEM private key, its body to its end line (or the end of the text).
 */
export const ISSUED_TOKENS = new RegExp(
  [
    String.raw`${ISSUED_BEFORE}(?:(?:sk|rk)_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|glpat-|xox[abeoprs]-|xapp-|pypi-|shp(?:at|ca|pa|ss)_)[\w-]{16,}`,
    String.raw`${ISSUED_BEFORE}npm_[A-Za-z0-9]{36}(?![\w-])`,
    String.raw`${ISSUED_BEFORE}sk-(?:proj-|ant-[a-z0-9]+-)?(?=[\w-]*\d)(?=[\w-]*[A-Z])[\w-]{20,}`,
    `${afterBoundary('[A-Z0-9]')}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])`,
    String.raw`${ISSUED_BEFORE}AIza[\w-]{35}`,
    String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)`,
  ].join('|'),
  'g',
)
/**
 * The prefixes of ISSUED_TOKENS without what must stand around them: a pre-test about half as costly as the
 * rule itself on text that holds none, which is almost all text.
 */
export const ISSUED_MARK = /(?:sk|rk)_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|glpat-|xox[abeoprs]-|xapp-|npm_|pypi-|shp(?:at|ca|pa|ss)_|sk-|AKIA|ASIA|AIza|-----BEGIN/

/**
 * A URL's user part (`user:password`, what stands between the scheme and the `@` that ends it) as shown:
 * the user name, which says which account was used and is no secret, and the password masked
 * (`root:***`). A user alone or beside an empty password (`postgres://app@db`, `mysql://root:@db`, a
 * database with no password) is shown as written: masked, a failing connection no longer said which
 * account it used. Masked whole when the user name may be the credential: beside GitHub's
 * `x-oauth-basic`, whose user is the token, or, with no password, when it has a credential's form
 * (userMayBeCredential).
 */
function maskedUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':')
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
  const password = colon < 0 ? '' : userinfo.slice(colon + 1)
  if (password.toLowerCase() === 'x-oauth-basic') return REDACTED
  if (password) return `${user}:${MASKED_PASSWORD}`
  return userMayBeCredential(user) ? REDACTED : userinfo
}

/**
 * Whether a user name with no password may be the credential itself, by its form: a word that reads as a
 * generated key (`https://<token>@github.com`, an API key as the user: `https://<key>:@api...`). A token of
 * a known issuer or a JSON Web Token is masked before these rules run (maskTokens), a known secret after
 * them: a user that holds such a mask goes whole, as it did (`https://[REDACTED]@...`, not `[REDACTED]:@`).
 * A user that holds an `@`, unencoded or not (`tok@en`), goes too: part of it may be the credential, and
 * the options that hold such a URL make it a known secret (passwordAndSecretsOfUrl).
 */
function userMayBeCredential(user: string): boolean {
  return user.includes('@') || user.includes(REDACTED) || /%40/i.test(user) || wordsOf(user).some(isRandomWord)
}

/** URL_CREDENTIALS' match (the scheme, the user part, its `@`) with the user part masked. */
function maskUrlCredentials(match: string, scheme: string): string {
  return `${scheme}${maskedUserinfo(match.slice(scheme.length, -1))}@`
}

/**
 * LOOSE_CREDENTIALS' match (what stands before the user, in a query's value or not, the user part, its `@`)
 * with the user part masked. The user name is kept only where nothing else can be read as it: after a
 * slash (`http//u:pw@host`, `http:/u:pw@host`) or with nothing before it (`DATABASE_URL=u:pw@db`). After a
 * word and a colon alone (`postgres:app:pw@db`) that word may be the scheme or the user, and what follows it
 * the user or the password's first part: all of it goes.
 */
function maskLooseCredentials(match: string, inQuery: string | undefined, outside: string | undefined): string {
  const before = inQuery ?? outside ?? ''
  const userinfo = match.slice(before.length, -1)
  return `${before}${before === '' || before.endsWith('/') ? maskedUserinfo(userinfo) : REDACTED}@`
}

/** What a rule puts in place of what its pattern matched: a replacement pattern, or a function of the match. */
export type Replacement = string | ((match: string, ...groups: string[]) => string)
export type TextRule = readonly [RegExp, Replacement]

/** `text` with every match of the rule's pattern replaced. */
export function applyRule(text: string, [pattern, replacement]: TextRule): string {
  return typeof replacement === 'string' ? text.replace(pattern, replacement) : text.replace(pattern, replacement)
}

/**
 * The rules that find a secret by its form alone (redactCredentials): the credentials of a URL, a long
 * Bearer or Basic value. They leave the words of a message alone, at the price of a short Basic value.
 */
export const CREDENTIAL_RULES: readonly TextRule[] = [
  [SERVICE_USER_WITH_SLASH, `$1${REDACTED}@`],
  [URL_CREDENTIALS, maskUrlCredentials],
  [LOOSE_CREDENTIALS, maskLooseCredentials],
  [BEARER_VALUE, `$1 ${REDACTED}`],
  [KEY_SCHEME, `$1 ${REDACTED}`],
]

/** What redactText replaces in free text, in this order. */
export const TEXT_RULES: readonly TextRule[] = [
  [SERVICE_USER_WITH_SLASH, `$1${REDACTED}@`],
  [URL_CREDENTIALS, maskUrlCredentials],
  [LOOSE_CREDENTIALS, maskLooseCredentials],
  [BEARER, `$1 ${REDACTED}`],
  [KEY_SCHEME, `$1 ${REDACTED}`],
  [SECRET_ASSERTION, `$1${REDACTED}$3${REDACTED}`],
  [MULTIPART_SECRET_PART, `$1${REDACTED}`],
  [JSON_PAIR, `$1"${REDACTED}"`],
  [NAMED_PAIR, `$1"${REDACTED}"`],
  [NAMED_HEADER_PAIR, `$1"${REDACTED}"`],
  [ESCAPED_JSON_STRING_PAIR, `$1$2"${REDACTED}$2"`],
  [ESCAPED_JSON_LITERAL_PAIR, `$1$2"${REDACTED}$2"`],
  [KEY_VALUE, `$1${REDACTED}`],
  [QUERY_SECRET, `$1${REDACTED}`],
  [NAME_COLON, `$1${REDACTED}`],
  [COOKIE_LINE, `$1${REDACTED}`],
]

/**
 * Matches any text one of TEXT_RULES can match: each needs an `@`, Bearer or Basic, a cookie, a short
 * query key, a secret word or a secret header's last word. Most text (a URL, a step's message) has none of them, and one test then
 * saves eight replaces.
 */
export const MAYBE_SECRET = new RegExp(`@|bearer|basic|cookie|(?:^|[?&])(?:${QUERY_SECRET_NAMES})=|${NAME_WORDS}|${HEADER_PAIR_MARK}`, 'i')
