import { describe, expect, it } from 'vitest'
import { formatDate, formatMs, lower, percent, plural, prettyJson } from '../src/page/format'

describe('the page formatting', () => {
  it('durations read as ms, seconds, then minutes', () => {
    expect(formatMs(0)).toBe('0 ms')
    expect(formatMs(849.6)).toBe('850 ms')
    expect(formatMs(1234)).toBe('1.23 s')
    expect(formatMs(12_345)).toBe('12.3 s')
    expect(formatMs(184_000)).toBe('3 min 4 s')
    for (const bad of [undefined, null, '12', Number.NaN, Number.POSITIVE_INFINITY]) expect(formatMs(bad), String(bad)).toBe('')
  })

  it('counts, percentages, JSON and search text', () => {
    expect(plural(1, 'journey')).toBe('1 journey')
    expect(plural(0, 'journey')).toBe('0 journeys')
    expect(percent(0.5)).toBe('50.000%')
    expect(percent(1.7)).toBe('100.000%')
    expect(percent(-1)).toBe('0.000%')
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}')
    expect(prettyJson('not json {')).toBe('not json {')
    expect(lower('GET /API')).toBe('get /api')
    expect(lower(undefined)).toBe('')
    expect(lower(404)).toBe('404')
  })

  it('dates in the reader locale, anything else as given', () => {
    expect(formatDate('2024-05-01T10:00:00.000Z')).toBe(new Date('2024-05-01T10:00:00.000Z').toLocaleString())
    expect(formatDate('yesterday')).toBe('yesterday')
    expect(formatDate(undefined)).toBe('')
  })
})
