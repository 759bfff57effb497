import { invalid, notFound } from '@venomqa/example-app-kit'

type Body = Record<string, unknown>

export function requiredString(body: Body, field: string, options: { min?: number; max?: number; pattern?: RegExp; trim?: boolean } = {}): string {
  const raw = body[field]
  if (raw === undefined || raw === null) throw invalid(field, `${field} is required`)
  if (typeof raw !== 'string') throw invalid(field, `${field} must be a string`)
  // PostgreSQL TEXT cannot hold NUL: refused here, it is a 422 instead of a database error answered 500.
  if (raw.includes('\u0000')) throw invalid(field, `${field} must not contain NUL characters`)
  const value = options.trim === false ? raw : raw.trim()
  if (!value) throw invalid(field, `${field} is required`)
  if (options.min !== undefined && value.length < options.min) throw invalid(field, `${field} must be at least ${options.min} characters`)
  if (options.max !== undefined && value.length > options.max) throw invalid(field, `${field} must be at most ${options.max} characters`)
  if (options.pattern && !options.pattern.test(value)) throw invalid(field, `${field} must match ${options.pattern.source}`)
  return value
}

export function optionalString(body: Body, field: string, options: { max?: number } = {}): string | undefined {
  if (body[field] === undefined) return undefined
  return requiredString(body, field, options)
}

/** Whole numbers within [min, max]: the bounds keep every sum the app computes inside a 32-bit column. */
export function requiredInt(body: Body, field: string, min: number, max: number): number {
  const value = body[field]
  if (value === undefined || value === null) throw invalid(field, `${field} is required`)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(field, `${field} must be a whole number from ${min} to ${max}`)
  return value
}

export function optionalInt(body: Body, field: string, min: number, max: number): number | undefined {
  return body[field] === undefined ? undefined : requiredInt(body, field, min, max)
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

/** Emails are compared lower-cased, so Alice@x and alice@x are one account. */
export function requiredEmail(body: Body): string {
  const email = requiredString(body, 'email', { max: 254 }).toLowerCase()
  if (!EMAIL.test(email)) throw invalid('email', 'email must look like name@domain')
  return email
}

export function requiredPassword(body: Body): string {
  return requiredString(body, 'password', { min: 6, max: 200, trim: false })
}

/** Ids are positive 32-bit integers (the SQL columns are INT); anything else cannot name a row: 404. */
export function idParam(raw: string | undefined, what: string): number {
  if (!raw || !/^\d{1,10}$/.test(raw)) throw notFound(`${what} not found`)
  const id = Number(raw)
  if (id < 1 || id > 2_147_483_647) throw notFound(`${what} not found`)
  return id
}
