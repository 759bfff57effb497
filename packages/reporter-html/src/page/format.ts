/** Formatting of numbers, dates and text for display. Pure functions: no DOM. */
import type { PageJourney } from '../page-model'

/** A journey's name, with its repetition when the run repeated every journey (`--repeat-each`). */
export function journeyLabel(j: { n: string; rp?: number }): string {
  return typeof j.rp === 'number' ? `${j.n} (repeat #${j.rp + 1})` : j.n
}

/**
 * The words a journey's summary line shows beside its name and tags (its repetition, `interrupted`, `flaky`,
 * `skipped`, the attempt that passed): one list, so that the search finds what the reader sees there.
 */
export function journeyFlags(j: Pick<PageJourney, 'rp' | 'ir' | 'sh' | 's' | 'al' | 'rt'>): string[] {
  const flags: string[] = []
  if (typeof j.rp === 'number') flags.push(`repeat #${j.rp + 1}`)
  // Why it stopped: Ctrl-C, or a failure under --fail-fast, which says which journey.
  if (j.ir) flags.push(j.sh ?? 'interrupted')
  if (j.s === 'flaky') flags.push('flaky')
  if (j.s === 'skipped' && !j.ir) flags.push('skipped')
  if (j.al) flags.push(j.al)
  if (j.rt) flags.push('restored')
  return flags
}

/** Lower-cased text of any value; null and undefined give ''. Search compares in lower case. */
export function lower(value: unknown): string {
  return String(value === null || value === undefined ? '' : value).toLowerCase()
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `850 ms`, `1.25 s`, `12.5 s`, `3 min 4 s`; '' for anything that is not a finite number. */
export function formatMs(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`
  const minutes = Math.floor(ms / 60000)
  return `${minutes} min ${Math.round((ms % 60000) / 1000)} s`
}

/** A timestamp in the reader's locale; the text as given when it is not a date. */
export function formatDate(iso: string | undefined): string {
  const d = new Date(iso ?? '')
  return Number.isNaN(d.getTime()) ? String(iso || '') : d.toLocaleString()
}

/** A fraction as a CSS percentage, clamped to 0..100%. */
export function percent(fraction: number): string {
  return `${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(3)}%`
}

/** JSON text re-indented; any other text as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
