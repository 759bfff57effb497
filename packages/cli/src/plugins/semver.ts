// Three of semver's functions, not the package, whose index loads all of its 50-odd files: bundled into the
// CLI (tsup.config.ts), what they need is one chunk. Loading it and checking a range takes about 11 ms, where
// the package took about 27 ms at every command that loads a plugin. semver's README offers each function
// as a module of its own.
import satisfiesRange from 'semver/functions/satisfies'
import valid from 'semver/functions/valid'
import validRange from 'semver/ranges/valid'

/**
 * Does `version` satisfy `range`? npm's own rules (the `semver` package): a pre-release satisfies a range
 * only through a comparator on the same major.minor.patch that names a pre-release too.
 *
 * `workspace:` ranges (a plugin's package.json read inside the monorepo, before publishing rewrites them)
 * accept any version for `*`, `^`, `~` and check the rest as a normal range. An unparsable range throws,
 * naming it, because `semver.satisfies` alone would answer `false` and hide the plugin author's typo.
 */
export function satisfies(version: string, range: string): boolean {
  if (!valid(version)) throw new Error(`"${version}" is not a version`)
  let r = range.trim()
  if (r.startsWith('workspace:')) {
    r = r.slice('workspace:'.length)
    if (r === '*' || r === '^' || r === '~' || r === '') return true
  }
  // A dist-tag: the plugin was published against whatever core was newest, so any release fits.
  if (r === 'latest') r = '*'
  if (validRange(r) === null) throw new Error(`"${range}" is not a version range`)
  return satisfiesRange(version, r)
}
