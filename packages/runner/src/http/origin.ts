import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Which step sent a request: its journey (for an exploration, the exploration), the path it ran in
 * (`main`, or `a > b` for nested branches) and the step's name. Told to the exchange hook, so that a HAR
 * can name each entry's step.
 */
export interface ExchangeOrigin {
  journey: string
  path: string
  step: string
}

// Followed through the step's awaits, as the fault guard follows its code: a request made from a
// callback the action started is still the action's.
const current = new AsyncLocalStorage<ExchangeOrigin>()

/**
 * Run `fn` with the requests it makes known to come from `origin`. Only for a client with an exchange
 * hook: following a context through every await has a cost, which a run that records nothing does not pay.
 */
export function withExchangeOrigin<T>(origin: ExchangeOrigin, fn: () => T): T {
  return current.run(origin, fn)
}

/** The origin of a request made now: the step running it, or undefined outside of one (a plugin's hook). */
export function exchangeOrigin(): ExchangeOrigin | undefined {
  return current.getStore()
}
