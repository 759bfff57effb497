import {
  type HttpExchange,
  collectionSize,
  collectionSizePath,
  REDACTED,
  type RequestProvenance,
  deepEqual,
  holdsMask,
  isMadeUpSecret,
  isSecretCookieName,
  isSecretKey,
  isSecretQueryName,
  knownSecrets,
  provenanceOf,
} from '@venomqa/core'
import { receivedBodyText, receivedHeaders, sentRequest } from '@venomqa/runner'
import type { SequenceRun, SequenceStepRun } from '../contracts'
import { Code, isPlainObject, quote, textSource } from './code'
import { type JsonPath, UNNAMED, accessPath, bestPath, leavesOf, pathName, pathScore, pathsOf } from './json-path'
import { SecretRefs, isSecretList, isSecretValue, secretTree } from './secrets'

/**
 * What the emitted journey does, worked out from one replay of the minimal sequence: the concrete
 * requests of each step, and how values flow between them. A value a later request sends that an
 * earlier step put in the context, or an earlier response held, is written as `ctx.require(key)` and
 * set from the response where it came from: never as the literal id of one run.
 */
export interface JourneyPlan {
  steps: StepPlan[]
  secrets: SecretRefs
}

export interface StepPlan {
  action: string
  input: unknown
  requests: RequestPlan[]
  /** Context keys the action set to values no response held (from its input, or constants). */
  literalSets: { key: string; value: unknown }[]
  deletes: string[]
}

export interface RequestPlan {
  method: string
  /**
   * The path after the base URL, in parts: text, or source for a value that flows through the context.
   * A request to another origin than the base URL's starts with that origin: the journey calls it too.
   */
  path: (string | Code)[]
  query?: Record<string, unknown>
  body?: { kind: 'json' | 'form' | 'text'; value: unknown }
  headers?: Record<string, unknown>
  /** The deadline it ran into when it got no answer in time: the replay gives up at the same one. */
  timeout?: number
  /** What the request got when the violation was found, for a comment. */
  outcome: string
  /** The status the exploration's request was answered with (none when it got no answer). */
  status?: number
  /**
   * Context keys set from this response: `ctx.set(key, res.json()<path>)`; with `count`, to the size of
   * the list at `path`, written as the action wrote it (`plural(size, count)`: `3 items`); with `size`, to
   * the size itself.
   */
  sets: { key: string; path: JsonPath; secret: boolean; count?: string; size?: true; total?: true; header?: HeaderOrigin }[]
  /** Context keys whose values the request sends (`ctx.require(key)` in its path, query, body or headers). */
  reads: string[]
  /**
   * Where a value was read from by its value alone while another place held it too: said in a comment over
   * the request, so that a reader checks the guess instead of trusting it.
   */
  notes: string[]
}

export interface PlanOptions {
  /**
   * Stripped from recorded URLs. A URL of another origin is kept whole (the action called another
   * service); one of the same origin that does not start with it keeps its path. Without a base URL,
   * every URL's origin is stripped.
   */
  baseUrl?: string
  /** Names the journey uses already (setup steps), for keys made up for values that flow. */
  reservedKeys?: ReadonlySet<string>
}

/** Headers that carry the session the setup's log-in makes again: never written, not even as a variable. */
const SESSION_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])

/** The content type the HTTP client gives a body of each kind by itself (`json:`, `form:`); a text body gets none. */
const BODY_TYPES: Record<NonNullable<RequestPlan['body']>['kind'], string | undefined> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  text: undefined,
}

/** Is a recorded header one the journey's client sends by itself, so that the journey need not write it? */
type ClientHeader = (name: string, value: string) => boolean

export function planJourney(run: SequenceRun, options: PlanOptions = {}): JourneyPlan {
  const secrets = new SecretRefs()
  const flow = new Flow(run, secrets, options)
  const clientHeader = clientHeaders(run)
  const steps = run.steps.map((step) => flow.step(step, clientHeader))
  return { steps, secrets }
}

/**
 * The headers of the client itself: those it sent on every request at the root, when the run says
 * (a secret one by its name, its value being redacted in the record alone, with the config's own keys).
 * Else, for a run built by hand, those every request of the run sent with one value: the invariant's
 * probes go through the same client, so a header they share with every action's request is the
 * client's, not one an action sent.
 */
function clientHeaders(run: SequenceRun): ClientHeader {
  const root = run.rootHeaders
  if (root) return (name, value) => Object.hasOwn(root, name) && (root[name] === value || holdsMask(value) || holdsMask(root[name]!))
  const common = headersOnEveryRequest([...run.steps.flatMap((s) => s.exchanges), ...run.probes])
  return (name) => common.has(name)
}

/** Each cookie of a `Cookie` header as its name and value. */
function cookiesOf(header: string): [string, string][] {
  const out: [string, string][] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) out.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()])
  }
  return out
}

/**
 * A value in a URL a response header holds (`Location: /items/4` of a 201 with no body): which header,
 * and which segment of its path, counted from the end (1: the last), or which parameter of its query. The journey reads it from the
 * header of the response it gets, `decodeURIComponent` as the action read it, a `Number` when the action
 * kept a number.
 */
export interface HeaderOrigin {
  name: string
  segment: number
  number: boolean
  /** A parameter of the URL's query instead of a segment (`code` of an OAuth redirect's `Location: /callback?code=...`). */
  param?: string
}

/** Where a value the journey may send again came from: a context key, or a place in a response. */
interface ResponseOrigin {
  request: RequestPlan
  action: string
  path: JsonPath
  value: string | number
  header?: HeaderOrigin
  /** What the value is the id of, when its place says (see placeThing): `products` for `[0].id` of `GET /products`. */
  thing?: string
}

class Flow {
  /** Context keys by the value they hold (as text), most recent binding last. */
  readonly #ctxByValue = new Map<string, { key: string; value: unknown }[]>()
  /**
   * Values seen in responses and not (yet) in the context, by value as text: every place, latest last. The
   * latest place wins, unless an earlier one is named like where the value is sent (see #flowing).
   */
  readonly #inResponses = new Map<string, ResponseOrigin[]>()
  readonly #madeUpKeys = new Set<string>()
  #ctxNow: Record<string, unknown> = {}
  /** What the current step's input holds: each value as text, under its key and under '' (any key). */
  #inputNow = new Set<string>()
  /** The leaves of the current step's input: a response value equal to one echoes the input (see #remember). */
  #inputLeavesNow: InputLeaf[] = []
  /** The keys the request being planned reads from the context (its `reads`). */
  #readsNow: string[] = []
  /** What the request being planned says of values it sends that were read by value alone (its `notes`). */
  #notesNow: string[] = []
  /**
   * What the action said of the request being planned: which values of its body it read from the context
   * (see provenanceOf). When it said, nothing outside the path is guessed from values (see #flowing).
   */
  #provenance: RequestProvenance | undefined
  /** The names of the cookies the client sends by itself at the root (the config's session), when the run says. */
  readonly #clientCookies: ReadonlySet<string> | undefined

