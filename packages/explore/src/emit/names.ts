import { createHash } from 'node:crypto'

/** A file-name-safe form of an invariant's name: `refunds never exceed the charge` -> `refunds-never-exceed-the-charge`. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '')
  return s || 'invariant'
}

/** Eight hex digits of the violation's id: its own when it is hex already, else of its hash. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8,}$/i.test(id) ? id.slice(0, 8).toLowerCase() : createHash('sha256').update(id).digest('hex').slice(0, 8)
}

export function journeyBaseName(invariant: string, id: string): string {
  return `${slug(invariant)}-${shortId(id)}`
}
