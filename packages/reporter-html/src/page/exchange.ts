/** A step's request, response, earlier attempts, log and stack, as shown when its details are opened. */
import type { PageBody, PageExchange, PageRequest, PageResponse, PageStep } from '../page-model'
import type { Report } from './data'
import { isJsonBody } from './data'
import { type Child, button, el } from './dom'
import { formatMs, prettyJson } from './format'

function bodyView(body: PageBody | undefined): Child {
  if (!body) return el('div', 'empty', '(no body)')
  if (isJsonBody(body)) return el('pre', 'body', JSON.stringify(body.j, null, 2))
  if (body.cut) {
    return [
      el('div', 'note', `Body truncated: showing the first ${body.t.length.toLocaleString()} of ${body.cut.toLocaleString()} characters.`),
      el('pre', 'body', body.t),
    ]
  }
  return el('pre', 'body', prettyJson(body.t))
}

function headersTable(report: Report, ids: number[] | undefined): HTMLTableElement | null {
  if (!ids?.length) return null
  const table = el('table')
  for (const [name, value] of report.headers(ids)) table.appendChild(el('tr', null, [el('td', null, name), el('td', null, value)]))
  return table
}

function part(title: string, kids: Child): HTMLDivElement {
  return el('div', 'part', [el('div', 'title', title), kids])
}

export function requestPart(report: Report, title: string, request: PageRequest): HTMLDivElement {
  return part(title, [el('div', 'mono', `${request.m} ${report.url(request)}`), headersTable(report, request.h), bodyView(request.b), curlView(request)])
}

/** A failed step's request as a curl command to paste into a terminal, with a button that copies it. */
function curlView(request: PageRequest): Child {
  const curl = request.cu
  if (!curl) return null
  const pre = el('pre', 'curl', curl)
  const copy = button('Copy', 'btn copy', () => {
    // The clipboard API may be refused (a page opened from a file in some browsers): select the text instead.
    const select = () => getSelection()?.selectAllChildren(pre)
    const done = () => {
      copy.textContent = 'Copied'
    }
    if (navigator.clipboard) navigator.clipboard.writeText(curl).then(done, select)
    else select()
  })
  return el('div', 'curl-box', [el('div', 'title', ['As a curl command ', copy]), pre])
}

export function responsePart(report: Report, title: string, response: PageResponse): HTMLDivElement {
  return part(`${title} \u00b7 ${response.s}`, [headersTable(report, response.h), bodyView(response.b)])
}

/** One whole exchange, as a step's: the request, then the response or why none came. */
export function exchangeParts(report: Report, title: string, x: PageExchange): HTMLDivElement[] {
  const parts = [requestPart(report, `${title} \u00b7 request`, x.rq)]
  if (x.rs) parts.push(responsePart(report, 'Response', x.rs))
  else parts.push(part('Response', el('div', 'err', x.e ?? 'No response arrived.')))
  return parts
}

export function stepDetails(report: Report, step: PageStep): HTMLDivElement {
  const box = el('div', 'io-body')
  if (step.rq) box.appendChild(requestPart(report, 'Request', step.rq))
  if (step.rs) box.appendChild(responsePart(report, 'Response', step.rs))
  else if (step.rq) box.appendChild(step.re ? part('Response', el('div', 'err', step.re)) : el('div', 'empty', 'No response arrived.'))
  const earlier = step.ex ?? []
  earlier.forEach((x, i) => {
    // `a` is the HTTP client's try of that one request (a GET retried on a 503), not the step's attempt: a
    // step run three times sends three first tries.
    const clientTry = x.a > 1 ? ` \u00b7 the HTTP client's try ${x.a}` : ''
    const head = `Earlier request ${i + 1} of ${earlier.length}${clientTry} \u00b7 ${formatMs(x.ms)}${x.c ? ' \u00b7 from cache' : ''}`
    box.appendChild(
      part(head, [
        el('div', 'mono', `${x.rq.m} ${report.url(x.rq)}${x.rs ? ` \u2192 ${x.rs.s}` : ''}`),
        x.e ? el('div', 'err', x.e) : null,
        x.rs ? bodyView(x.rs.b) : null,
        curlView(x.rq),
      ]),
    )
  })
  if (step.lg) box.appendChild(part('Log', el('pre', null, step.lg.map(([level, message]) => `${level.toUpperCase()} ${message}`).join('\n'))))
  if (step.e?.st) box.appendChild(part('Stack', el('pre', null, step.e.st)))
  return box
}
