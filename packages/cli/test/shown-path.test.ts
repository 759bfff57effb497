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

  it('masks a URL with its password in the name, as a warning about the same file does', () => {
    expect(shownPath('/work/app', '/work/app/out/https:/u:Pw-9xQ2@db.internal/r.json')).toBe('out/https:/u:***@db.internal/r.json')
    expect(shownPath('/work/app', '/dumps/postgres:app:Pw-9xQ2@db/r.json')).toBe('/dumps/postgres:[REDACTED]@db/r.json')
  })
})
