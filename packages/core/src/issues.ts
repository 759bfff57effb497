import { ERROR_CODES, type ErrorCode } from './error-codes'
import { type ErrorKind, VenomError, errorMessage } from './errors'
import type { RecordedRequest, RecordedResponse } from './http'

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s)
}

export interface Issue {
  journey: string
  /** 'main' or the path's name; nested paths are joined with ' > '. */
  path: string
  step: string
  severity: Severity
  kind: ErrorKind
  error: string
  suggestion: string
  /** Who raised it: 'step', 'runner', 'state', or 'plugin:<name>'. */
  source: string
  request?: RecordedRequest
  response?: RecordedResponse
  timestamp: string
}

const STATUS_SUGGESTIONS: Record<number, string> = {
  400: 'The server rejected the request as malformed: check the body shape and content-type.',
  401: 'Authentication failed: check that a login step ran first and that its token is sent (http.setAuthToken or an Authorization header).',
  403: 'Authenticated but not allowed: check the user\'s role or the resource\'s owner.',
  404: 'Not found: check the path and that the id in the URL was created by an earlier step in this path (ctx.require).',
  405: 'Method not allowed: check the HTTP method for this route.',
  408: 'The server timed out waiting for the request: check the server and the request size.',
  409: 'Conflict: the resource already exists or changed; this often means state leaked between paths. Check the checkpoint and rollback.',
  410: 'Gone: the resource was deleted earlier, possibly by a sibling path. Check rollback between paths.',
  413: 'Payload too large: send a smaller body or raise the server limit.',
  415: 'Unsupported media type: send JSON with { json } or set content-type.',
  422: 'Validation failed: compare the request body with what the API expects; the response body usually names the field.',
  429: 'Rate limited: slow down, add retries with backoff, or raise the limit for the test environment.',
  500: 'Server error: read the API\'s logs for the stack trace; the request in this issue reproduces it.',
  501: 'Not implemented: this route or method does not exist on this server version.',
  502: 'Bad gateway: a proxy could not reach the app. Check that the app is running behind it.',
  503: 'Service unavailable: the app or a dependency is down or starting. Check health, or retry.',
  504: 'Gateway timeout: the app answered too slowly through the proxy. Check slow queries or raise timeouts.',
}

const KIND_SUGGESTIONS: Record<ErrorKind, string> = {
  'http-status': 'Check the response body for details.',
  timeout: 'The action ran past its timeout and was aborted: check the API\'s latency or raise the step timeout.',
  aborted: 'The run was interrupted before this step finished.',
  'connection-refused': 'Nothing is listening at the base URL: start the API, or fix baseUrl / --base-url (or the environment variable the config reads it from, API_URL in the one `venomqa init` writes).',
  'connection-reset': 'The server closed the connection: check the API\'s logs for a crash.',
  dns: 'The host name does not resolve: check baseUrl.',
  tls: 'TLS failed: check the certificate, or use http:// for a local server.',
  transport: 'The request failed before a response arrived: check that the API is reachable.',
  assertion: 'An expectation in the step failed: compare expected and actual values in the error.',
  'expected-failure-missing': 'The step was marked expectFailure but succeeded: the API accepted input it should reject, or the flag is wrong.',
  // Said of journeys, branches and explorations alike: no word here may name only one of them.
  state: 'A state backend could not save or put back the state, and nothing ran on from a state it could not vouch for. Check the backend\'s connection and permissions.',
  hook: 'A plugin hook threw; the run went on. Fix the plugin, or remove it from the config.',
  'port-missing': 'A step needs a port no plugin provides: add the adapter plugin to the config.',
  crash: 'The action threw an unexpected error: read the error and its stack (run with --debug).',
  'stray-error':
    'Code started by this step threw or rejected where nothing awaited it (a timer callback, a promise not returned or awaited): await every promise the step starts.',
  stall: 'It waited for something that never happened: give the step a timeout, and make sure every promise it returns settles.',
}

