/** A journey's panel: a summary line at once, its body (timeline and tree) the first time it opens. */
import type { Counts } from '@venomqa/core'
import type { PageJourney } from '../page-model'
import type { Report } from './data'
import { append, el, flag, icon } from './dom'
import { formatMs, journeyFlags, plural } from './format'
import { journeyTimeline } from './timeline'
import { type NodeRecord, type StepIndex, TreeRenderer } from './tree'

function countsText(c: Counts): string {
  let text = `${c.steps.passed}/${c.steps.total} steps`
  if (c.paths.total) text += ` \u00b7 ${c.paths.passed}/${c.paths.total} paths`
  return text
}

export interface JourneyHost {
  report: Report
  steps: StepIndex
  revealStep(id: number): void
  /** Called once the body is built, so the current filters apply to it. */
  built(view: JourneyView): void
}

/** The flaky badge, titled with how the journey passed (core's passedHow): on a retry, or in a --last-failed rerun. */
function flakyBadge(j: PageJourney): HTMLSpanElement {
  const badge = el('span', 'badge flaky', 'flaky')
  if (j.ph) badge.title = `failed, then passed ${j.ph}`
  return badge
}

export class JourneyView {
  readonly details: HTMLDetailsElement
  /** The panel's summary line: where a jump to the journey moves focus. */
  readonly summary: HTMLElement
  /** false while the filters hide it */
  visible = true
  records: NodeRecord[] = []
  /** "nothing matches", shown when filters hide every node */
  emptyNote: HTMLDivElement | null = null
  private isBuilt = false

  constructor(
    readonly journey: PageJourney,
    readonly index: number,
    private readonly host: JourneyHost,
  ) {
    const j = journey
    const flags = journeyFlags(j)
    this.details = el('details', `panel journey ${j.s}`)
    this.details.id = `journey-${index}`
    this.summary = el('summary', null, [
        icon(j.s),
        el('span', 'name', j.n),
        // The repetition first, right after the name; the other flags after the tags.
        flags.filter((f) => f.startsWith('repeat #')).map((f) => flag(f)),
        j.tags.map((t) => el('span', 'tag', t)),
        flags.filter((f) => !f.startsWith('repeat #')).map((f) => (f === 'flaky' ? flakyBadge(j) : flag(f))),
        el('span', 'stats', `${countsText(j.c)} \u00b7 ${formatMs(j.ms)}`),
    ])
    this.details.appendChild(this.summary)
    this.details.addEventListener('toggle', () => {
      if (this.details.open) this.build()
    })
  }

  get built(): boolean {
    return this.isBuilt
  }

  /** Open the panel, its body built now. */
  open(): void {
    this.details.open = true
    this.build()
  }

  build(): void {
    if (this.isBuilt) return
    this.isBuilt = true
    const j = this.journey
    const body = el('div', 'body')
    const meta: string[] = []
    if (j.d) meta.push(j.d)
    if (j.f) meta.push(`file: ${j.f}`)
    if (j.u) meta.push(`base URL: ${j.u}`)
    if (meta.length) body.appendChild(el('div', 'jmeta', meta.join(' \u00b7 ')))
    if (j.ea?.length) {
      // A retried journey: why each earlier attempt failed; the tree below is the last attempt.
      // Merged from a --last-failed rerun, each attempt also says the run it was in, and the pass says the rerun.
      const place = j.rr && j.al ? ` (${j.al})` : ''
      const passed = j.s === 'flaky' ? `, which passed${j.rr && j.ph ? ` ${j.ph}` : ''}: flaky` : ''
      body.appendChild(el('div', 'jmeta', `Ran ${plural(j.ea.length + 1, 'time')}; the steps below are attempt ${j.at ?? j.ea.length + 1}${place}${passed}.`))
      body.appendChild(el('ul', 'attempts', j.ea.map((a) => el('li', null, [icon(a.s), ` attempt ${a.a}${a.l ? ` (${a.l})` : ''} ${a.s}: `, a.m]))))
    }
    append(
      body,
      journeyTimeline(j, (id) => this.host.revealStep(id)),
    )
    const ol = el('ol', 'tree')
    const tree = new TreeRenderer(this.host.report, this.host.steps, this.index)
    this.records = tree.nodes(j.x, ol)
    body.appendChild(ol)
    // Put back once it ended (`restore`): after its steps, whatever the filters show of them.
    if (j.rt) body.appendChild(tree.restore(j.rt))
    // A journey the run never got to has no steps recorded, though its definition has some.
    if (!j.x.length) body.appendChild(el('div', 'empty', j.ir ? (j.sh ? `This journey never ran (${j.sh}).` : 'The run was interrupted before this journey ran.') : 'This journey has no steps.'))
    this.emptyNote = el('div', 'empty', 'Nothing in this journey matches the filters (see its issues).')
    this.emptyNote.hidden = true
    body.appendChild(this.emptyNote)
    this.details.appendChild(body)
    this.host.built(this)
  }
}
