/**
 * A connection URL (`postgres://`, `mysql://`) whose password was pasted in without percent-encoding. A
 * `#`, `/` or `?` in it ends the host part of the URL early: `postgres://u:p@ss#word1@db/app` is read as
 * the host `ss`, and `mysql://u:p#ss@db/app` does not parse at all. The driver then connects somewhere
 * else and names a piece of the password as the host in its error, or gives an error about something the
 * URL never meant. Refused at the option instead, with what to write.
 */

/** What to do about it, said without the URL: it holds the password. */
export const UNENCODED_USERINFO =
  'reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'

/** The same for a `%` that starts no `%XX` escape, which a driver that decodes the password cannot read. */
export const UNENCODED_PERCENT = 'has a "%" in its user name or password that starts no %XX escape: write it as %25'

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Why the user name or password of a `scheme://` URL is not read as written, or undefined. Its host part
 * ends at the first `#`, `/` or `?` (as a URL parser ends it); an `@` after that, before any `=` of a
 * query parameter, is where the user part really ended:
 * - after a `#` or a `?`, always (`u:p@ss#word@db`, `u:p?ss@db`): a fragment means nothing to a database,
 *   and a query starts with a name and `=`;
 * - after a `/`, when the host part holds a `:` or an `@` as a password does (`u:12/ss@db`, `u:p@ss/w@db`):
 *   `db/app@x` alone is a database name with an `@`, which parses as meant.
 * And a `#` before the last `@` (`u:p@s#x=y@db`), since no database reads a fragment.
 */
export function unencodedUserinfoProblem(url: string): string | undefined {
  const scheme = SCHEME.exec(url)
  if (!scheme) return undefined
  const rest = url.slice(scheme[0].length)
  const hostEnd = rest.search(/[/?#]/)
  if (hostEnd < 0) return undefined
  const host = rest.slice(0, hostEnd)
  const tail = rest.slice(hostEnd)
  const at = tail.indexOf('@')
  if (at < 0) return undefined
  const eq = tail.indexOf('=')
  const beforeQueryValue = eq < 0 || at < eq
  const hash = tail.indexOf('#')
  if (hash >= 0 && hash < tail.lastIndexOf('@')) return UNENCODED_USERINFO
  if (beforeQueryValue && (tail[0] !== '/' || /[:@]/.test(host))) return UNENCODED_USERINFO
  return undefined
}

/**
 * Whether the user name or password of a URL holds a `%` that starts no `%XX` escape (`p%zz`,
 * `50%off`): a driver that decodes them (decodeURIComponent) throws "URI malformed".
 */
export function hasMalformedEscape(url: string): boolean {
  const scheme = SCHEME.exec(url)
  if (!scheme) return false
  const rest = url.slice(scheme[0].length)
  const hostEnd = rest.search(/[/?#]/)
  const authority = hostEnd < 0 ? rest : rest.slice(0, hostEnd)
  const at = authority.lastIndexOf('@')
  return at >= 0 && /%(?![0-9a-f]{2})/i.test(authority.slice(0, at))
}