  constructor(
    run: SequenceRun,
    readonly secrets: SecretRefs,
    readonly options: PlanOptions,
  ) {
    const rootCookie = run.rootHeaders?.cookie
    this.#clientCookies = run.rootHeaders ? new Set(rootCookie === undefined ? [] : cookiesOf(rootCookie).map(([name]) => name)) : undefined
    const first = run.steps[0]?.ctxBefore ?? {}
    // What the setup put in the context (a user id from the sign-up) may be sent again: the journey runs
    // the setup, so the same keys hold this run's values.
    for (const [key, value] of Object.entries(first)) this.#bind(key, value)
  }

  step(step: SequenceStepRun, clientHeader: ClientHeader): StepPlan {
    this.#ctxNow = step.ctxBefore
    this.#inputLeavesNow = leavesOf(step.input)
    this.#inputNow = new Set(this.#inputLeavesNow.flatMap(({ path, value }) => [inputKey('', value), inputKey(String(path[path.length - 1] ?? ''), value)]))
    const exchanges = withoutClientRetries(step.exchanges)
    const { set, deleted } = contextChanges(step.ctxBefore, step.ctxAfter)
    const origins = new Map(set.map(([key, value]) => [key, originOf(key, value, exchanges, step.input) ?? countOrigin(value, exchanges)] as const))
    const requests: RequestPlan[] = []
    exchanges.forEach((exchange, j) => {
      const request = this.#request(exchange, clientHeader)
      requests.push(request)
      for (const [key, value] of set) {
        const origin = origins.get(key)
        if (origin?.exchange !== j) continue
        request.sets.push({
          key,
          path: origin.path,
          secret: origin.secret,
          ...(origin.count ? { count: origin.count } : {}),
          ...(origin.total ? { total: true as const } : {}),
          ...(origin.size ? { size: true as const } : {}),
          ...(origin.header ? { header: origin.header } : {}),
        })
        this.#bind(key, value)
      }
      this.#remember(step.action, request, exchange)
    })
    for (const [key] of set) {
      const origin = origins.get(key)
      if (origin?.ambiguous) requests[origin.exchange]!.notes.push(origin.ambiguous)
    }
    const literalSets = set.filter(([key]) => !origins.get(key)).map(([key, value]) => ({ key, value: this.#contextLiteral(key, value) }))
    for (const key of deleted) this.#unbind(key)
    return { action: step.action, input: step.input, requests, literalSets, deletes: deleted }
  }

  #request(exchange: HttpExchange, clientHeader: ClientHeader): RequestPlan {
    this.#readsNow = []
    this.#notesNow = []
    this.#provenance = provenanceOf(exchange)
    const { origin, rest } = this.#target(exchange.request.url)
    const [pathPart, queryPart] = splitOnce(rest, '?')
    const plan: RequestPlan = {
      method: exchange.request.method.toUpperCase(),
      path: [
        ...(origin ? [this.#origin(origin)] : []),
        ...pathPart.split('/').flatMap((segment, i, all) => (i === 0 ? [segment] : ['/', this.#segment(segment, safeDecode(all[i - 1]!))])),
      ],
      outcome: exchange.response ? `answered ${exchange.response.status}` : `failed: ${exchange.error ?? 'no response'}`,
      ...(exchange.response ? { status: exchange.response.status } : {}),
      ...(!exchange.response && exchange.timeoutMs ? { timeout: exchange.timeoutMs } : {}),
      sets: [],
      reads: this.#readsNow,
      notes: this.#notesNow,
    }
    const query = queryPart === undefined ? undefined : this.#query(queryPart, 'the query parameter', sentQuery(exchange))
    if (query) plan.query = query
    else if (queryPart !== undefined) plan.path.push('?', ...this.#repeatedFields(queryPart, sentQuery(exchange), 'the query parameter'))
    const body = this.#body(exchange)
    if (body) plan.body = body
    const headers = this.#headers(exchange.request.headers, clientHeader, body && BODY_TYPES[body.kind])
    if (headers) plan.headers = headers
    // What is planned after it (the step's literal sets) is read by no request.
    this.#readsNow = []
    this.#provenance = undefined
    return plan
  }

  /**
   * Where a recorded URL goes, as the journey calls it: the part after the base URL; or, for another
   * origin than the base URL's, that origin as well. Called with the path alone, the journey's client
   * would send such a request to the base URL, and the regression would test a service the action never
   * called.
   */
  #target(url: string): { origin?: string; rest: string } {
    const base = this.options.baseUrl?.replace(/\/+$/, '')
    if (base && url.startsWith(base)) return { rest: url.slice(base.length) || '/' }
    const origin = urlOrigin(url)
    if (!origin) return { rest: url }
    const rest = url.slice(origin.length) || '/'
    return base && urlOrigin(base)?.toLowerCase() !== origin.toLowerCase() ? { origin, rest } : { rest }
  }

  /** Another origin, as written: credentials in it were redacted when recorded, and are read from the environment. */
  #origin(origin: string): string | Code {
    return isSecretValue(origin) ? new Code(`\${${this.#secret('url', 'the origin of a request URL', origin).code}}`) : origin
  }

  /** A part of a request path; `before` is the part before it (`products` for `/products/7`), which says what an id names. */
  #segment(raw: string, before: string): string | Code {
    const text = safeDecode(raw)
    if (text === '') return raw
    if (isSecretValue(text)) return new Code(`\${${this.#secret(undefined, 'a part of a request path', text).code}}`)
    const code = this.#flowing(text, { inPath: true, key: before })
    if (!code) return raw
    // Sent as it is (`7`, or `a@b` unencoded): written as it is. Sent percent-encoded (`it%2F1` for `it/1`):
    // encoded again, or the journey would send `/items/it/1`, another path, and pass on the buggy app.
    if (raw === text) return new Code(`\${${code.code}}`)
    return new Code(`\${encodeURIComponent(String(${code.code}))}`)
  }

  /**
   * The query as an object, or undefined when a name repeats (then it stays in the path as it was). A
   * form body is read the same way: `place` says which of the two it is. `sent` is the same text as it
   * was sent, when this process sent it: what the record masked is read from there.
   */
  #query(text: string, place: string, sent: string | undefined): Record<string, unknown> | undefined {
    const params = [...new URLSearchParams(text)]
    if (new Set(params.map(([k]) => k)).size !== params.length) return undefined
    const sentParams = new URLSearchParams(sent ?? '')
    // Built from entries: an assignment `out['__proto__'] = ...` would set the prototype and drop the key.
    return Object.fromEntries(
      params.map(([key, value]) => {
        // The rule for a query's names (`?session=`, `?sig=`, `?code=`), which a form's are too, as redaction reads them.
        const said = place === FORM_FIELD ? this.#saidFromContext(key, value) : undefined
        if (said) return [key, said]
        if (isSecretValue(value, key, isSecretQueryName)) return [key, this.#secretParam(key, `${place} "${key}"`, sentParams.get(key) ?? value)]
        const code = this.#flowing(value, { key, loose: true })
        return [key, code ? new Code(`String(${code.code})`) : value]
      }),
    )
  }

  /**
   * A secret query parameter or form field, as a secret header is sent: from the context when the run got
   * it on its way (an OAuth code the action read from a redirect, which is good once: from a variable, the
   * replay would send a spent one and be refused before it got to the bug); else from the environment.
   */
  #secretParam(name: string, where: string, value: string): Code {
    const key = this.#secretContextKey(name, value)
    return key === undefined ? this.#secret(name, where, value) : new Code(`String(${this.#require(key).code})`)
  }

  /**
   * A query or a form whose names repeat (`tokens=a&tokens=b&page=2`), which `query:` and `form:` (one
   * value a name) cannot hold: kept as text, each secret value from a variable of its own (the record's
   * masks give no value: the one sent, when this process sent it, tells them apart; else the place),
   * encoded. Written as recorded, the journey sent the masks themselves (`tokens=[REDACTED]`); a form, as
   * one variable holding the whole body. `place` says which of the two it is.
   */
  #repeatedFields(text: string, sent: string | undefined, place: string): (string | Code)[] {
    const sentPairs = sent?.split('&')
    const counts = new Map<string, number>()
    const parts: (string | Code)[] = []
    text.split('&').forEach((pair, i) => {
      if (i > 0) parts.push('&')
      const { name, value } = queryPair(pair)
      const nth = (counts.get(name) ?? 0) + 1
      counts.set(name, nth)
      if (!isSecretValue(value, name, isSecretQueryName)) {
        parts.push(pair)
        return
      }
      const sentPair = sentPairs?.[i] === undefined ? undefined : queryPair(sentPairs[i]!)
      const known = sentPair?.name === name ? sentPair.value : value
      const code = this.#secretParam(name, `${place} "${name}"${nth > 1 ? ` (its value number ${nth})` : ''}`, known)
      parts.push(pair.slice(0, pair.indexOf('=') + 1), new Code(`\${encodeURIComponent(String(${code.code}))}`))
    })
    return parts
  }

  #body(exchange: HttpExchange): RequestPlan['body'] {
    const { body, headers } = exchange.request
    if (body === undefined) return undefined
    const type = headers['content-type'] ?? ''
    if (typeof body !== 'string') return { kind: 'json', value: this.#jsonBody(body, sentJson(exchange)) }
    if (type.includes('application/x-www-form-urlencoded')) {
      const form = this.#query(body, FORM_FIELD, sentRequest(exchange)?.bodyText)
      if (form) return { kind: 'form', value: form }
      const fields = this.#repeatedFields(body, sentRequest(exchange)?.bodyText, FORM_FIELD)
      return { kind: 'text', value: fields.some((f) => f instanceof Code) ? new Code(textSource(fields)) : body }
    }
    if (isSecretValue(body)) return { kind: 'text', value: this.#secret('body', 'the request body', body) }
    return { kind: 'text', value: body }
  }

  /**
   * A JSON body as #jsonValue writes it; a top-level property the action said it read from the context is
   * that key's value (the rest it made up: see #flowing).
   */
  #jsonBody(body: unknown, sent: unknown): unknown {
    if (!this.#provenance || !isPlainObject(body)) return this.#jsonValue(body, undefined, sent)
    const sentAt = (k: string) => (isPlainObject(sent) && Object.hasOwn(sent, k) ? sent[k] : undefined)
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, this.#saidFromContext(k, v) ?? this.#jsonValue(v, k, sentAt(k))]))
  }

  /**
   * The context read the action said a body property (or form field) `name` holding `value` was: the key's
   * value, converted back when the action converted it (an id from a Location is text in the context and a
   * number in a body that wants one; a form sends text). Undefined when the action said no such thing, or
   * the context does not hold that value (a secret the record masked: written as any other).
   */
  #saidFromContext(name: string, value: unknown): Code | undefined {
    const from = this.#provenance?.bodyFromContext
    if (!from || !Object.hasOwn(from, name)) return undefined
    const key = from[name]!
    if (!Object.hasOwn(this.#ctxNow, key)) return undefined
    const held = this.#ctxNow[key]
    if (deepEqual(held, value)) return this.#require(key)
    if (typeof value === 'number' && typeof held === 'string' && held !== '' && Number(held) === value) return new Code(`Number(${this.#require(key).code})`)
    if (typeof value === 'string' && typeof held === 'number' && String(held) === value) return new Code(`String(${this.#require(key).code})`)
    return undefined
  }

  /**
   * A JSON body with secrets replaced and flowing values as context reads. `sent` is the same place of the
   * body as it was sent, when this process sent it: what the record masked whole is read from there.
   */
  #jsonValue(value: unknown, key: string | undefined, sent?: unknown): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.#jsonValue(v, key, Array.isArray(sent) ? sent[i] : undefined))
    if (isPlainObject(value)) {
      const sentAt = (k: string) => (isPlainObject(sent) && Object.hasOwn(sent, k) ? sent[k] : undefined)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#jsonValue(v, k, sentAt(k))]))
    }
    if (isSecretValue(value, key)) return this.#secretOrContext(key, value, sent)
    if (typeof value === 'string' || typeof value === 'number') return this.#flowing(value, { key }) ?? value
    return value
  }

  /**
   * A redacted value under a key the context also has (a token the action read from the context): the
   * context's; a list or an object the record masked whole (`passwords: ['a', 'b']`), with its shape and
   * each secret in it from a variable of its own; else an environment variable.
   */
  #secretOrContext(key: string | undefined, value: unknown, sent: unknown): unknown {
    if (key && Object.hasOwn(this.#ctxNow, key)) return this.#require(key)
    if (key && value === REDACTED && (Array.isArray(sent) || isPlainObject(sent)))
      return secretTree(sent, key, (name, at, leaf) => this.#secret(name, `"${at}" in a request body`, leaf))
    return this.#secret(key, key ? `"${key}" in a request body` : 'a value in a request body', value)
  }

  /**
   * The headers the action gave, as it sent them: a content type the body does not imply (a text body
   * sent as JSON, `application/vnd.api+json`), an `accept`, any other. Left out, the replay would be
   * another request (a 415 where the exploration got a 500) and could pass with the bug still there.
   * Not written: what the client sends by itself, the body's own length and implied type.
   */
  #headers(headers: Record<string, string>, clientHeader: ClientHeader, impliedType: string | undefined): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (name === 'cookie' && this.#clientCookies) {
        const own = this.#ownCookies(value, this.#clientCookies)
        if (own) out[name] = own
        continue
      }
      if (clientHeader(name, value) || name === 'content-length' || (name === 'content-type' && value === impliedType)) continue
      // A value VenomQA made up (an OpenAPI `X-Api-Key` with no example) is no one's secret: sent as it was, as in a query.
      if ((isSecretKey(name) || isSecretValue(value)) && !isMadeUpSecret(value)) {
        // A secret the run got on its way (a key from a sign-up, a token from a log-in the action made) is
        // sent from the context, which the journey fills the same way: no environment holds it. Else a
        // session (Authorization, Cookie) comes back with the setup's log-in; a key the action sent
        // itself is read from the environment: left out, the replay would be refused where it was not.
        const fromContext = this.#secretFromContext(name, value)
        if (fromContext) out[name] = fromContext
        else if (!SESSION_HEADERS.has(name.toLowerCase())) out[name] = this.#secret(name, `the header "${name}"`, value)
        continue
      }
      out[name] = value
    }
    return Object.keys(out).length ? out : undefined
  }

  /**
   * The cookies of a request's `Cookie` that the action sent itself, as written (an OpenAPI operation's
   * cookie parameter, `shelf_size=0`): the request's `Cookie` adds them to the client's. Not the client's
   * own (its config's session), which it sends by itself, nor a secret one (named or recorded as one: a
   * session, which the setup's log-in makes again). Left out, the replay would not send what reached the bug.
   */
  #ownCookies(value: string, client: ReadonlySet<string>): string | undefined {
    const own = cookiesOf(value).filter(([name, cookie]) => !client.has(name) && !isSecretValue(cookie, name, isSecretCookieName))
    return own.length ? own.map(([name, cookie]) => `${name}=${cookie}`).join('; ') : undefined
  }

  /**
   * The context's value a secret header sends, or undefined: the header's value is a context value, or
   * one after a scheme (`Bearer <token>`); when the record hid the value, the context key named like the
   * header (`x-api-key` and `apiKey`) whose value the run knows to be secret. The latest key wins, as the
   * action read the context then.
   */
  #secretFromContext(header: string, value: string): Code | undefined {
    const keys = Object.keys(this.#ctxNow).reverse()
    if (!holdsMask(value)) {
      const scheme = /^([A-Za-z][A-Za-z0-9-]*) (.+)$/.exec(value)
      for (const key of keys) {
        const held = this.#ctxNow[key]
        if (typeof held !== 'string' || held === '') continue
        if (held === value) return this.#require(key)
        if (scheme && scheme[2] === held) return new Code(`\`${scheme[1]} \${${this.#require(key).code}}\``)
      }
      return undefined
    }
    const named = this.#secretContextKey(header, value)
    return named === undefined ? undefined : this.#require(named)
  }

  /**
   * The context key a secret sent under `name` came from: the latest one holding the value itself; when
   * the record hid the value, the latest one named like `name` (`x-api-key` and `apiKey`) whose value the
   * run knows to be secret.
   */
  #secretContextKey(name: string, value: string): string | undefined {
    const keys = Object.keys(this.#ctxNow).reverse()
    if (!holdsMask(value)) {
      return keys.find((key) => {
        const held = this.#ctxNow[key]
        return (typeof held === 'string' || typeof held === 'number') && held !== '' && String(held) === value
      })
    }
    // Named alike is not proof enough: the value must also be one the run saw in a secret place (as a
    // secret header's value is, when it is sent), or an innocent context value would be sent in its stead.
    const bare = (text: string) => text.toLowerCase().replace(/^x-/, '').replace(/[^a-z0-9]/g, '')
    return keys.find((key) => typeof this.#ctxNow[key] === 'string' && bare(key) === bare(name) && knownSecrets.has(this.#ctxNow[key]))
  }

  /**
   * Source for a value the request sends that came from earlier in the run, or undefined for a literal.
   * A value flows only when it came from an id-like place (a context key or a response field named like
   * an id) and the step's input did not supply it. Outside a path, a number must also be sent where an id
   * is expected (a key named like an id, or like the thing the id names: `product` for `productId`):
   * ids start at 1 in a fresh database, so small numbers coincide with them all the time, and a quantity
   * of 1 is not the product with id 1. When several context keys hold the value, the one that names what
   * the value is sent as wins (`/products/1` is the `productId`, not an `orderId` that is also 1), even
   * one not named like an id (`productA`); with none, a field of an earlier response named so
   * (`/items/1` is the `items[0].id` the action just read, not a `cartId` that is also 1).
   */
  #flowing(value: string | number, where: { key?: string; inPath?: boolean; loose?: boolean }): Code | undefined {
    // The action said which values of its body it read from the context (#saidFromContext has them): every
    // other value outside the path it made up, and is sent as it was, whatever context value it equals.
    // Only the action knows. A rule on names alone (a `memberId` takes only a key naming members, once
    // members are a kind the run knows) would keep the flows a hand-written action makes across names
    // (`ownerId` sent the `userId`) and still pass a made-up value off as an id whenever its kind is one the
    // run never met: a sampled `categoryId: 1`, with no category anywhere in the run, would still be sent as
    // the `bookId` that is 1. Where the action said nothing (hand-written), the guess below stays.
    if (this.#provenance && !where.inPath) return undefined
    const asText = String(value)
    // Ids go in paths; anywhere else, a value the input sent at that place is the input's.
    if (!where.inPath && this.#inputNow.has(inputKey(where.key ?? '', value))) return undefined
    const numeric = typeof value === 'number' || (!where.inPath && where.loose === true && /^\d+$/.test(asText))
    const fits = (source: string) =>
      where.inPath || (ID_NAME.test(source) && (!numeric || where.key === undefined || ID_NAME.test(where.key) || namesTheSame(where.key, source)))
    const sameType = (held: unknown) => where.inPath || where.loose || typeof held === typeof value
    const named = (name: string) => where.key !== undefined && namesTheSame(where.key, name)
    const held = (this.#ctxByValue.get(asText) ?? []).filter((b) => sameType(b.value))
    // A key named like where the value goes fits even when its name is no id's (`productA` sent as the
    // `productId`): where ids coincide (all 1 in a fresh database), the key that names the thing is the
    // one the action read, and another (`cartId`) would send the wrong id wherever they differ.
    const bound = held.filter((b) => fits(b.key) || (where.key !== undefined && ID_NAME.test(where.key) && named(b.key)))
    const usable = (place: ResponseOrigin) => sameType(place.value) && fits(String(place.path[place.path.length - 1]))
    const all = this.#inResponses.get(asText) ?? []
    const places = all.filter(usable)
    // Then a field of an earlier response named like it (`items[0].id` for `/items/1`) before a context
    // key named otherwise: the cart's id, also 1, is not the id of the cart's line.
    const namedPlace = places.findLast((place) => place.thing !== undefined && named(place.thing))
    const namedKey = bound.findLast((b) => named(b.key))
    const chosen = namedKey ?? (namedPlace ? undefined : bound.at(-1))
    const latest = all.at(-1)
    const seen = chosen ? undefined : (namedPlace ?? (latest && usable(latest) ? latest : undefined))
    if (!namedKey && !namedPlace && (chosen || seen)) this.#noteAmbiguity(value, where, chosen?.key ?? seen!, bound, places)
    if (chosen) return this.#require(chosen.key)
    if (!seen) return undefined
    const key = this.#madeUpKey(`${seen.action}.${seen.header ? seen.header.name : pathName(seen.path)}`)
    seen.request.sets.push({ key, path: seen.path, secret: false, ...(seen.header ? { header: seen.header } : {}) })
    this.#bind(key, seen.value)
    return this.#require(key)
  }

  /**
   * Says over the request that a value it sends was read from `chosen` by its value alone, when other context
   * keys or response places held it too. A place that set one of those keys, or is named like one (`userId`
   * in an answer, beside the context's `userId`), is that key, not another source. In a path, a lone source
   * is said too when the word before the value names something else (`/reports/pages/1` sent the `cartId`
   * that was 1): the number may be the path's own, as a page is.
   */
  #noteAmbiguity(
    value: string | number,
    where: { key?: string; inPath?: boolean },
    chosen: string | ResponseOrigin,
    bound: readonly { key: string }[],
    places: readonly ResponseOrigin[],
  ): void {
    const keys = bound.map((b) => b.key)
    const isKey = (place: ResponseOrigin) =>
      place.request.sets.some((s) => keys.includes(s.key) && deepEqual(s.path, place.path)) || (place.thing !== undefined && keys.some((k) => namesTheSame(k, place.thing!)))
    const text = (source: string | ResponseOrigin) => {
      if (typeof source === 'string') return `the context key "${source}"`
      const path = source.request.path.map((part) => (part instanceof Code ? part.code : part)).join('')
      return `${source.request.method} ${path} ${accessPath(source.path) || '(the header)'}`
    }
    const others = [...keys.filter((k) => k !== chosen), ...places.filter((p) => p !== chosen && !isKey(p))].map(text)
    const afterWord = where.inPath && where.key !== undefined && COLLECTION.test(where.key)
    if (!others.length && !afterWord) return
    const at = where.key === undefined ? '' : where.inPath ? ` (in the path after "${where.key}")` : ` (sent as "${where.key}")`
    this.#notesNow.push(ambiguity(`${String(value)}${at}`, text(chosen), [...new Set(others)]))
  }

  /** A value read from the context, noted as one the request being planned reads. */
  #require(key: string): Code {
    if (!this.#readsNow.includes(key)) this.#readsNow.push(key)
    return new Code(`ctx.require(${quote(key)})`)
  }

  /**
   * A value the action put in the context itself. A list or an object is written with its shape: one
   * redaction masks whole (`passwords: ['a', 'b']`) with each secret in it from a variable of its own
   * (read from one, the list would be a string), any other one entry by entry, as a request body is.
   */
  #contextLiteral(key: string, value: unknown): unknown {
    if (isSecretList(key, value)) return secretTree(value, key, (name, at, leaf) => this.#secret(name, `the context value "${at}"`, leaf))
    if (isSecretValue(value, key) || (isSecretKey(key) && value !== null && typeof value !== 'boolean' && !Array.isArray(value) && !isPlainObject(value)))
      return this.#secret(key, `the context value "${key}"`, value)
    return this.#jsonValue(value, key)
  }

  /** `value` as it was recorded: redacted, or as it is when the record kept it. */
  #secret(key: string | undefined, where: string, value: unknown): Code {
    return this.secrets.ref(key, where, value)
  }

  /** Remember the primitive values of a response, for requests made later. */
  #remember(action: string, request: RequestPlan, exchange: HttpExchange): void {
    // The last segment of a Location first, so that the same value in the body wins: an id a 201 gives
    // only in its Location is the id a later request sends all the same. Not the other segments (`items`
    // of `/items/4`), which are the path's own words, nor a segment of the request's own path: that one
    // after the same word (`/products/1` of `POST /products/1/reviews`), not one that is equal by value (the
    // review's `1` of `/products/1/reviews/1`, in a fresh app where the product is 1 too).
    const segments = headerPathname(exchange.request.url, exchange.request.url)?.split('/').map(safeDecode) ?? []
    const own = new Set(segments.map((segment, i) => `${segments[i - 1] ?? ''}/${segment}`))
    for (const { value, header, thing } of headerSegments(exchange)) {
      // Only a path sends such a value from here (`fits` wants a field named like an id elsewhere): a
      // number in a body is too often a count that coincides with it.
      if (header.segment !== 1 || own.has(`${thing ?? ''}/${value}`) || isSecretValue(value) || knownSecrets.has(value)) continue
      this.#placeIn(value, { request, action, path: [], value, header: { ...header, number: false }, ...(thing ? { thing } : {}) })
    }
    for (const { path, value } of leavesOf(exchange.response?.body)) {
      const text = String(value)
      if (text === '' || text === REDACTED || knownSecrets.has(value)) continue
      // The answer saying back what the action sent it (`stock: 10` of `initialStock: 10`) is no value the
      // server made: a later request that sends it again sends the input, as a literal (see echoesInput).
      if (echoesInput(this.#inputLeavesNow, String(path[path.length - 1] ?? ''), value)) continue
      this.#placeIn(text, { request, action, path, value, thing: placeThing(exchange.request.url, path) })
    }
  }

  #placeIn(text: string, place: ResponseOrigin): void {
    const list = this.#inResponses.get(text) ?? []
    list.push(place)
    this.#inResponses.set(text, list)
  }

  #bind(key: string, value: unknown): void {
    this.#unbind(key)
    if (typeof value !== 'string' && typeof value !== 'number') return
    if (value === '' || isSecretValue(value, key)) return
    const text = String(value)
    const list = this.#ctxByValue.get(text) ?? []
    list.push({ key, value })
    this.#ctxByValue.set(text, list)
  }

  #unbind(key: string): void {
    for (const [text, list] of this.#ctxByValue) {
      const kept = list.filter((b) => b.key !== key)
      if (kept.length) this.#ctxByValue.set(text, kept)
      else this.#ctxByValue.delete(text)
    }
  }

  #madeUpKey(wanted: string): string {
    let key = wanted
    for (let n = 2; this.#madeUpKeys.has(key) || this.options.reservedKeys?.has(key) || Object.hasOwn(this.#ctxNow, key); n++) key = `${wanted}_${n}`
    this.#madeUpKeys.add(key)
    return key
  }
}

/** Where #query reads a form body (not a URL's query). */
const FORM_FIELD = 'the form field'

/** `id`, `todoId`, `todo_id`, `ID`, `todoIds`; not `paid` or `valid`. */
const ID_NAME = /(?:^id|Id|_id|ID|-id)s?$/

type InputLeaf = ReturnType<typeof leavesOf>[number]

/**
 * Is a value under `name` (a response field, or the context key the action set) one the step's input
 * holds, so the action's own and not the server's? Under a name like no id's (`stock` of `initialStock:
 * 10`), by value; under an id's name, only when the input names it alike (an `externalId` the client
 * chose): a quantity of 1 is not the line whose `id` is 1. Read from the answer instead, the journey would
 * send whatever the app says back, and on an app whose bug changes what it says back it would no longer
 * send what reached the bug, and could pass with the bug there. Taken for the input when the server made
 * the same value by chance (a `total` of 10 beside a quantity of 10), the journey sends this run's value:
 * where that is wrong, it fails on the fixed app, which is seen; the other way it passes, which is not.
 */
function echoesInput(input: readonly InputLeaf[], name: string, value: unknown): boolean {
  return input.some((leaf) => leaf.value === value && (!ID_NAME.test(name) || namesTheSame(String(leaf.path[leaf.path.length - 1] ?? ''), name)))
}

function inputKey(key: string, value: unknown): string {
  return `${key}\u0000${String(value)}`
}

/** What a name is about, for comparing: `productId`, `product_id` and `products` all name `product`. */
function stemOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .replace(/ids?$/, '')
    .replace(/(?:es|s)$/, '')
}