/** Errors whose code says more than their kind does ('crash' for both): what to do about each. */
const CODE_SUGGESTIONS: Partial<Record<ErrorCode, string>> = {
  E_CONTEXT_COPY:
    'Each path of a branch starts from a copy of the context taken at its checkpoint, and a copy keeps plain data only (objects, arrays, strings, numbers, Date, Map, Set): store the data a step needs (res.json(), an id, a token), not a function, a class instance or a response object, and rebuild anything else where it is used.',
  E_CONTEXT_MISSING:
    "A step read a value that no earlier step of this path set: set it with ctx.set() in an earlier step, check the key's spelling, and remember that each path of a branch starts from the context saved at its checkpoint, never from a sibling path's.",
}

/**
 * The suggestion for what a step threw: the error's own `suggestion` (a string the code that threw knows
 * better than the error's code or kind: a helper's assertion, a generated journey's unset secret, a mail
 * wait that names what to check), else its error code's; undefined otherwise, and the issue's comes from
 * the error's kind. The own one wins for a VenomError too: a subclass shares its code (E_TIMEOUT) with
 * errors whose advice does not fit it.
 */
export function suggestionForError(err: unknown): string | undefined {
  const own = typeof err === 'object' && err !== null ? (err as { suggestion?: unknown }).suggestion : undefined
  if (typeof own === 'string' && own.trim()) return own.trim()
  if (!(err instanceof VenomError)) return undefined
  return CODE_SUGGESTIONS[err.code] ?? portSuggestion(err.code)
}

/**
 * The codes of the errors a port on a service throws (Redis, the mail server and its API, Elasticsearch,
 * WireMock): such an error says what failed and where itself, and was told, as an unexpected crash, to
 * be read with its stack.
 */
const PORT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_REDIS', 'E_MAIL_SEND', 'E_MAIL_API', 'E_SEARCH', 'E_WIREMOCK'])

/** What to do about a port's error (see PORT_CODES), from what its code means; undefined for another code. */
function portSuggestion(code: ErrorCode): string | undefined {
  if (!PORT_CODES.has(code)) return undefined
  return `A port failed (${code}: ${ERROR_CODES[code]}): its message says what and where. Check that service and the options its plugin gives the port; \`venomqa doctor\` checks the plugins' services.`
}

/**
 * A 409 where no other path ran before it (the setup, a journey's first path, an invariant's own
 * request in a regression journey): nothing could leak between paths yet, so the conflict is the API's
 * own rule that a value be unique, met by a value written into the test.
 */
const UNIQUE_VALUE_CONFLICT =
  "Conflict: the API already holds something with a value this request sends and it requires to be unique, most often a fixed one (an email, a name, a SKU) that an earlier run left behind: what a journey's main line (or an exploration's setup) writes stays after the run. Make that value unique per run (add a random suffix), put each journey back after it runs (`restore: true`, `venomqa run --restore`), or look the thing up before creating it. Data no state backend covers (a table left out, keys outside the Redis prefix) is not rolled back between paths either."

/**
 * A 409 to an action of an exploration's sequence that started from a restored checkpoint: nothing of
 * another path was there, so the conflict is with what the sequence itself (or the setup) made.
 */
const SEQUENCE_CONFLICT =
  'Conflict with what this sequence made, not state leaked between paths: every sequence of the exploration starts from a restored checkpoint, and replayed from the start it gets the same 409. Most often an earlier action of the sequence sent the same fixed value (a name, a SKU, an email) or left the thing in a state that forbids this request; if the action must not conflict, make that value unique per call, or give the action a `when` that rules that state out.'

/** How a path that nothing rolled back explains a status met after it: what an earlier path wrote is still there. */
const NO_ROLLBACK =
  'no state backend rolled back the paths before it, so what they wrote (or deleted) is still there. Register a state backend for the system under test (@venomqa/state-postgres, @venomqa/state-mysql, @venomqa/adapter-redis with a prefix, or http-control) so that each path starts from its checkpoint.'

/** A status met after other paths that nothing rolled back, by status: most often one of those paths' doing. */
const LEAKED_STATE_SUGGESTIONS: Record<number, string> = {
  404: `Not found, possibly deleted by an earlier path: ${NO_ROLLBACK}`,
  409: `Conflict: the resource already exists or changed; this often means state leaked between paths: ${NO_ROLLBACK}`,
  410: `Gone, possibly deleted by an earlier path: ${NO_ROLLBACK}`,
}

