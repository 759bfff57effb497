/** A journey's tree of steps, checkpoints, branches and their paths, with a record of each node's element. */
import type { PageBranch, PageCheckpoint, PageNode, PagePath, PageRestore, PageStep } from '../page-model'
import type { Report } from './data'
import { el, flag, icon, onFirstOpen } from './dom'
import { stepDetails } from './exchange'
import { formatMs, plural } from './format'

/** A rendered node, kept so that filters can hide and show it without rendering again. */
export type NodeRecord = LeafRecord | GroupRecord
export interface LeafRecord {
  node: PageStep | PageCheckpoint
  li: HTMLLIElement
}
/** A branch (its kids are its paths) or a path (its kids are its nodes). */
export interface GroupRecord {
  node: PageBranch | PagePath
  li: HTMLLIElement
  kids: NodeRecord[]
}

/** A step's element and its request-and-response details, found by step id (issues and timelines link to it). */
export interface StepEntry {
  li: HTMLLIElement
  /** the step's line (status, name, request, time): where a jump to the step moves focus */
  heading: HTMLDivElement
  /** the journey's index in the page */
  journey: number
  details?: { element: HTMLDetailsElement; ensure: () => void }
}

export class StepIndex {
  private readonly steps = new Map<number, StepEntry>()

  add(id: number, entry: StepEntry): void {
    this.steps.set(id, entry)
  }

  get(id: number): StepEntry | undefined {
    return this.steps.get(id)
  }

  all(): IterableIterator<StepEntry> {
    return this.steps.values()
  }
}

/** Renders the nodes of one journey into list items. */
export class TreeRenderer {
  constructor(
    private readonly report: Report,
    private readonly index: StepIndex,
    private readonly journey: number,
  ) {}

  /** Append the nodes to `ol` and return their records. */
  nodes(nodes: PageNode[], ol: HTMLOListElement): NodeRecord[] {
    const records: NodeRecord[] = []
    for (const node of nodes) {
      const record = node.k === 's' ? this.step(node) : node.k === 'c' ? this.checkpoint(node) : node.k === 'b' ? this.branch(node) : null
      if (!record) continue
      ol.appendChild(record.li)
      records.push(record)
    }
    return records
  }

  private step(s: PageStep): LeafRecord {
    const li = el('li', `node step ${s.s}`)
    li.id = `step-${s.id}`
    const row = el('div', 'row', [icon(s.s), el('span', 'n', s.n)])
    if (s.xf) row.appendChild(flag('expects failure'))
    if (s.a) row.appendChild(flag(`${s.a} attempts`))
    if (s.to) row.appendChild(flag('timed out'))
    if (s.rq) {
      // The row shows the path; the full URL is in the tooltip and in the details.
      const http = el('span', 'http', `${s.rq.m} ${s.rq.u}`)
      http.title = `${s.rq.m} ${this.report.url(s.rq)}`
      row.appendChild(http)
    }
    if (s.rs) row.appendChild(el('span', `code${s.rs.s >= 400 ? ' bad' : ''}`, String(s.rs.s)))
    row.appendChild(el('span', 'ms', formatMs(s.ms)))
    li.appendChild(row)
    if (s.e) li.appendChild(el('div', 'err', s.e.m))
    const entry: StepEntry = { li, heading: row, journey: this.journey }
    if (s.rq || s.rs || s.ex || s.lg || s.e?.st) {
      const details = el('details', 'io', el('summary', null, s.rq ? 'Request and response' : 'Details'))
      entry.details = { element: details, ensure: onFirstOpen(details, () => stepDetails(this.report, s)) }
      li.appendChild(details)
    }
    this.index.add(s.id, entry)
    return { node: s, li }
  }

  /**
   * The rollback that put the system back after a restored journey (`restore`), after its steps, as the
   * console prints it: `↺ rollback to venomqa:before-journey (restore)`, each backend's time, the whole time.
   */
  restore(r: PageRestore): HTMLDivElement {
    const backends = [...r.be.map(([name, mechanism, ms]) => `${name} (${mechanism}, ${formatMs(ms)})`), ...waitedText(r.w)].join(', ')
    return el('div', 'row restore', [
      el('span', 'icon passed', '\u21ba'),
      el('span', 'kind', 'rollback'),
      el('span', 'n', `to ${r.cp}`),
      flag('restore'),
      backends ? el('span', 'muted', backends) : null,
      el('span', 'ms', formatMs(r.ms)),
    ])
  }

  private checkpoint(c: PageCheckpoint): LeafRecord {
    const li = el('li', `node checkpoint ${c.s}`)
    const backends = c.be.map(([name, mechanism, ms]) => `${name} (${mechanism}, ${formatMs(ms)})`).join(', ')
    li.appendChild(
      el('div', 'row', [
        icon(c.s),
        el('span', 'kind', 'checkpoint'),
        el('span', 'n', c.n),
        backends ? el('span', 'muted', backends) : null,
        el('span', 'ms', formatMs(c.ms)),
      ]),
    )
    if (c.e) li.appendChild(el('div', 'err', c.e.m))
    return { node: c, li }
  }

  private branch(b: PageBranch): GroupRecord {
    const li = el('li', `node branch ${b.s}`)
    const passed = b.p.filter((p) => p.s === 'passed').length
    li.appendChild(
      el('div', 'row', [
        icon(b.s),
        el('span', 'kind', 'branch'),
        el('span', 'n', `from ${b.cp}`),
        el('span', 'muted', `${passed} of ${plural(b.p.length, 'path')} passed`),
        typeof b.wr === 'number' ? flag(`rollback before the workers ${formatMs(b.wr)}`) : null,
        typeof b.fr === 'number' ? flag(`final rollback ${formatMs(b.fr)}${waitedText(b.fw).map((w) => `, ${w}`).join('')}`) : null,
        el('span', 'ms', formatMs(b.ms)),
      ]),
    )
    if (b.e) li.appendChild(el('div', 'err', b.e.m))
    const ol = el('ol')
    const kids = b.p.map((p) => this.path(p, ol))
    li.appendChild(ol)
    return { node: b, li, kids }
  }

  private path(p: PagePath, ol: HTMLOListElement): GroupRecord {
    const li = el('li', `node path ${p.s}`)
    li.appendChild(
      el('div', 'row', [
        icon(p.s),
        el('span', 'kind', 'path'),
        el('span', 'n', p.n),
        p.d ? el('span', 'muted', p.d) : null,
        typeof p.w === 'number' ? el('span', 'muted worker', p.w === 0 ? "on worker 0 (the run's own app)" : `on worker ${p.w}`) : null,
        typeof p.rb === 'number' ? flag(`rollback ${formatMs(p.rb)}${waitedText(p.rw).map((w) => `, ${w}`).join('')}`) : null,
        el('span', 'ms', formatMs(p.ms)),
      ]),
    )
    if (p.e) li.appendChild(el('div', 'err', p.e.m))
    const inner = el('ol')
    const kids = this.nodes(p.x, inner)
    if (!p.x.length) inner.appendChild(el('li', 'empty', 'no steps'))
    li.appendChild(inner)
    ol.appendChild(li)
    return { node: p, li, kids }
  }
}

/**
 * A rollback's wait for requests that outlived their steps, said apart from its backends' times as the
 * console says it: the time is no backend's, and a path after another's timed-out step looked slow for it.
 */
function waitedText(waited: number | undefined): string[] {
  return typeof waited === 'number' ? [`${formatMs(waited)} waiting for requests that outlived their steps`] : []
}