/** True when two names are about the same thing: `products` and `productId`, `deletedProductId` and `productId`. */
function namesTheSame(a: string, b: string): boolean {
  const [x, y] = [stemOf(a), stemOf(b)]
  return x.length >= 2 && y.length >= 2 && (x.includes(y) || y.includes(x))
}

/**
 * What an id-like field of a response names: the field's own name when it says (`productId`), else the
 * object's place (`items` for `items[0].id`); undefined for a field named like no id, or a bare top-level `id`.
 */
function thingOf(path: JsonPath): string | undefined {
  const names = path.filter((part): part is string => typeof part === 'string')
  const leaf = names.at(-1)
  if (leaf === undefined || !ID_NAME.test(leaf)) return undefined
  return stemOf(leaf).length >= 2 ? leaf : names.at(-2)
}

/** Context keys the step set or changed, and the ones it removed. */
export function contextChanges(before: Record<string, unknown>, after: Record<string, unknown>): { set: [string, unknown][]; deleted: string[] } {
  const set = Object.entries(after).filter(([k, v]) => !Object.hasOwn(before, k) || !deepEqual(before[k], v))
  const deleted = Object.keys(before).filter((k) => !Object.hasOwn(after, k))
  return { set, deleted }
}

/** Where in a step's responses a context value came from: which exchange, and the place in its body. */
interface ContextOrigin {
  exchange: number
  path: JsonPath
  secret: boolean
  /** The value is the size of the list at `path`, written `plural(size, count)`. */
  count?: string
  /** The value is the size of the list at `path`, as a number. */
  size?: true
  /** With `count`: `path` is the collection's total beside a page of it (`{ items, total }`), not a list. */
  total?: true
  /** The value is a segment of the URL in a response header, not in the body (then `path` is empty). */
  header?: HeaderOrigin
  /** Other places held the value too, and none named the key: what the journey's comment says of the choice. */
  ambiguous?: string
}

