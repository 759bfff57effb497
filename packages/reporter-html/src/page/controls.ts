/** The filter bar: search, failed only, tag, journey, expand and collapse all, and the match count. */
import type { PageData } from '../page-model'
import { button, el, select } from './dom'
import type { Filters } from './filters'
import { journeyLabel, lower } from './format'

/** Typing settles for this long before the search runs, so a big report stays responsive. */
const SEARCH_DELAY_MS = 150

export interface ControlActions {
  /** The filters changed; `autoOpen` opens matching journeys (search, failed only, a chosen journey). */
  filter(autoOpen: boolean): void
  revealJourney(index: number): void
  expandAll(): void
  collapseAll(): void
}

/**
 * The bar sticks to the top of the window: the page's scroll padding follows its height (it wraps to more
 * lines on a narrow screen), so what a jump scrolls to lands below it, not under it.
 */
function keepBelow(bar: HTMLElement): void {
  const GAP_PX = 8
  new ResizeObserver(() => {
    document.documentElement.style.scrollPaddingTop = `${bar.offsetHeight + GAP_PX}px`
  }).observe(bar)
}

export class Controls {
  readonly element: HTMLDivElement
  readonly search: HTMLInputElement
  private readonly failedOnly: HTMLInputElement
  private readonly tag: HTMLSelectElement | null
  private readonly journey: HTMLSelectElement
  private readonly count: HTMLSpanElement
  /** What the page changed in the filters by itself (cleared them to show a journey or step), until the reader sets one. */
  private readonly status: HTMLDivElement

  constructor(data: PageData, filters: Filters, actions: ControlActions) {
    this.search = el('input')
    this.search.type = 'search'
    this.search.placeholder = 'Search steps, URLs, errors, headers, bodies (press /)'
    this.search.setAttribute('aria-label', 'Search')
    this.failedOnly = el('input')
    this.failedOnly.type = 'checkbox'
    this.failedOnly.id = 'failed-only'
    const failedLabel = el('label', null, [this.failedOnly, 'Failed only'])

    const tags = [...new Set(data.journeys.flatMap((j) => j.tags))].sort()
    this.tag = tags.length ? select('Tag', [['', 'All tags'], ...tags.map((t): [string, string] => [t, t])]) : null
    this.journey = select('Journey', [['', 'All journeys'], ...data.journeys.map((j, i): [string, string] => [String(i), journeyLabel(j)])])
    this.count = el('span', 'count')
    this.status = el('div', 'status')
    this.status.setAttribute('role', 'status')
    this.status.hidden = true

    let timer: ReturnType<typeof setTimeout> | undefined
    this.search.addEventListener('input', () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        filters.query = lower(this.search.value.trim())
        this.say('')
        actions.filter(true)
      }, SEARCH_DELAY_MS)
    })
    this.failedOnly.addEventListener('change', () => {
      filters.failedOnly = this.failedOnly.checked
      this.say('')
      actions.filter(true)
    })
    const tag = this.tag
    tag?.addEventListener('change', () => {
      filters.tag = tag.value
      this.say('')
      actions.filter(false)
    })
    this.journey.addEventListener('change', () => {
      filters.journey = this.journey.value
      this.say('')
      actions.filter(filters.journey !== '')
      if (filters.journey !== '') actions.revealJourney(Number(filters.journey))
    })

    this.element = el('div', 'controls', [
      this.search,
      failedLabel,
      this.tag,
      this.journey,
      button('Expand all', 'btn', () => actions.expandAll()),
      button('Collapse all', 'btn', () => actions.collapseAll()),
      this.count,
      this.status,
    ])
    keepBelow(this.element)
  }

  /** Put every control back to "no filter" (the caller resets the filters themselves). */
  clear(): void {
    this.search.value = ''
    this.failedOnly.checked = false
    if (this.tag) this.tag.value = ''
    this.journey.value = ''
  }

  /** Say what the page changed in the filters by itself; '' hides the note. */
  say(text: string): void {
    this.status.textContent = text
    this.status.hidden = !text
  }

  /** The filters set, as a reader would name them, but for the journey chosen in `except`'s place. */
  describe(filters: Filters, data: PageData, except?: number): string[] {
    const out: string[] = []
    if (filters.query) out.push(`the search "${this.search.value.trim()}"`)
    if (filters.failedOnly) out.push('"Failed only"')
    if (filters.tag) out.push(`the tag filter "${filters.tag}"`)
    const chosen = data.journeys[Number(filters.journey)]
    if (filters.journey !== '' && chosen && Number(filters.journey) !== except) out.push(`the journey filter "${journeyLabel(chosen)}"`)
    return out
  }

  showCount(text: string): void {
    this.count.textContent = text
  }
}
