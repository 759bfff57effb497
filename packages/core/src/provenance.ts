import type { HttpExchange } from './http'

/**
 * Where the values of a request came from, as the action that made it says: which values of its body it
 * read from the context, and from which key. Every other value of its body and of its query the action
 * made up itself (sampled from a schema, or a constant of its own).
 *
 * A regression journey writes a value read from the context as a read of that key, so that ids flow as
 * they did; without a note, the journey guesses from the values alone, and a made-up value equal to a
 * context value by chance (a sampled `memberId: 1` beside a book that is 1 on a fresh database) is sent
 * as that key's value: right for that run, another resource once the sequences have moved on. Only the
 * action knows which it was; the OpenAPI actions say so of every request they send.
 */
export interface RequestProvenance {
  /** The top-level properties of the body (or fields of its form) read from the context, each with its key. */
  bodyFromContext: Readonly<Record<string, string>>
}

const PROVENANCE = Symbol.for('venomqa.requestProvenance')

/**
 * One store for the process, on globalThis: an action package and the engine may load two copies of core.
 * Weak: a note lives as long as its exchange.
 */
function store(): WeakMap<object, RequestProvenance> {
  const holder = globalThis as { [PROVENANCE]?: WeakMap<object, RequestProvenance> }
  return (holder[PROVENANCE] ??= new WeakMap())
}

/** Say where the values of a recorded request came from (an exchange of `http.history`). */
export function noteProvenance(exchange: HttpExchange, provenance: RequestProvenance): void {
  store().set(exchange, { bodyFromContext: { ...provenance.bodyFromContext } })
}

/** What the action that made the request said of its values, or undefined when it said nothing. */
export function provenanceOf(exchange: HttpExchange): RequestProvenance | undefined {
  return store().get(exchange)
}
