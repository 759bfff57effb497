/** How a command names a file it wrote: as the user would, from where they are. */
import { describe, expect, it } from 'vitest'
import { shownPath } from '../src/commands/save-results'

describe('shownPath', () => {
  it('is relative to the working directory, unless that climbs out of it', () => {
    expect(shownPath('/work/app', '/work/app/out/junit.xml')).toBe('out/junit.xml')
    // Before: "console report written to ../../../dev/null".
    expect(shownPath('/work/app/deep/er', '/dev/null')).toBe('/dev/null')
    expect(shownPath('/work/app', '/work/app')).toBe('/work/app')
    // A name that only starts with two dots is inside.
    expect(shownPath('/work/app', '/work/app/..reports/r.md')).toBe('..reports/r.md')
  })
})
