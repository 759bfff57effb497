import { createHash } from 'node:crypto'

/** The longest name PostgreSQL keeps, in bytes (NAMEDATALEN - 1): a longer one is cut to it. */
export const MAX_NAME_BYTES = 63

/**
 * The name one connection's statement, portal or cursor has on the shared session: `vq<id>.<name>`.
 *
 * PostgreSQL keeps 63 bytes of a name. The app's name is first cut as PostgreSQL would cut it, so two names
 * the server takes for one stay one. Where the prefixed name would still pass 63 bytes, the server would cut
 * it too, and two names the app keeps apart (they differ in their last bytes) would become one: its end is
 * then replaced by a hash of the app's name, so two names that are two on PostgreSQL stay two.
 */
export function connectionName(connection: number, name: string): string {
  if (!name) return ''
  const kept = clipBytes(name, MAX_NAME_BYTES)
  const full = `vq${connection}.${kept}`
  if (fitsIn(full, MAX_NAME_BYTES)) return full
  const hash = createHash('sha1').update(kept).digest('hex').slice(0, 12)
  return `${clipBytes(full, MAX_NAME_BYTES - hash.length - 1)}~${hash}`
}

/** Whether `text` takes at most `bytes` bytes in UTF-8; most names are checked without encoding them. */
function fitsIn(text: string, bytes: number): boolean {
  return text.length * 3 <= bytes || Buffer.byteLength(text) <= bytes
}

/** `text` cut to at most `bytes` bytes of UTF-8, at a character's boundary, as PostgreSQL cuts a name. */
export function clipBytes(text: string, bytes: number): string {
  if (fitsIn(text, bytes)) return text
  let used = 0
  let end = 0
  for (const ch of text) {
    const size = Buffer.byteLength(ch)
    if (used + size > bytes) break
    used += size
    end += ch.length
  }
  return text.slice(0, end)
}