/**
 * The response a context value was read from: the first of the step's exchanges that holds it. A
 * secret was redacted when recorded, so for a secret key the place is the redacted field of that name.
 */
function originOf(key: string, value: unknown, exchanges: readonly HttpExchange[], input: unknown): ContextOrigin | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return undefined
  const secret = isSecretValue(value, key) || knownSecrets.has(value)
  // Only a field whose name says nothing of the key (`page` for `projectId`) in an earlier exchange: a
  // later one that holds the value under a name that does (the create's `id`) is where it came from. A
  // create that lists its collection first got `{ page: 1 }` before `{ id: 1 }`, and the journey read the
  // id from the page number: on a database whose next id is not 1 it failed on a 404, not on the bug.
  if (!secret) {
    const inBody = bodyOrigin(key, value, exchanges, input)
    if (inBody === 'input') return undefined
    if (inBody) return inBody
  }
  for (const [j, exchange] of exchanges.entries()) {
    const body = exchange.response?.body
    const path = bestPath(pathsOf(body, value), key)
    if (path && path.length > 0) return { exchange: j, path, secret }
    if (secret) {
      // The body as received says which masked field held the value: of `{ jwt, token }` both show the
      // mask, and a context key named after neither (`session`) would take the first.
      const exact = bestPath(pathsOf(receivedJson(exchange), value), key)
      if (exact && exact.length > 0) return { exchange: j, path: exact, secret }
      const redacted = pathsOf(body, REDACTED).filter((p) => String(p[p.length - 1]) === key || isSecretKey(String(p[p.length - 1])))
      const at = bestPath(redacted, key)
      if (at) return { exchange: j, path: at, secret }
      // A code an OAuth redirect hands out in its URL (`Location: /callback?code=...`): read from this
      // run's redirect, since a code is good once.
      const param = headerParam(exchange, key, value)
      if (param) return { exchange: j, path: [], secret, header: { ...param, segment: 0, number: typeof value === 'number' } }
    }
  }
  // Not in any body: an id a 201 hands out only in its `Location` (`/items/4`, no body) is set from that
  // header. Left as the literal of this run (`ctx.set('itemId', '4')`), the journey would delete item 4 of
  // whatever database it runs on, another item than the one it created, and pass with the bug still there.
  if (secret || (typeof value !== 'string' && typeof value !== 'number') || String(value) === '') return undefined
  for (const [j, exchange] of exchanges.entries()) {
    const found = headerSegments(exchange).find((s) => s.value === String(value))
    if (found) return { exchange: j, path: [], secret: false, header: { ...found.header, number: typeof value === 'number' } }
  }
  return undefined
}

