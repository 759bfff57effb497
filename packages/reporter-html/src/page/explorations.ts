/**
 * The explorations section: per exploration its settings, search statistics, each violation (its minimal
 * requests and responses on opening it), the action coverage and the rollback and observe timings.
 */
import type { PageExchange, PageExploration, PageTiming, PageViolation } from '../page-model'
import type { Report } from './data'
import { type Child, el, flag, icon, onFirstOpen } from './dom'
import { exchangeParts } from './exchange'
import { formatMs, plural } from './format'

/** At most this many explorations open by themselves. */
const AUTO_OPEN = 10

function table(head: string[], rows: (string | number)[][], className = 'grid'): HTMLTableElement {
  const t = el('table', className)
  t.appendChild(el('thead', null, el('tr', null, head.map((h) => el('th', null, h)))))
  t.appendChild(el('tbody', null, rows.map((r) => el('tr', null, r.map((c) => el('td', typeof c === 'number' ? 'num' : null, String(c)))))))
  return t
}

/** `3.1 ms` for the few milliseconds a rollback takes, where a rounded `3 ms` would hide the difference. */
function fineMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : formatMs(ms)
}

function budget(tr: [string, number]): string {
  return `${tr[0]} budget of ${tr[0] === 'time' ? formatMs(tr[1]) : tr[1]}`
}

/** `POST http://host/api/x → 201`, or the error when no response came. */
function requestLine(report: Report, x: PageExchange): string {
  return `${x.rq.m} ${report.url(x.rq)} \u2192 ${x.rs ? x.rs.s : `failed${x.e ? `: ${x.e}` : ''}`}`
}

/** As core's sequenceHeading words it (the page's code imports no values from core, to stay small). */
function sequenceHeading(v: PageViolation): string {
  if (v.ns || (!v.rp[1] && v.fl <= v.seq.length)) return 'Sequence as the search found it, not shrunk'
  return v.sl ? `Shrunk until ${v.sl}, may not be minimal` : 'Minimal sequence'
}

function violationView(report: Report, v: PageViolation): HTMLDetailsElement {
  const [failures, attempts] = v.rp
  const reproduced = attempts ? `reproduced ${failures}/${attempts}` : 'not confirmed'
  const details = el('details', `violation${v.fk ? ' flaky' : ''}`)
  details.appendChild(
    el('summary', null, [
      el('span', `sev ${v.sv}`, v.sv),
      ' ',
      el('span', 'inv', v.inv),
      v.fk ? flag('flaky') : null,
      el('span', 'stats', `${plural(v.seq.length, 'action')} \u00b7 ${reproduced}`),
      el('div', 'msg', v.m),
    ]),
  )
  onFirstOpen(details, () => {
    const facts: Child[] = [
      attempts ? `Reproduced ${failures} of ${attempts} attempts from the root${v.fk ? `: flaky, ${failures ? 'it broke on some attempts only' : 'only the search broke it, no replay did'}` : ''}.` : 'Not confirmed from the root.',
      v.fl > v.seq.length ? ` Shrunk from ${v.fl} actions to ${v.seq.length}.` : '',
      v.ns ? ` Not shrunk: ${v.ns}.` : '',
    ]
    const body = el('div', 'io-body', [
      el('div', 'facts', facts),
      v.f ? el('div', 'facts', ['Regression journey: ', el('span', 'mono', v.f)]) : null,
      el('div', 'title', sequenceHeading(v)),
      el(
        'ol',
        'sequence',
        v.seq.map((step) =>
          el('li', null, [
            el('span', 'n', step.a),
            step.in ? el('span', 'mono muted', ` ${step.in}`) : null,
            step.ex.map((x) => el('div', 'mono', requestLine(report, x))),
          ]),
        ),
      ),
      v.pr.length ? [el('div', 'title', 'Probes after the last action'), v.pr.map((x) => el('div', 'mono', requestLine(report, x)))] : null,
    ])
    // Every request and response in full, in the order they were sent, as a step shows its own.
    v.seq.forEach((step, i) => {
      for (const x of step.ex) for (const part of exchangeParts(report, `${i + 1}. ${step.a}`, x)) body.appendChild(part)
    })
    for (const x of v.pr) for (const part of exchangeParts(report, 'Probe', x)) body.appendChild(part)
    return body
  })
  return details
}

function timingRows(kind: string, timings: PageTiming[]): (string | number)[][] {
  return timings.map(([backend, count, p50, p95, max]) => [kind, backend, count, fineMs(p50), fineMs(p95), fineMs(max)])
}

