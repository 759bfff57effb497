import { randomBytes } from 'node:crypto'
import { ConfigError, type HttpClient, type HttpResponse, type StepNode, contextIdentity, redactBody, step } from '@venomqa/core'
import { safeJson } from './actions'
import { bodyOptions } from './body'
import { resolvePointer } from './document'
import { type Model, type OpenApiAuth, type OpenApiOptions, loadModel, setupRoot } from './model'
import { type Operation, describeOperation } from './operations'
import { typicalValue } from './sample'

/**
 * The setup steps auth from the config makes: a bearer token set on the client, or a sign-up (if named)
 * then a log-in whose response's token is sent from then on. Without credentials, the sign-up's body is
 * sampled from its schema with a fresh email, so every run is a new user with nothing of its own yet.
 */
export function openApiSetup(source: string, options: OpenApiOptions = {}): StepNode[] {
  const auth = options.auth
  if (!auth) return []
  if ('bearer' in auth) {
    const { bearer, variable } = auth
    return [
      step('authorize', async ({ http }) => {
        http.setAuthToken(bearer)
        await checkBearer(http, await loadModel(source, options, setupRoot(source, options)), variable)
      }),
    ]
  }
  if (!auth.signUp && !auth.credentials) throw new ConfigError('openapi.auth: a login needs credentials, or a signUp operation to make them with', { where: 'openapi.auth' })
  const model = () => loadModel(source, options, setupRoot(source, options))
  // The credentials each run of these steps signed up with, by its context: one per journey, per worker's
  // lane and per replay. One variable for all of them let a worker's sign-up replace another's credentials
  // between that one's sign-up and log-in (explore --workers: worker 0 logged in as worker 1's user, whom its
  // own app never saw, and answered 401). Not in the context itself: it is copied into checkpoints and read
  // by reporters, and the credentials may be the user's own. Keyed by the context itself: each step's `ctx` is
  // a view of it of its own (see contextIdentity).
  const signedUp = new WeakMap<object, Record<string, unknown>>()
  const steps: StepNode[] = []
  if (auth.signUp) {
    steps.push(
      step('sign_up', async ({ http, ctx }) => {
        const m = await model()
        const op = m.authOps.signUp!
        const credentials = auth.credentials ?? freshCredentials(m, op.requestBody?.schema)
        signedUp.set(contextIdentity(ctx), credentials)
        const res = await http.request(op.method as never, op.path, await bodyOptions(op, credentials, m.doc))
        if (res.status >= 300) throw new Error(`sign-up ${describeOperation(op)} answered ${res.status}: ${answerStart(res)}`)
        return res
      }),
    )
  }
  steps.push(
    step('log_in', async ({ http, ctx }) => {
      const m = await model()
      const op = m.authOps.login!
      const body = loginBody(m, op.requestBody?.schema, signedUp.get(contextIdentity(ctx)) ?? auth.credentials ?? {})
      const res = await http.request(op.method as never, op.path, await bodyOptions(op, body, m.doc))
      if (res.status >= 300) throw new Error(`log-in ${describeOperation(op)} answered ${res.status}: ${answerStart(res)}`)
      http.setAuthToken(tokenOf(auth, safeJson(res.bodyText), describeOperation(op)))
      return res
    }),
  )
  return steps
}

/**
 * The start of a refusal's body, for its error: masked whole, then cut. Cut first, a secret the answer
 * echoes (the password sent, a token) was cut inside, and what was left of it no mask knew.
 */
function answerStart(res: HttpResponse): string {
  return String(redactBody(res.bodyText)).slice(0, 200)
}

/**
 * A wrong or expired token makes every secured operation answer 401: the exploration would take no edge
 * behind them, and each refusal it met would break `status_documented` and be written out as a regression
 * journey that shows nothing but the refusal. So the token is tried once, on the first secured GET with no
 * path parameter: refused (401, 403), the setup fails and says so. A document whose every secured GET
 * takes a path parameter (`GET /items/{itemId}`, no `GET /me`) has it tried on the first of those with a
 * made-up value in each parameter: a GET changes nothing, and the answer tells the token apart, as long as
 * only a 401 counts there (a 403 for an id that is no one's, or not this user's, is the API keeping it from
 * the user it knows). Any other answer is left to the exploration to judge; with no secured GET there is
 * nothing safe to try.
 */