/**
 * The place in the step's response bodies a context value was read from. A place that names the key wins
 * wherever it is: the field itself (`cartId`), or an `id` of the thing the key names (the `id` of what
 * `POST /carts` answered, `order.id` for `orderId`). In a fresh database every table's ids start at 1, so
 * the same number is often in several places: the list of products read before the cart was made holds the
 * cart's id at `[0].id`, the checkout's `cart.id` holds the order's. Read from those, the journey took the
 * product for the cart once ids differed, and failed on a 404 on the fixed app. Before any of those, a key
 * named like no id whose value the step's input holds is the input's, an answer saying it back or not (see
 * echoesInput). With no place named so, a value the step's input holds is the input's (`qty: 1`, not the
 * line's `id` that is 1 too: 'input'); else
 * the first place named like an id, and the other places that held it are said (`ambiguous`).
 */
function bodyOrigin(key: string, value: unknown, exchanges: readonly HttpExchange[], input: unknown): ContextOrigin | 'input' | undefined {
  const candidates = exchanges.flatMap((exchange, j) =>
    pathsOf(exchange.response?.body, value)
      .filter((path) => path.length > 0)
      .map((path) => ({ exchange: j, path, thing: placeThing(exchange.request.url, path) })),
  )
  // An empty list counted (`productsBefore: 0`) is in no body as a value: its size all the same.
  if (!candidates.length) return ID_NAME.test(key) ? undefined : sizeOrigin(key, value, exchanges)
  if (echoesInput(leavesOf(input), key, value)) return 'input'
  const inOrder = (a: (typeof candidates)[number], b: (typeof candidates)[number]) =>
    a.exchange - b.exchange || pathScore(a.path, key) - pathScore(b.path, key) || a.path.length - b.path.length
  const namedInBody = candidates.filter((c) => namesKey(c.path, key) || (c.thing !== undefined && idOf(c.thing, key)))
  if (namedInBody.length) {
    const [chosen] = namedInBody.sort(inOrder)
    return { exchange: chosen!.exchange, path: chosen!.path, secret: false }
  }
  const named = namedHeaderOrigin(key, value, exchanges)
  if (named) return named
  if (leavesOf(input).some((leaf) => leaf.value === value)) return 'input'
  const where = (c: (typeof candidates)[number]) => placeText(exchanges[c.exchange]!, c.path)
  // A number kept under a key named like a count, or like the list (`productsBefore`), the size of a list a
  // response held (the catalogue counted before adding to it): its size, not the `[0].id` of its one
  // product, which is 1 as well in a fresh app.
  const sized = ID_NAME.test(key) ? undefined : sizeOrigin(key, value, exchanges)
  if (sized) {
    const text = `the size of ${placeText(exchanges[sized.exchange]!, sized.path)}`
    return { ...sized, ambiguous: ambiguity(`"${key}" (${String(value)})`, text, candidates.map(where)) }
  }
  // A field named like no id at all (`page`) last: the create's `id` after a list's `{ page: 1 }` is the id.
  const unnamed = (path: JsonPath) => Number(pathScore(path, key) === UNNAMED)
  const [chosen, ...others] = candidates.sort((a, b) => unnamed(a.path) - unnamed(b.path) || inOrder(a, b))
  return {
    exchange: chosen!.exchange,
    path: chosen!.path,
    secret: false,
    ...(others.length ? { ambiguous: ambiguity(`"${key}" (${String(value)})`, where(chosen!), others.map(where)) } : {}),
  }
}

