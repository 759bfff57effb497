/**
 * DOM construction. Text from the report data only ever becomes a Text node (createTextNode, or a property
 * such as `title` or `value`): nothing here parses markup.
 */
import type { JourneyStatus } from '@venomqa/core'

/** What `el` and `append` accept as children: nodes, text, and holes that are skipped. */
export type Child = Node | string | number | null | undefined | false | Child[]

export function append<P extends Node>(parent: P, kids: Child): P {
  if (Array.isArray(kids)) {
    for (const kid of kids) append(parent, kid)
  } else if (kids instanceof Node) {
    parent.appendChild(kids)
  } else if (kids !== null && kids !== undefined && kids !== false) {
    parent.appendChild(document.createTextNode(String(kids)))
  }
  return parent
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string | null, kids?: Child): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (className) element.className = className
  if (kids !== undefined) append(element, kids)
  return element
}

const ICONS: Record<string, string> = { passed: '\u2713', failed: '\u2717', skipped: '\u2013', flaky: '!' }

export function icon(status: JourneyStatus): HTMLSpanElement {
  const span = el('span', `icon ${status}`, ICONS[status] ?? '?')
  span.title = status
  return span
}

export function badge(status: string, big = false): HTMLSpanElement {
  return el('span', `badge ${status}${big ? ' big' : ''}`, status)
}

export function flag(text: string): HTMLSpanElement {
  return el('span', 'flag', text)
}

export function button(text: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', className, text)
  b.type = 'button'
  b.addEventListener('click', onClick)
  return b
}

/** A labelled select from `[value, text]` options. */
export function select(label: string, options: [value: string, text: string][]): HTMLSelectElement {
  const sel = el('select')
  sel.setAttribute('aria-label', label)
  for (const [value, text] of options) {
    const option = el('option', null, text)
    option.value = value
    sel.appendChild(option)
  }
  return sel
}

/**
 * Content built the first time `details` is opened, so a run of 10 000 steps opens fast. The returned
 * `ensure` builds it at once, for code that opens the element and needs its content before the next task
 * (printing, jumping to a step): the toggle event fires only later.
 */
export function onFirstOpen(details: HTMLDetailsElement, build: () => Child): () => void {
  let built = false
  const ensure = () => {
    if (built) return
    built = true
    append(details, build())
  }
  details.addEventListener('toggle', () => {
    if (details.open) ensure()
  })
  return ensure
}

/** Is `node` inside an element hidden by a filter? */
export function hiddenInside(node: HTMLElement): boolean {
  for (let n: HTMLElement | null = node; n && n !== document.body; n = n.parentElement) if (n.hidden) return true
  return false
}

/**
 * Jump to `heading` and highlight its `box` briefly. Focus moves to the heading (made focusable by script
 * only, `tabindex=-1`), so the next Tab goes on from there and a screen reader reads where the jump went.
 * The heading is scrolled to the top of the window, or its `context` (the journey's summary line) when the
 * heading still shows whole below it. The page's scroll padding (see Controls) keeps either below the
 * sticky filter bar: centring a tall box (a step with its request and response open) put them under it.
 */
export function jumpTo(box: HTMLElement, heading: HTMLElement, context?: HTMLElement): void {
  if (heading.tabIndex < 0 && !heading.hasAttribute('tabindex')) heading.tabIndex = -1
  heading.focus({ preventScroll: true })
  const top = context && fitsUnder(context, heading) ? context : heading
  top.scrollIntoView({ block: 'start' })
  box.classList.add('flash')
  setTimeout(() => box.classList.remove('flash'), 1600)
}

/** Would `heading` show whole with `context` at the top of the window, below the scroll padding? */
function fitsUnder(context: HTMLElement, heading: HTMLElement): boolean {
  const padding = Number.parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) || 0
  return heading.getBoundingClientRect().bottom - context.getBoundingClientRect().top <= window.innerHeight - padding
}