function explorationBody(report: Report, x: PageExploration): HTMLDivElement {
  const body = el('div', 'body')
  const meta = [x.d, x.f ? `file: ${x.f}` : ''].filter(Boolean).join(' \u00b7 ')
  if (meta) body.appendChild(el('div', 'jmeta', meta))
  // Nothing of it ran: settings it never used and zero counts would read as a search that found nothing.
  if (x.nr) {
    body.appendChild(el('div', 'empty', 'The run was interrupted before this exploration started.'))
    return body
  }
  body.appendChild(el('div', 'xmeta', `seed ${x.seed} \u00b7 strategy ${x.st} \u00b7 depth ${x.dp} \u00b7 dedupe ${x.dd ? 'on' : 'off'}`))
  const s = x.stats
  // It checked nothing: zero counts would read as a search, and no broken invariant as a pass.
  if (x.xn) body.appendChild(el('div', 'note', `Explored nothing: ${x.xn}.`))
  else body.appendChild(table(['Transitions', 'States', 'Merged', 'Requests', 'Transitions/s', 'Deepest path', 'Duration'], [[s.transitions, s.states, s.merged, s.requests, s.perSecond, s.deepest, formatMs(x.ms)]]))
  // What held, held only on what was explored.
  if (x.tr) body.appendChild(el('div', 'note', `Truncated: the ${budget(x.tr)} ran out before the search covered depth ${x.dp}; the invariants held only on what was explored.`))
  if (x.ir) body.appendChild(el('div', 'note', 'Interrupted: the search was stopped before it finished.'))

  body.appendChild(el('h3', null, `Violations (${x.v.length})`))
  if (x.v.length) for (const v of x.v) body.appendChild(violationView(report, v))
  else if (!x.xn) body.appendChild(el('div', 'empty', 'No invariant was broken.'))

  if (x.cov.length) {
    body.appendChild(el('h3', null, 'Action coverage'))
    body.appendChild(table(['Action', 'Taken', 'Enabled', 'Refused'], x.cov.map((c) => [...c]), 'grid coverage'))
  }
  for (const threw of x.th ?? []) body.appendChild(el('div', 'note', `Not explored: ${threw}`))
  for (const note of x.nt ?? []) body.appendChild(el('div', 'note', note))
  if (x.ne.length) body.appendChild(el('div', 'note', `Never enabled: ${x.ne.join(', ')} (their when allowed them in no state the search reached${x.tr || x.ir ? ' before it was cut short' : ''}).`))
  const timings = [...timingRows('Rollback', x.rb), ...timingRows('Observe', x.ob)]
  if (timings.length) {
    body.appendChild(el('h3', null, 'Timings'))
    body.appendChild(table(['Timing', 'Backend', 'Count', 'p50', 'p95', 'Max'], timings, 'grid timings'))
  }
  return body
}

/** How far the search went: `412 transitions · 57 states`, or the distinct states seen where nothing was merged. */
function searched(x: PageExploration): string {
  return `${plural(x.stats.transitions, 'transition')} \u00b7 ${x.dd ? plural(x.stats.states, 'state') : `${plural(x.stats.states, 'distinct state')} seen`}`
}

function explorationView(report: Report, x: PageExploration, index: number): { details: HTMLDetailsElement; open(): void } {
  const flaky = x.v.filter((v) => v.fk).length
  const found = x.v.length ? `${plural(x.v.length, 'violation')}${flaky ? ` (${flaky} flaky)` : ''}` : 'no violation'
  const details = el('details', `panel exploration ${x.s}`)
  details.id = `exploration-${index}`
  details.appendChild(
    el('summary', null, [
      icon(x.s),
      el('span', 'name', x.n),
      x.tags.map((t) => el('span', 'tag', t)),
      x.tr ? flag('truncated') : null,
      x.ir ? flag('interrupted') : null,
      x.nr ? flag('not run') : null,
      x.nr ? null : el('span', 'stats', `${found} \u00b7 ${x.xn ? 'explored nothing' : searched(x)} \u00b7 ${formatMs(x.ms)}`),
    ]),
  )
  const ensure = onFirstOpen(details, () => explorationBody(report, x))
  return {
    details,
    open() {
      details.open = true
      ensure()
    },
  }
}

export function renderExplorations(report: Report): HTMLElement | null {
  const explorations = report.data.explorations ?? []
  if (!explorations.length) return null
  const section = el('section', 'explorations')
  section.id = 'explorations'
  section.appendChild(el('h2', null, `Explorations (${explorations.length})`))
  let opened = 0
  explorations.forEach((x, index) => {
    const view = explorationView(report, x, index)
    section.appendChild(view.details)
    if (explorations.length <= AUTO_OPEN || (x.s === 'failed' && opened++ < AUTO_OPEN)) view.open()
  })
  return section
}