/**
 * A segment of a response's `Location` that names the key by the collection before it (`reviewId` of
 * `/products/1/reviews/4`): a 201 whose body holds the product's id and a count, each 1 in a fresh app,
 * gives the review's id in its Location alone.
 */
function namedHeaderOrigin(key: string, value: unknown, exchanges: readonly HttpExchange[]): ContextOrigin | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  for (const [j, exchange] of exchanges.entries()) {
    const found = headerSegments(exchange).find((s) => s.value === String(value) && s.thing !== undefined && namesTheSame(s.thing, key))
    if (found) return { exchange: j, path: [], secret: false, header: { ...found.header, number: typeof value === 'number' } }
  }
  return undefined
}

/**
 * The first response of the step that holds a list of `value` items (see listPath), when `key` reads as its
 * size: named like a count (`count`, `total`, `before`), or like the list (`productsBefore` of `GET
 * /products`, `linesSeen` of `{ lines: [...] }`).
 */
function sizeOrigin(key: string, value: unknown, exchanges: readonly HttpExchange[]): ContextOrigin | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return undefined
  for (const [j, exchange] of exchanges.entries()) {
    const path = listPath(exchange.response?.body, value)
    if (!path) continue
    const list = path.length ? String(path[0]) : placeThing(exchange.request.url, ['id'])
    if (COUNT_NAME.test(key) || (list !== undefined && namesTheSame(list, key))) return { exchange: j, path, secret: false, size: true }
  }
  return undefined
}