/** Where a step ran, for the suggestions that depend on it. */
export interface SuggestionPlace {
  /**
   * Another path ran before it from a checkpoint and nothing rolled that path's writes back (no state
   * backend): state may have leaked from it. False when a state backend put the system back between paths.
   */
  afterOtherPaths: boolean
  /**
   * An action of an exploration's sequence (or the invariant checked after it), rather than a step of a
   * journey; with `afterOtherPaths` false, the sequence started from a restored checkpoint.
   */
  exploredSequence?: boolean
  /** The URL the status came from: a 404 at `/api/api/items` says where the doubled prefix comes from. */
  url?: string
}

/**
 * The first segment of a URL's path when the second is the same (`api` of `/api/api/items`): most often a
 * base URL that ends in the API's prefix (`http://host/api`) and a step's path that starts with it again.
 */
function doubledPrefix(url: string | undefined): string | undefined {
  if (!url) return undefined
  let pathname: string
  try {
    pathname = new URL(url).pathname
  } catch {
    return undefined
  }
  return /^\/([^/]+)\/\1(?:\/|$)/.exec(pathname)?.[1]
}

/** The advice for a 404 at a URL whose path starts with a segment twice (see doubledPrefix); undefined otherwise. */
function doubledPrefixSuggestion(status: number | undefined, url: string | undefined): string | undefined {
  const segment = status === 404 ? doubledPrefix(url) : undefined
  if (segment === undefined) return undefined
  return `Not found, and the URL's path starts with /${segment}/${segment}/: most often the base URL ends in /${segment} and the step's path starts with /${segment} too, so it is sent twice. Drop it from one of them (the base URL, --base-url or the variable the config reads it from, or the paths).`
}

/**
 * A suggestion from the status code when there is one, else from the error kind. Given where the step
 * ran, a 409 is blamed on state leaking between paths only where another path ran before it.
 */
export function suggestionFor(kind: ErrorKind, status?: number, place?: SuggestionPlace): string {
  const doubled = doubledPrefixSuggestion(status, place?.url)
  if (doubled !== undefined) return doubled
  if (status === 409 && place && !place.afterOtherPaths) return place.exploredSequence ? SEQUENCE_CONFLICT : UNIQUE_VALUE_CONFLICT
  if (status !== undefined && place?.afterOtherPaths && !place.exploredSequence) {
    const leaked = LEAKED_STATE_SUGGESTIONS[status]
    if (leaked) return leaked
  }
  if (status !== undefined) {
    const exact = STATUS_SUGGESTIONS[status]
    if (exact) return exact
    if (status >= 500) return STATUS_SUGGESTIONS[500]!
    if (status >= 400) return 'The API rejected the request: the response body usually says why.'
  }
  return KIND_SUGGESTIONS[kind]
}

export function makeIssue(fields: Omit<Issue, 'suggestion' | 'timestamp'> & { suggestion?: string; timestamp?: string }): Issue {
  return {
    ...fields,
    // Every issue has a readable error, whatever value the code that failed threw.
    error: typeof fields.error === 'string' && fields.error ? fields.error : errorMessage(fields.error),
    suggestion: fields.suggestion ?? doubledPrefixSuggestion(fields.response?.status, fields.request?.url) ?? suggestionFor(fields.kind, fields.response?.status),
    timestamp: fields.timestamp ?? new Date().toISOString(),
  }
}

/**
 * An issue's place as every report says it (the console, JUnit, Markdown, HTML, Slack): its journey, path
 * and step, joined by the console's separator (U+203A, a single right-pointing angle quote), the main path
 * left out (a journey without branches has no other), a nested path whole, as results name it
 * (`card > retry`). Empty for an issue that names no place: the caller says its source or its kind.
 */
export function issuePlace(i: Pick<Issue, 'journey' | 'path' | 'step'>): string {
  return issuePlaceParts(i).join(' \u203a ')
}

/** The parts issuePlace joins, empty ones left out: for a report that sets each apart (Slack bolds each). */
export function issuePlaceParts(i: Pick<Issue, 'journey' | 'path' | 'step'>): string[] {
  return [i.journey, i.path !== 'main' ? i.path : '', i.step].filter(Boolean)
}
