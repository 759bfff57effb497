/** The whole page: builds every section and keeps filters, journeys, steps and issues in step. */
import type { PageIssue } from '../page-model'
import { Controls } from './controls'
import { Report } from './data'
import { append, el, hiddenInside, jumpTo } from './dom'
import { type Filters, Matcher, noFilters } from './filters'
import { formatDate, journeyLabel, plural } from './format'
import { renderExplorations } from './explorations'
import { type IssueRecord, renderIssues } from './issues'
import { JourneyView } from './journeys'
import { renderCards, renderHeader } from './summary'
import { runTimeline } from './timeline'
import { StepIndex } from './tree'

/** At most this many journeys open by themselves (failed ones at load, matches of a filter). */
const AUTO_OPEN = 25
/** A run with this many journeys or fewer opens them all at load. */
const OPEN_ALL_UP_TO = 10

export class ReportPage {
  readonly steps = new StepIndex()
  private readonly filters: Filters = noFilters()
  private readonly matcher: Matcher
  private readonly journeys: JourneyView[] = []
  private readonly issues: IssueRecord[] = []
  private controls!: Controls
  private noMatch!: HTMLDivElement

  constructor(readonly report: Report) {
    this.matcher = new Matcher(report)
  }

  render(app: HTMLElement): void {
    const data = this.report.data
    app.appendChild(renderHeader(data))
    app.appendChild(renderCards(data))
    app.appendChild(
      renderIssues({
        report: this.report,
        revealStep: (id, journey) => this.revealStep(id, journey),
        visible: (issue) => this.issueVisible(issue),
        rendered: (record) => this.issues.push(record),
      }),
    )
    append(app, renderExplorations(this.report))
    // A run of explorations only has no journey to list: its journey section stays, hidden, so filters still work.
    const journeysSection = el('section', 'journeys-section')
    journeysSection.hidden = !data.journeys.length && !!data.explorations?.length
    app.appendChild(journeysSection)
    journeysSection.appendChild(el('h2', null, 'Journeys'))
    this.controls = new Controls(data, this.filters, {
      filter: (autoOpen) => this.applyFilters(autoOpen),
      revealJourney: (index) => this.revealJourney(index),
      expandAll: () => {
        for (const view of this.journeys) if (view.visible) view.open()
      },
      collapseAll: () => {
        for (const view of this.journeys) view.details.open = false
      },
    })
    journeysSection.appendChild(this.controls.element)
    if (data.journeys.length > 1) journeysSection.appendChild(runTimeline(data, (index) => this.revealJourney(index)))

    const list = el('div', 'journeys')
    const openAll = data.journeys.length <= OPEN_ALL_UP_TO
    let openedFailed = 0
    const host = {
      report: this.report,
      steps: this.steps,
      revealStep: (id: number) => this.revealStep(id),
      built: (view: JourneyView) => this.applyTree(view),
    }
    data.journeys.forEach((journey, index) => {
      const view = new JourneyView(journey, index, host)
      this.journeys.push(view)
      list.appendChild(view.details)
      if (openAll || (journey.s === 'failed' && openedFailed++ < AUTO_OPEN)) view.open()
    })
    this.noMatch = el('div', 'empty', 'No journey matches the filters.')
    journeysSection.appendChild(list)
    journeysSection.appendChild(this.noMatch)
    app.appendChild(el('p', 'muted', `Generated ${formatDate(data.generatedAt)} by ${data.run.tool}. Secrets in headers and bodies are redacted.`))
    this.applyFilters(false)
  }

  /** `/` focuses the search, unless the reader is typing in a field. */
  onKey(event: KeyboardEvent): void {
    const target = event.target instanceof HTMLElement ? event.target : null
    // A checkbox takes no text: "/" there (the "Failed only" box just ticked) still means the search.
    const textInput = target instanceof HTMLInputElement && target.type !== 'checkbox'
    const typing = target && (textInput || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
    if (event.key === '/' && !typing) {
      event.preventDefault()
      this.controls.search.focus()
    }
  }

  /** Printing shows what is visible, with failed steps' requests and responses opened. */
  beforePrint(): void {
    for (const view of this.journeys) if (view.visible) view.open()
    for (const step of this.steps.all()) {
      if (step.details && step.li.classList.contains('failed') && !hiddenInside(step.li)) {
        step.details.element.open = true
        step.details.ensure()
      }
    }
  }

  private applyTree(view: JourneyView): void {
    const f = this.filters
    const query = f.query && !this.matcher.journeyOwn(view.journey, f.query) ? f.query : ''
    const any = this.matcher.applyToRecords(view.records, query, f.failedOnly)
    if (view.emptyNote) view.emptyNote.hidden = any || !view.records.length || !(query || f.failedOnly)
  }

  private issueVisible(issue: PageIssue): boolean {
    return this.matcher.issue(
      issue,
      this.filters,
      (index) => this.journeys[index]?.visible,
      (index) => this.journeys[index]?.journey,
    )
  }

  private applyFilters(autoOpen: boolean): void {
    const f = this.filters
    let shown = 0
    let opened = 0
    for (const view of this.journeys) {
      view.visible = this.matcher.journey(view.journey, view.index, f)
      view.details.hidden = !view.visible
      if (!view.visible) continue
      shown++
      if (autoOpen && (f.failedOnly || f.query) && opened < AUTO_OPEN) {
        opened++
        if (!view.details.open) view.open()
      }
      if (view.built) this.applyTree(view)
    }
    for (const record of this.issues) record.element.hidden = !this.issueVisible(record.issue)
    this.controls.showCount(`Showing ${shown} of ${plural(this.journeys.length, 'journey')}`)
    this.noMatch.hidden = shown > 0
  }

  /**
   * Clear the filters to show what they hide (`shown`, in words), and say which were cleared: a tag the
   * reader chose went back to "All tags" with nothing said.
   */
  private resetFilters(shown: string, journeyIndex?: number): void {
    const cleared = this.controls.describe(this.filters, this.report.data, journeyIndex)
    Object.assign(this.filters, noFilters())
    this.controls.clear()
    this.applyFilters(false)
    this.controls.say(cleared.length ? `Cleared ${listed(cleared)} to show ${shown}.` : '')
  }

  private revealJourney(index: number): void {
    const view = this.journeys[index]
    if (!view) return
    if (view.details.hidden) this.resetFilters(`journey "${journeyLabel(view.journey)}"`, index)
    view.open()
    jumpTo(view.details, view.summary)
  }

  /** The journey holding a step; journeys not built yet are built in order until it turns up. */
  private journeyOfStep(id: number): JourneyView | undefined {
    for (let i = 0; i < this.journeys.length && !this.steps.get(id); i++) this.journeys[i]!.build()
    const step = this.steps.get(id)
    return step ? this.journeys[step.journey] : undefined
  }

  /** Open a step's journey and its request and response, clearing filters that hide it, and jump to it. */
  private revealStep(id: number, journeyIndex?: number): void {
    let view = journeyIndex !== undefined ? this.journeys[journeyIndex] : undefined
    if (view) view.open()
    else view = this.journeyOfStep(id)
    const step = this.steps.get(id)
    if (!view || !step) return
    if (hiddenInside(step.li)) this.resetFilters(`the step "${step.heading.querySelector('.n')?.textContent ?? ''}" of journey "${journeyLabel(view.journey)}"`, view.index)
    view.details.open = true
    if (step.details) {
      step.details.element.open = true
      step.details.ensure()
    }
    jumpTo(step.li, step.heading, view.summary)
  }
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '')
}