/** A key that names a count: `count`, `productCount`, `total`, `size`, `before`, `nItems`. */
const COUNT_NAME = /count|total|size|length|before|after|number|^n[A-Z]/i

/**
 * True when `key` is named as the id of `thing`: `cartId` or `cart` of `carts`; not `productsBefore` of
 * `products`, a count of them.
 */
function idOf(thing: string, key: string): boolean {
  return ID_NAME.test(key) ? namesTheSame(thing, key) : stemOf(key) === stemOf(thing)
}

/** True when a path's last name is the key's, or one the key ends with that says more than `id` (`total` for `cartTotal`). */
function namesKey(path: JsonPath, key: string): boolean {
  const score = pathScore(path, key)
  return score === 0 || (score === 1 && stemOf(String(path[path.length - 1])).length >= 2)
}

/**
 * What the value at `path` of the response to `url` is the id of: what the path says (see thingOf); for a
 * bare `id` (`{ id: 4 }`, `[{ id: 4 }]`), the collection the request went to (`carts` of `POST /carts`,
 * `lines` of `POST /carts/1/lines`).
 */
function placeThing(url: string, path: JsonPath): string | undefined {
  const thing = thingOf(path)
  if (thing !== undefined) return thing
  const names = path.filter((part): part is string => typeof part === 'string')
  if (names.length !== 1 || !ID_NAME.test(names[0]!)) return undefined
  return headerPathname(url, url)
    ?.split('/')
    .map(safeDecode)
    .reverse()
    .find((segment) => COLLECTION.test(segment))
}

/** `GET /products [0].id`: a place in a response, for a comment. */
function placeText(exchange: HttpExchange, path: JsonPath): string {
  const pathname = headerPathname(exchange.request.url, exchange.request.url) ?? exchange.request.url
  return `${exchange.request.method.toUpperCase()} ${pathname} ${accessPath(path) || '(the body)'}`
}

/** The comment over a request that reads `what` from `chosen` by its value alone, while `others` held it too. */
function ambiguity(what: string, chosen: string, others: readonly string[]): string {
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '')
  const also = others.length ? `${shown} held the same value` : 'no name ties the two'
  return `AMBIGUOUS: ${what} is read from ${chosen} by its value alone; ${also}. Check it is where the action took it from.`
}

