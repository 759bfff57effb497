/** Timelines: a journey's steps, and the run's journeys, as bars on a shared time axis. */
import type { JourneyStatus } from '@venomqa/core'
import type { PageData, PageJourney, PageNode, PageStep } from '../page-model'
import { button, el, onFirstOpen } from './dom'
import { formatMs, journeyLabel, percent, plural } from './format'

interface Bar {
  label: string
  /** ms from the start of the axis */
  start: number
  ms: number
  status: JourneyStatus
  /** Why a skipped item did not run (its path's rollback failed), when the report knows. */
  why?: string
  onClick?: () => void
}

interface PlacedStep {
  step: PageStep
  /** 'main', or the path names from the journey down, joined by › */
  path: string
  /** The error of the nearest path around the step that has one: a path whose rollback failed never ran its steps. */
  pathError?: string
}

/** Every step of a journey in order, paths included, with the path it ran on. */
function flatSteps(nodes: PageNode[], path: string, out: PlacedStep[], pathError?: string): PlacedStep[] {
  for (const node of nodes) {
    if (node.k === 's') out.push({ step: node, path, ...(pathError ? { pathError } : {}) })
    else if (node.k === 'b') for (const p of node.p) flatSteps(p.x, path === 'main' ? p.n : `${path} \u203a ${p.n}`, out, p.e?.m ?? pathError)
  }
  return out
}

/**
 * A skipped item never ran, so it has no place on the time axis: a bar (even a 0 ms one, drawn 2 px wide at
 * the moment the runner skipped it) read as a step that ran. Its row says `skipped`, and why when known.
 */
function skippedRow(item: Bar, label: HTMLElement): HTMLDivElement {
  const row = el('div', 'tl-row skipped', [label, el('div', 'track none', item.why ? el('span', 'why', item.why) : null), el('span', 't', 'skipped')])
  row.title = item.why ? `${item.label} \u00b7 skipped: ${item.why}` : `${item.label} \u00b7 skipped`
  return row
}

function bars(items: Bar[], total: number): HTMLDivElement {
  const box = el('div', 'tl')
  for (const item of items) {
    const label = item.onClick ? button(item.label, 'btn link label', item.onClick) : el('span', 'label', item.label)
    label.title = item.label
    if (item.status === 'skipped') {
      box.appendChild(skippedRow(item, label))
      continue
    }
    const left = total > 0 ? item.start / total : 0
    const width = total > 0 ? Math.min(item.ms / total, 1 - left) : 0
    const bar = el('div', `bar ${item.status}`)
    bar.style.left = percent(left)
    bar.style.width = percent(width)
    bar.title = `${item.label} \u00b7 ${formatMs(item.ms)}`
    box.appendChild(el('div', 'tl-row', [label, el('div', 'track', bar), el('span', 't', formatMs(item.ms))]))
  }
  return box
}

/**
 * Lay out items that may lack a start time one after another; the axis is long enough for the latest end.
 */
function placeAll<T>(list: T[], minTotal: number, place: (item: T) => { start?: number; ms: number }, bar: (item: T, start: number) => Bar) {
  let cursor = 0
  let total = minTotal
  const items = list.map((item) => {
    const { start = cursor, ms } = place(item)
    cursor = start + ms
    total = Math.max(total, cursor)
    return bar(item, start)
  })
  return { items, total }
}

/** The journey's step timeline, open when it has 20 steps or fewer; null for a journey without steps. */
export function journeyTimeline(journey: PageJourney, revealStep: (id: number) => void): HTMLDetailsElement | null {
  const steps = flatSteps(journey.x, 'main', [])
  if (!steps.length) return null
  let slowest = steps[0]!
  for (const x of steps) if (x.step.ms > slowest.step.ms) slowest = x
  const { items, total } = placeAll(
    steps,
    journey.ms || 0,
    (x) => ({ start: typeof x.step.t0 === 'number' ? x.step.t0 : undefined, ms: x.step.ms }),
    (x, start) => ({
      label: (x.path === 'main' ? '' : `${x.path} \u203a `) + x.step.n,
      start,
      ms: x.step.ms,
      status: x.step.s,
      ...(x.step.s === 'skipped' && x.pathError ? { why: x.pathError } : {}),
      onClick: () => revealStep(x.step.id),
    }),
  )
  const details = el(
    'details',
    'timeline',
    el('summary', null, `Timeline \u00b7 ${plural(steps.length, 'step')} \u00b7 slowest: ${slowest.step.n} (${formatMs(slowest.step.ms)})`),
  )
  onFirstOpen(details, () => bars(items, total))
  details.open = steps.length <= 20
  return details
}

/** The run's journey timeline, open when the run has 2 to 20 journeys. */
export function runTimeline(data: PageData, revealJourney: (index: number) => void): HTMLDetailsElement {
  const details = el('details', 'panel no-print', el('summary', null, `Run timeline \u00b7 ${plural(data.journeys.length, 'journey')}`))
  onFirstOpen(details, () => {
    const { items, total } = placeAll(
      data.journeys.map((journey, index) => ({ journey, index })),
      data.run.durationMs || 0,
      ({ journey }) => ({ start: typeof journey.t0 === 'number' ? journey.t0 : undefined, ms: journey.ms }),
      ({ journey, index }, start) => ({ label: journeyLabel(journey), start, ms: journey.ms, status: journey.s, onClick: () => revealJourney(index) }),
    )
    return el('div', 'body', bars(items, total))
  })
  details.open = data.journeys.length > 1 && data.journeys.length <= 20
  return details
}
