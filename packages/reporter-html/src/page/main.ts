/**
 * The report page's entry point, bundled into one inline script at build time (scripts/bundle-page.mjs).
 * It reads the JSON data block and builds the DOM with createElement and textContent only: nothing from
 * the data is ever parsed as HTML. Journeys, step details and issue groups are built the first time they
 * are opened, so a run of 10 000 steps opens fast.
 */
import { ReportPage } from './app'
import { Report, readPageData } from './data'
import { el } from './dom'

/** Set on <html> when the page is drawn: '1', or 'error' when the report could not be shown. */
const READY_ATTRIBUTE = 'data-ready'

function start(): void {
  const app = document.getElementById('app')
  if (!app) throw new Error('the #app element is missing')
  const page = new ReportPage(new Report(readPageData(document)))
  page.render(app)
  document.addEventListener('keydown', (event) => page.onKey(event))
  window.addEventListener('beforeprint', () => page.beforePrint())
  document.documentElement.setAttribute(READY_ATTRIBUTE, '1')
  performance.mark?.('venomqa-ready')
}

try {
  start()
} catch (err) {
  const message = err instanceof Error && err.message ? err.message : String(err)
  document.getElementById('app')?.appendChild(el('pre', 'err', `This report could not be displayed: ${message}`))
  document.documentElement.setAttribute(READY_ATTRIBUTE, 'error')
}
