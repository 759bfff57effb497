import { describe, expect, it } from 'vitest'
import { satisfies } from '../src/plugins/semver'

describe('satisfies', () => {
  const cases: [string, string, boolean][] = [
    ['0.1.0', '^0.1.0', true],
    ['0.1.9', '^0.1.0', true],
    ['0.2.0', '^0.1.0', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['1.9.9', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['1.2.2', '^1.2.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '~1', true],
    ['1.5.0', '>=1.2.0', true],
    ['1.1.0', '>=1.2.0', false],
    ['1.5.0', '>=1.2 <2', true],
    ['2.0.0', '>=1.2 <2', false],
    ['1.4.0', '1.x', true],
    ['2.0.0', '1.x', false],
    ['1.2.7', '1.2.*', true],
    ['3.0.0', '*', true],
    ['3.0.0', '', true],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '=1.2.3', false],
    ['2.5.0', '^1.0.0 || ^2.0.0', true],
    ['3.0.0', '^1.0.0 || ^2.0.0', false],
    ['1.5.0', '1.0.0 - 2.0.0', true],
    ['2.0.1', '1.0.0 - 2.0.0', false],
    ['1.5.0', '>= 1.0.0', true],
    ['1.3.0', '<=1.2', false],
    ['1.2.9', '<=1.2', true],
    ['1.3.0', '>1.2', true],
    ['1.2.9', '>1.2', false],
    // pre-releases only match a range that names one on the same version
    ['2.0.0-beta.1', '^1.0.0', false],
    ['2.0.0-beta.1', '^2.0.0', false],
    ['2.0.0-beta.2', '^2.0.0-beta.1', true],
    ['2.0.0-beta.1', '^2.0.0-beta.2', false],
    ['2.0.0', '^2.0.0-beta.1', true],
    // a package read straight from the monorepo
    ['0.1.0', 'workspace:^', true],
    ['0.1.0', 'workspace:*', true],
    ['0.1.0', 'workspace:^0.2.0', false],
    ['0.1.0', 'workspace:>=0.1.0 <1.0.0', true],
    // what the published plugins declare
    ['0.1.0', '>=0.1.0 <1.0.0', true],
    ['0.9.3', '>=0.1.0 <1.0.0', true],
    ['1.0.0', '>=0.1.0 <1.0.0', false],
    ['1.0.0-rc.1', '>=0.1.0 <1.0.0', false],
    // npm spellings beyond the common ones
    ['1.2.9', '~>1.2', true],
    ['1.3.0', '~>1.2', false],
    ['1.2.3', '=v1.2.3', true],
    ['1.2.3', '>= 1.2.3 < 2', true],
    ['1.9.0', '1 - 1.2', false],
    ['1.2.9', '1 - 1.2', true],
    ['1.2.3+build.5', '1.2.3', true],
    ['2.0.0-alpha', '1.x || >=2.0.0-alpha', true],
    ['4.0.0', 'latest', true],
    ['4.0.0-beta.1', 'latest', false],
  ]
  it.each(cases)('%s in "%s" -> %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected)
  })

  it('refuses a range it cannot read, naming it', () => {
    expect(() => satisfies('1.0.0', 'banana')).toThrow('"banana" is not a version range')
    expect(() => satisfies('1.0.0', '^1.2.3 foo')).toThrow('"^1.2.3 foo" is not a version range')
    expect(() => satisfies('1.0.0', 'workspace:nope')).toThrow('"workspace:nope" is not a version range')
  })

  it('refuses a version it cannot read, naming it', () => {
    expect(() => satisfies('one', '*')).toThrow('"one" is not a version')
  })
})
