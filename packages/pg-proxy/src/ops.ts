import type { Message, TextEncoding } from './protocol/frames'
import { commandComplete, readDataRow } from './protocol/messages'
import type { Origin } from './sql'
import { ServerError } from './upstream'

/** What an upstream message answers: the frontend message it was sent for. */
export type Expect = 'parse' | 'bind' | 'describe' | 'close' | 'execute' | 'sync' | 'query'

/** What happens to the answers: passed to the client, dropped (the proxy's own), or passed with another command tag. */
export type Disposition = 'forward' | 'swallow' | { retag: string }

export interface Op {
  readonly expect?: Expect
  readonly mode: Disposition
  /** Answers made by the proxy, sent when every earlier answer has gone (no upstream message involved). */
  readonly synthetic?: Buffer[]
  /** For 'sync' and 'query': called at ReadyForQuery with the first error, if any. */
  done?(error?: ServerError): void
  /** For the extended protocol's messages: called at the message's last answer, unless it failed or was skipped. */
  answered?(): void
  /** For the extended protocol's messages: called when the server answers the message, even with an error; not when it skipped it. */
  reached?(): void
  /**
   * Called when the op leaves the queue, whatever the reason: answered, failed, skipped, or its connection
   * gone; after `reached` and `answered`, so that it can tell an answered op from one that was not.
   */
  left?(): void
  error?: ServerError
  /**
   * A statement of the app's that the proxy sends in its own words and answers with the app's tag (DISCARD
   * ALL, DEALLOCATE ALL, a RESET of a startup setting): a cancel may reach it, as any statement of the app's.
   * Not set on the proxy's RELEASE or ROLLBACK TO that answer as the app's COMMIT or ROLLBACK: a cancel
   * that stopped one of those would leave the app's transaction other than the app was told.
   */
  readonly appStatement?: boolean
  /** The proxy's own query whose rows it reads (in text format): they are gathered here, never sent. */
  readonly rows?: (string | null)[][]
  /** The app's statement this op runs, when known: what a server error of it is explained by (see OpQueue's explain). */
  readonly sql?: string
  /** Where the text this op sent came from in the client's, when the proxy rewrote it: a server error's position is mapped back. */
  readonly origin?: Origin
}

const TERMINAL: Record<Exclude<Expect, 'sync' | 'query'>, string> = {
  parse: '1',
  bind: '2',
  close: '3',
  describe: 'Tn',
  execute: 'CIs',
}

/**
 * The answers of one connection's messages, in order. Each upstream message belongs to the oldest
 * unanswered op; an error in the extended protocol makes the server skip everything up to the next Sync,
 * so those ops are dropped as the server drops them.
 */
export class OpQueue {
  readonly #ops: Op[] = []
  /** Set between an extended-protocol error and the Sync the connection has not sent yet. */
  #skipping?: ServerError

  constructor(
    private readonly send: (data: Buffer) => void,
    /** Called when another op comes to the head: the server has moved on to the next message. */
    private readonly onAdvance: () => void,
    /**
     * What the app is sent for a server error of its own statement, when the proxy has more to say than
     * the server (see Session's #explained); undefined sends the server's error as it came.
     */
    private readonly explain: (error: ServerError, op: Op) => Buffer | undefined = () => undefined,
    /** How the server's text reads now (see Upstream#text). */
    private readonly encoding: () => TextEncoding = () => 'utf8',
  ) {}

  /**
   * The server is on the app's own messages (a query, a function call, a batch's Parse to Execute): all
   * the proxy sent before them has been answered, so a cancel sent now can reach only them or what follows.
   */
  get onAppMessages(): boolean {
    const head = this.#ops[0]
    return (head?.mode === 'forward' || !!head?.appStatement) && head.expect !== undefined && head.expect !== 'sync'
  }

  /** True while messages up to the next Sync are to be dropped, not sent. */
  get skipping(): boolean {
    return !!this.#skipping
  }

  /** After an error the proxy itself answered: drop everything up to the next Sync, as the server would. */
  skipUntilSync(error: ServerError): void {
    this.#skipping = error
  }

  get pending(): number {
    return this.#ops.length
  }

  push(op: Op): void {
    if (this.#skipping) {
      // The server is discarding messages until Sync: so are we.
      if (op.expect !== 'sync') return
      op.error ??= this.#skipping
      this.#skipping = undefined
    }
    this.#ops.push(op)
    this.#flushSynthetic()
    if (this.#ops[0] === op) this.onAdvance()
  }

  /** Route one upstream message; returns false when nothing was waiting for it (a protocol surprise). */
  receive(m: Message): boolean {
    const t = m.type
    const head = this.#ops[0]
    // Asynchronous messages can come at any time; notices of the proxy's own statements (a replay of
    // settings, a savepoint undone) stay here. Parameter changes always do: the connection is told of its
    // own as the server would tell it, at its ReadyForQuery (see Session#reportParameters).
    if (t === 'A') {
      this.send(m.raw)
      return true
    }
    if (t === 'S') return true
    if (t === 'N') {
      if (head?.mode !== 'swallow') this.send(m.raw)
      return true
    }
    if (!head) return false
    if (t === 'D' && head.rows) {
      head.rows.push(readDataRow(m.body, this.encoding()))
      return true
    }
    if (t === 'E') {
      head.reached?.()
      const error = (head.error ??= ServerError.read(m.body, this.encoding()))
      if (head.mode !== 'swallow') {
        this.send((head.mode === 'forward' && this.explain(error, head)) || m.raw)
        error.forwarded = true
      }
      if (head.expect !== 'sync' && head.expect !== 'query') this.#skipToSync()
      return true
    }
    if (t === 'Z') {
      if (head.expect !== 'sync' && head.expect !== 'query') return false
      this.#ops.shift()
      head.left?.()
      head.done?.(head.error)
      this.#flushSynthetic()
      this.onAdvance()
      return true
    }
    if (head.mode === 'forward') this.send(m.raw)
    else if (head.mode !== 'swallow') this.send(t === 'C' ? commandComplete(head.mode.retag) : m.raw)
    const terminal = head.expect && head.expect !== 'sync' && head.expect !== 'query' && TERMINAL[head.expect].includes(t)
    if (terminal) {
      this.#ops.shift()
      head.reached?.()
      head.answered?.()
      head.left?.()
      this.#flushSynthetic()
      this.onAdvance()
    }
    return true
  }

  /** The server dropped every message up to the Sync: their ops (and the proxy's own answers) go too. */
  #skipToSync(): void {
    const error = this.#ops[0]!.error
    const gone = [this.#ops.shift()!]
    while (this.#ops.length && this.#ops[0]!.expect !== 'sync') gone.push(this.#ops.shift()!)
    // Last first: each gives back what its name was before it, so a Close and a Parse of one name in the
    // batch leave the name as it was before both.
    for (const op of gone.reverse()) op.left?.()
    // The Sync's ReadyForQuery reports the error of the batch to whoever waits on it.
    if (this.#ops[0]) this.#ops[0].error ??= error
    else this.#skipping = error
  }

  #flushSynthetic(): void {
    while (this.#ops.length && this.#ops[0]!.synthetic) for (const b of this.#ops.shift()!.synthetic!) this.send(b)
  }

  /** The connection is gone: settle whoever waits, with `error`. */
  failAll(error: ServerError): void {
    this.#skipping = undefined
    for (const op of this.#ops.splice(0)) {
      op.left?.()
      op.done?.(op.error ?? error)
    }
  }
}
