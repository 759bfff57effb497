let second = Number.NaN
let prefix = ''

/**
 * `new Date().toISOString()`, made cheaply: every step records when it started, and formatting a date was
 * half of a step's own time. The date and time up to the second are formatted once a second; within it,
 * only the milliseconds are appended.
 */
export function isoNow(now: number = Date.now()): string {
  const s = Math.floor(now / 1000)
  if (s !== second) {
    second = s
    prefix = new Date(s * 1000).toISOString().slice(0, -4) // 'YYYY-MM-DDTHH:MM:SS.'
  }
  const ms = now - s * 1000
  return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`
}