async function checkBearer(http: HttpClient, m: Model, variable: string | undefined): Promise<void> {
  const securedGets = m.all.filter((o) => o.secured && o.method === 'GET')
  const plain = securedGets.find((o) => !o.path.includes('{'))
  const probe = plain ?? securedGets[0]
  if (!probe) return
  const res = await http.get(plain ? probe.path : withMadeUpPathValues(probe, m))
  if (res.status === 401 || (plain && res.status === 403))
    throw Object.assign(
      new Error(
        `${variable ?? 'openapi.auth.bearer'} was refused: ${describeOperation(probe)} answered ${res.status}, and every operation the document secures would be too (a wrong or expired token?)`,
      ),
      { suggestion: variable ? variableRefusedSuggestion(variable) : BEARER_REFUSED_SUGGESTION },
    )
}

/**
 * The advice for a refused bearer token. Without it the issue got the generic one for a 401 (check that a
 * login step ran and that its token is sent with http.setAuthToken), which is about setup code of the
 * user's own: `explore --openapi` has none, and what there is to change is the token the config gives.
 * The regression journeys it writes read that token from the environment instead: their module names the
 * variable (auth.variable) and gets advice of its own; a module written without it still gets this one, which names the variable too.
 */
const BEARER_REFUSED_SUGGESTION =
  'The token in openapi.auth.bearer of the config is wrong or expired (or not for this API): set a valid token there (or in the environment variable the config reads it from), and run again. A regression journey written by `venomqa explore --openapi` reads it from VENOMQA_OPENAPI_BEARER instead.'

/** The advice for a refused token read from an environment variable: the config's key was not read. */
function variableRefusedSuggestion(variable: string): string {
  return `The token in the environment variable ${variable} is wrong or expired (or not for this API): set a valid token there, and run again.`
}

/** The operation's path with each `{name}` given a value of its parameter's type (its example, else a sampled one). */
function withMadeUpPathValues(op: Operation, m: Model): string {
  return op.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const parameter = op.parameters.find((p) => p.in === 'path' && p.name === name)
    const value = parameter?.example ?? (parameter?.schema ? typicalValue(parameter.schema, m.doc) : undefined)
    return encodeURIComponent(typeof value === 'string' || typeof value === 'number' ? String(value) : '0')
  })
}

/**
 * The sign-up body: sampled, every string made unique to this run. A sampled password is a placeholder
 * ('string'), and the password is a secret: a body that sent the same text would be withheld from the journeys.
 */
function freshCredentials(m: Model, schema: Record<string, any> | undefined): Record<string, unknown> {
  const sampled = (schema ? typicalValue(schema, m.doc, true) : undefined) as Record<string, unknown> | undefined
  const out: Record<string, unknown> = { ...(sampled && typeof sampled === 'object' ? sampled : {}) }
  const nonce = randomBytes(4).toString('hex')
  for (const [key, value] of Object.entries(out)) {
    const format = schema?.properties?.[key]?.format
    if (format === 'email' || /email/i.test(key)) out[key] = `venomqa-${nonce}@example.com`
    else if (typeof value === 'string') out[key] = `${value}-${nonce}`.slice(-(schema?.properties?.[key]?.maxLength ?? 200))
  }
  return out
}

/** The log-in body: the credentials, restricted to the properties the log-in schema has (when it says). */
function loginBody(_m: Model, schema: Record<string, any> | undefined, credentials: Record<string, unknown>): Record<string, unknown> {
  const properties = schema?.properties
  if (!properties) return credentials
  return Object.fromEntries(Object.entries(credentials).filter(([k]) => Object.hasOwn(properties, k)))
}

function tokenOf(auth: Extract<OpenApiAuth, { login: string }>, body: unknown, operation: string): string {
  const pointers = auth.token ? [auth.token] : ['/token', '/accessToken', '/access_token']
  for (const pointer of pointers) {
    const value = resolvePointer(body, pointer)
    if (typeof value === 'string' && value) return value
  }
  throw new Error(`log-in ${operation}: no token at ${pointers.join(' or ')} of its response (set openapi.auth.token to its JSON pointer)`)
}
