import { type RecordedRequest, type RecordedResponse, type StepResult, curlCommand, escapeControlChars } from '@venomqa/core'

/** One request a step made, as a report lists it. */
export interface StepRequest {
  request: RecordedRequest
  response?: RecordedResponse
  error?: string
  attempt?: number
}

/**
 * Every request a step made, in order: all of them (every attempt) when it made several, else the one it
 * shows. Takes a redacted result that was not escaped for a terminal: a curl command must carry a body's
 * characters as they were, and quotes what a terminal must not see itself.
 */
export function stepRequests(r: StepResult): StepRequest[] {
  const all = (r.exchanges ?? []).filter((x) => x?.request)
  if (all.length) return all
  return r.request ? [{ request: r.request, response: r.response, ...(r.requestError !== undefined ? { error: r.requestError } : {}) }] : []
}

/** `POST http://host/api/x → 400`, `→ failed: <why>`, and the attempt of a retried one; one line, escaped. */
export function requestSummary(x: StepRequest, arrow = '→'): string {
  const outcome = x.response ? String(x.response.status) : `failed: ${x.error ?? 'no response'}`
  const attempt = x.attempt && x.attempt > 1 ? ` (attempt ${x.attempt})` : ''
  return oneLine(`${x.request.method} ${x.request.url} ${arrow} ${outcome}${attempt}`)
}

/**
 * A failed step's requests as a shell script to paste: for each, a `# METHOD URL → status` line (numbered
 * when there are several), the variables to set, and the curl command. Undefined when it sent none.
 */
export function reproduceScript(r: StepResult, arrow = '→'): string | undefined {
  const requests = stepRequests(r)
  if (!requests.length) return undefined
  return requests
    .map((x, i) => {
      const { command, comments } = curlCommand(x.request)
      return [`# ${requests.length > 1 ? `${i + 1}. ` : ''}${requestSummary(x, arrow)}`, ...comments, command].join('\n')
    })
    .join('\n\n')
}

/** Text on one line that cannot drive a terminal: a comment line must not end early. */
function oneLine(s: string): string {
  return escapeControlChars(s.replace(/[\r\n\u2028\u2029]+/g, ' '))
}