/** A segment of the URL in a response header: its value, where it is, and the collection the segment before it names (`reviews` of `/reviews/4`). */
interface HeaderSegment {
  value: string
  header: Omit<HeaderOrigin, 'number'>
  thing?: string
}

/** A path segment that names a collection (`carts`, `line-items`), not an id. */
const COLLECTION = /^[A-Za-z][A-Za-z_-]*$/

/** Response headers whose value is a URL a client follows to what the request made or names. */
const URL_HEADERS = ['location', 'content-location']

/**
 * The path segments of the URLs in a response's `Location` and `Content-Location`, decoded, each with
 * where it is (counted from the end, the way the journey reads it, whether the URL is absolute or not);
 * from the last segment back, so that of `/items/4/parts/4` the last `4` is found first.
 */
function headerSegments(exchange: HttpExchange): HeaderSegment[] {
  const headers = exchange.response?.headers ?? {}
  const out: HeaderSegment[] = []
  for (const [name, raw] of Object.entries(headers)) {
    if (!URL_HEADERS.includes(name.toLowerCase()) || typeof raw !== 'string') continue
    const pathname = headerPathname(raw, exchange.request.url)
    if (pathname === undefined) continue
    const segments = pathname.split('/')
    for (let k = 1; k < segments.length; k++) {
      const value = safeDecode(segments[segments.length - k]!)
      // Named in lower case, as the journey's response has its headers. A part the record masked (a key in
      // the path) is no id.
      if (value === '' || holdsMask(value)) continue
      const before = safeDecode(segments[segments.length - k - 1] ?? '')
      out.push({ value, header: { name: name.toLowerCase(), segment: k }, ...(COLLECTION.test(before) ? { thing: before } : {}) })
    }
  }
  return out
}

/**
 * The parameter of the query of a response's `Location` or `Content-Location` that holds `value`: found by
 * the value in the headers as received, when this process received them; else, in a record read back, the
 * masked parameter named like `key`.
 */
function headerParam(exchange: HttpExchange, key: string, value: unknown): { name: string; param: string } | undefined {
  const received = receivedHeaders(exchange)
  const headers = received ?? exchange.response?.headers ?? {}
  for (const [name, raw] of Object.entries(headers)) {
    if (!URL_HEADERS.includes(name.toLowerCase()) || typeof raw !== 'string' || !raw.includes('?')) continue
    const query = new URLSearchParams(raw.slice(raw.indexOf('?') + 1).split('#')[0])
    for (const [param, held] of query) {
      if (received ? held === String(value) : held === REDACTED && namesTheSame(param, key)) return { name: name.toLowerCase(), param }
    }
  }
  return undefined
}

/** The path of a header's URL, as `new URL(value, request URL).pathname` gives it in the journey. */
function headerPathname(value: string, requestUrl: string): string | undefined {
  try {
    return new URL(value, requestUrl).pathname
  } catch {
    try {
      return new URL(value, 'http://localhost').pathname
    } catch {
      return undefined
    }
  }
}

/** The JSON body of an exchange as this process received it, unredacted; undefined when not at hand or not JSON. */
function receivedJson(exchange: HttpExchange): unknown {
  return parsedJson(receivedBodyText(exchange))
}

/** The JSON body of a request as this process sent it, unredacted; undefined when not at hand or not JSON. */
function sentJson(exchange: HttpExchange): unknown {
  return parsedJson(sentRequest(exchange)?.bodyText)
}

/** The query of a request's URL as this process sent it, unredacted; undefined when not at hand. */
function sentQuery(exchange: HttpExchange): string | undefined {
  const url = sentRequest(exchange)?.url
  return url === undefined ? undefined : splitOnce(url.split('#')[0]!, '?')[1]
}

/** A query's `name=value`, decoded as URLSearchParams decodes it. */
function queryPair(pair: string): { name: string; value: string } {
  const [name, value = ''] = splitOnce(pair, '=')
  const decode = (text: string) => safeDecode(text.replace(/\+/g, ' '))
  return { name: decode(name), value: decode(value) }
}

function parsedJson(text: string | undefined): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A count of items as `plural(n, 'item')` writes it: `1 item`, `3 items`. */
const ITEM_COUNT = /^(\d+) items?$/

/**
 * A count the step took of a list it read, as `3 items` (the OpenAPI actions keep a collection's size
 * so, just before a create on it, for `no_leak_on_failed_create`): the first of the step's responses
 * that holds a list of that size, or a page of one with its collection's total (`{ items, total }`), as
 * collectionSize counts it. The journey counts that list again when it runs: the count from the
 * exploration, written as it was, would fail the fixed app when it starts with one item more, and could
 * pass the buggy one when it starts with one fewer.
 */
function countOrigin(value: unknown, exchanges: readonly HttpExchange[]): ContextOrigin | undefined {
  const count = typeof value === 'string' ? ITEM_COUNT.exec(value) : null
  if (!count) return undefined
  for (const [j, exchange] of exchanges.entries()) {
    const body = exchange.response?.body
    const at = collectionSizePath(body)
    if (at && collectionSize(body) === Number(count[1])) return { exchange: j, path: at.path, secret: false, count: 'item', ...(at.total ? { total: true as const } : {}) }
  }
  return undefined
}

/** Where a list of `size` items is in a body: the body itself, or the one list of an envelope (`{ data: [...] }`). */
function listPath(body: unknown, size: number): JsonPath | undefined {
  if (Array.isArray(body)) return body.length === size ? [] : undefined
  if (!isPlainObject(body)) return undefined
  const lists = Object.entries(body).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
  return lists.length === 1 && lists[0]![1].length === size ? [lists[0]![0]] : undefined
}

/** The HTTP client retries by itself: a repeated attempt of the same request is not written twice. */
function withoutClientRetries(exchanges: readonly HttpExchange[]): HttpExchange[] {
  return exchanges.filter((e, i) => {
    const next = exchanges[i + 1]
    return !(next && next.attempt > 1 && next.request.method === e.request.method && next.request.url === e.request.url)
  })
}

/** Headers every request of the run sent with the same value: the client's own (config, setup), not a step's. */
function headersOnEveryRequest(exchanges: readonly HttpExchange[]): Set<string> {
  if (exchanges.length < 2) return new Set()
  const [first, ...rest] = exchanges
  return new Set(Object.entries(first!.request.headers).filter(([k, v]) => rest.every((e) => e.request.headers[k] === v)).map(([k]) => k))
}

/** `http://127.0.0.1:47101` of `http://127.0.0.1:47101/health`; none for a URL without a scheme. */
function urlOrigin(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0]
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator)
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)]
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
