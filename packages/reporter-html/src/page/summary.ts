/** The page header and the summary cards. */
import type { PageData } from '../page-model'
import { badge, el } from './dom'
import { formatDate, formatMs } from './format'
import { SEVERITIES } from './issues'

export function renderHeader(data: PageData): HTMLElement {
  const r = data.run
  const backends = r.backends.map((b) => `${b.name} (${b.mechanism}${b.worker ? `, worker ${b.worker}` : ''})`).join(', ')
  return el('header', 'header', [
    el('h1', null, data.title),
    r.interrupted ? el('span', 'badge failed big', 'interrupted') : badge(r.status, true),
    el('span', 'meta', [formatDate(r.startedAt), ' \u00b7 ', formatMs(r.durationMs), ' \u00b7 ', r.tool, backends ? ` \u00b7 state: ${backends}` : '']),
  ])
}

function card(label: string, value: string | number, detail: string | null, mood?: 'good' | 'bad' | null): HTMLDivElement {
  return el('div', `card${mood ? ` ${mood}` : ''}`, [
    el('div', 'label', label),
    el('div', 'value', String(value)),
    detail ? el('div', 'detail', detail) : null,
  ])
}

/** Passed and failed, then flaky and skipped when there are any (older results files have no such counts). */
function journeyCounts(c: PageData['run']['summary']['journeys']): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`]
  if (c.flaky) parts.push(`${c.flaky} flaky`)
  if (c.skipped) parts.push(`${c.skipped} skipped`)
  return parts.join(' \u00b7 ')
}

export function renderCards(data: PageData): HTMLElement {
  const s = data.run.summary
  const severities = SEVERITIES.filter((k) => s.issues[k])
    .map((k) => `${s.issues[k]} ${k}`)
    .join(' \u00b7 ')
  const x = s.explorations
  // A run of explorations only has no journey, path or step to count.
  const journeys = s.journeys.total > 0 || !x
  return el('section', 'cards', [
    journeys ? card('Journeys', s.journeys.total, journeyCounts(s.journeys), s.journeys.failed ? 'bad' : 'good') : null,
    journeys ? card('Paths', s.paths.total, `${s.paths.passed} passed \u00b7 ${s.paths.failed} failed`, s.paths.failed ? 'bad' : null) : null,
    journeys ? card('Steps passed', s.steps.passed, `of ${s.steps.total}${s.steps.skipped ? ` \u00b7 ${s.steps.skipped} skipped` : ''}`, 'good') : null,
    journeys ? card('Steps failed', s.steps.failed, null, s.steps.failed ? 'bad' : null) : null,
    x ? card('Explorations', x.total, `${x.passed} passed \u00b7 ${x.failed} failed`, x.failed ? 'bad' : 'good') : null,
    x ? card('Violations', x.violations, x.flaky ? `${x.flaky} flaky` : null, x.violations ? 'bad' : 'good') : null,
    card('Duration', formatMs(data.run.durationMs), formatDate(data.run.startedAt)),
    card('Issues', s.issues.total, severities || 'none', s.issues.critical || s.issues.high ? 'bad' : null),
  ])
}
