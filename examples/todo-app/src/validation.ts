import { invalid, notFound } from '@venomqa/example-app-kit'

type Body = Record<string, unknown>

export function requiredString(body: Body, field: string, options: { min?: number; max?: number; trim?: boolean } = {}): string {
  const raw = body[field]
  if (raw === undefined || raw === null) throw invalid(field, `${field} is required`)
  if (typeof raw !== 'string') throw invalid(field, `${field} must be a string`)
  const value = options.trim === false ? raw : raw.trim()
  if (!value) throw invalid(field, `${field} is required`)
  if (options.min !== undefined && value.length < options.min) throw invalid(field, `${field} must be at least ${options.min} characters`)
  if (options.max !== undefined && value.length > options.max) throw invalid(field, `${field} must be at most ${options.max} characters`)
  return value
}

export function optionalString(body: Body, field: string, options: { max?: number } = {}): string | undefined {
  if (body[field] === undefined) return undefined
  return requiredString(body, field, options)
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw invalid(field, `${field} must be true or false`)
  return value
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

/** Emails are compared lower-cased, so Alice@x and alice@x are one account. */
export function requiredEmail(body: Body): string {
  const email = requiredString(body, 'email', { max: 254 }).toLowerCase()
  if (!EMAIL.test(email)) throw invalid('email', 'email must look like name@domain')
  return email
}

export const PASSWORD_MIN = 6

export function requiredPassword(body: Body): string {
  return requiredString(body, 'password', { min: PASSWORD_MIN, max: 200, trim: false })
}

/** Ids are positive 32-bit integers (the SQL columns are INT); anything else cannot name a row: 404. */
export function idParam(raw: string | undefined, what: string): number {
  if (!raw || !/^\d{1,10}$/.test(raw)) throw notFound(`${what} not found`)
  const id = Number(raw)
  if (id < 1 || id > 2_147_483_647) throw notFound(`${what} not found`)
  return id
}

/** A whole-number query parameter within [min, max], or the default when absent. */
export function intQuery(query: URLSearchParams, name: string, range: { min: number; max: number; default?: number }): number {
  const raw = query.get(name)
  if (raw === null || raw === '') {
    if (range.default !== undefined) return range.default
    throw invalid(name, `query parameter ${name} is required`)
  }
  const n = Number(raw)
  if (!Number.isInteger(n) || n < range.min || n > range.max)
    throw invalid(name, `query parameter ${name} must be a whole number from ${range.min} to ${range.max}`)
  return n
}
