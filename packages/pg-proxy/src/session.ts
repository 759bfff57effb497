import { isUtf8 } from 'node:buffer'
import type net from 'node:net'
import { cancelCallOf } from './cancel-call'
import { type Disposition, type Op, OpQueue } from './ops'
import { BodyReader, type Message, SINGLE_BYTE_ENCODINGS, type TextEncoding, cstring, message, textEncodingOf, textIn, unicodeOf } from './protocol/frames'
import {
  type ServerError as ErrorFields,
  bindNoParams,
  commandComplete,
  emptyQueryResponse,
  errorResponse,
  rewordedError,
  serverErrorResponse,
  execute,
  flush,
  noticeResponse,
  parameterStatus,
  query,
  readyForQuery,
} from './protocol/messages'
import type { UpstreamLock } from './lock'
import { PlainCursors } from './plain-cursors'
import { TxSettings } from './tx-settings'
import {
  CAVEATS,
  type RefusalRecord,
  idleInTransactionError,
  refusalError,
  refusalRecord,
  stalledCopyError,
  tempTableDroppedHint,
  uncommittedEnumValueHint,
} from './refusals'
import {
  type Statement,
  clientPosition,
  type Origin,
  type StatementKind,
  type TransactionScoped,
  caveatsOf,
  classify,
  escapeString,
  onlyInTransactionBlock,
  originOf,
  ownCalls,
  quoteName,
  rewrite,
  splitStatements,
  sqlCursorName,
  sqlPreparedName,
  takesSnapshot,
  transactionScoped,
} from './sql'
import { ServerError, type Upstream } from './upstream'
import { connectionName } from './upstream-names'
import { writeCoalesced } from './write'

/** The proxy's prepared statements on the upstream session: the savepoint that stands for the app's transaction. */
export const INTERNAL = {
  savepoint: ['venomqa.tx_savepoint', 'SAVEPOINT venomqa_tx'],
  release: ['venomqa.tx_release', 'RELEASE SAVEPOINT venomqa_tx'],
  rollback: ['venomqa.tx_rollback', 'ROLLBACK TO SAVEPOINT venomqa_tx'],
  /**
   * READ ONLY holds inside a savepoint, and the server ends it with the savepoint (RELEASE and ROLLBACK TO
   * both give the base transaction its own mode back): the app's read-only transaction refuses its writes
   * (25006) as on PostgreSQL, and leaves the run's transaction read-write.
   */
  readOnly: ['venomqa.tx_read_only', 'SET TRANSACTION READ ONLY'],
  /**
   * Cursors without HOLD and named portals end with the transaction on PostgreSQL; RELEASE hands them to the
   * base transaction instead, where the next DECLARE or Bind of the name would find them. The names are
   * read first: the loop's own portal must not be among them. The unnamed portal is the one running this.
   */
  closeCursors: [
    'venomqa.close_cursors',
    "DO $venomqa$ DECLARE n text; BEGIN FOREACH n IN ARRAY ARRAY(SELECT name FROM pg_catalog.pg_cursors WHERE NOT is_holdable AND name <> '') LOOP EXECUTE format('CLOSE %I', n); END LOOP; END $venomqa$",
  ],
} as const

/** PostgreSQL's answer to SET TRANSACTION outside a transaction block: a warning, and SET. */
const SET_TRANSACTION_OUTSIDE = { severity: 'WARNING', code: '25P01', message: 'SET TRANSACTION can only be used in transaction blocks' } as const
/** PostgreSQL's error for READ WRITE after the transaction's first query. */
const READ_WRITE_AFTER_QUERY = { severity: 'ERROR', code: '25001', message: 'transaction read-write mode must be set before any query' } as const

/** What makes the upstream session hold only this connection's settings: roles are not reset by RESET ALL. */
const RESET_SETTINGS = ['RESET SESSION AUTHORIZATION', 'RESET ROLE', 'RESET ALL']

/** What a session needs from the proxy. */
export interface Hub {
  readonly lock: UpstreamLock
  readonly upstream: Upstream
  readonly idleInTransactionTimeoutMs: number
  /** Session settings the upstream session has now, as a key; undefined when unknown (after a rollback). */
  appliedSettings: string | undefined
  /**
   * The connection whose set_config settings the upstream session holds, unread: read back (see
   * Session#readSessionConfig) before anything resets the session's settings or saves them with a checkpoint.
   */
  sessionConfigOf?: Session
  /** Read the unread set_config settings back (see sessionConfigOf), with `rows` running the query on the upstream session. */
  readSessionConfig(rows: (sql: string) => Promise<(string | null)[][]>): Promise<void>
  /** `next` gets the session: what to run first, so that its currval and lastval are its own (see PgProxy#keepSequences). */
  sequencesSwitch(next: Session): { sql: string; answered(kept: string | null): void } | undefined
  /** Set while a connection borrows an idle owner's session to prepare statements. */
  borrowing?: Promise<void>
  /** Resolves at the next moment a waiting prepare-only batch might get through. */
  changed(): Promise<void>
  notifyChange(): void
  caveat(kind: keyof typeof CAVEATS): void
  refused(record: RefusalRecord): void
  /** A cancel request for the connection with this process id (its BackendKeyData's); false when none has it. */
  cancelConnection(pid: number): boolean
  /** `pg_terminate_backend()` of the connection with this process id; false when none has it. */
  terminateConnection(pid: number): boolean
  /**
   * The checkpoint whose rollback dropped the temporary table `name` (made after it), and whether the app
   * meets it missing for the first time since; undefined for a table no rollback dropped (see PgProxy#rollback).
   */
  droppedTempTable(name: string): { checkpoint: string; first: boolean } | undefined
  ended(session: Session): void
  /**
   * Statements and cursors WITH HOLD whose connection closed while another had the upstream: the next
   * connection to get it closes them (see Session#closeLeftStatements).
   */
  readonly leftStatements: UpstreamObject[]
  /** DISCARD TEMP, then the proxy's temporary functions made again, as one statement. */
  readonly discardTempSql: string
  /** The statements that make the proxy's temporary functions (see discardTempSql), for DISCARD ALL's DO block. */
  readonly tempFunctionsSql: string
}

/**
 * Where the app's transaction stands. `implicit`: the proxy's savepoint covers statements outside any
 * BEGIN (PostgreSQL's autocommit: all or nothing), until their Sync or the end of their Query.
 */
type Tx = 'none' | 'implicit' | 'explicit' | 'failed'

/** The statements that run as the proxy rewrites them (see Session#rewritten). */
type Rewritten = 'deallocate-all' | 'discard-temp' | 'discard-sequences' | 'close-all' | 'discard-all'

/** A prepared statement (`S`) or a portal (`P`, a cursor too) on the upstream session, by its upstream name. */
export type UpstreamObject = readonly [target: 'S' | 'P', name: string]

/** A prepared statement or portal of the app, as the proxy sees it. */
interface Prepared {
  readonly kind: StatementKind
  readonly text: string
  readonly scoped: TransactionScoped
  /** The cursor without HOLD it declares or closes under its own name: counted at each Execute (see #execute). */
  readonly plainCursor?: PlainCursorUse
  /** A COPY FROM STDIN: at its Execute the server may go into copy mode (see #copyStarting). */
  readonly copyIn?: boolean
  /** It calls setval, which sets currval: noted at each Execute (see #setvalCalled). */
  readonly setval?: boolean
  /** PostgreSQL takes the transaction's snapshot for it (see takesSnapshot): noted at each Execute. */
  readonly snapshot?: boolean
  /**
   * The client_encoding the server read its text in (see unicodeOf): a SET it makes is kept as that text
   * means. The connection's when the Parse came, until the server has taken it: a SET client_encoding
   * before it in its batch changes it.
   */
  textName?: string
  /** How the proxy read its text when the Parse came. */
  readonly readAs?: TextEncoding
}

/** What a DISCARD ALL or DEALLOCATE ALL made the proxy forget, and how far the server got with it (see Session#settleForgotten). */
interface Forgotten {
  readonly statements: Map<string, Prepared>
  /** DISCARD ALL: the currval and lastval values kept for the connection before it. */
  readonly sequences?: string
  /** The server ran it, or began to. */
  reached: boolean
  /** It ran to its end. */
  answered: boolean
}

/** A DECLARE or CLOSE of a cursor without HOLD under the name the app wrote (see Session#plainCursors). */
interface PlainCursorUse {
  verb: 'declare' | 'close'
  name: string
}

const UNKNOWN: Prepared = { kind: { kind: 'other' }, text: '', scoped: { localSettings: false, cursors: false } }

const FRONTEND_EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'])

/** Messages that only prepare (nothing runs, nothing is bound): Parse, Describe of a statement, Close, Flush. */
const preparesOnly = (m: Message) => m.type === 'P' || m.type === 'C' || m.type === 'H' || (m.type === 'D' && m.body[0] === 0x53)

/** Why a connection's wait for the upstream ended without it: the app cancelled what waited, or went away. */
const WITHDRAWN = new Error('no longer waits for the upstream')

/** One connection of the app: its messages, its transaction, its names on the shared upstream session. */
export class Session {
  readonly #socket: net.Socket
  readonly #hub: Hub
  readonly #queue: OpQueue
  readonly #inbox: Message[] = []
  /** Each message's place in the order the connection sent them (copy data aside): see #copyHeld. */
  readonly #placeOf = new WeakMap<Message, number>()
  #received = 0
  /** The place of the message being handled. */
  #current = 0
  /** The place of the last Query or Execute handled: the COPY a CopyInResponse answers. */
  #copyFrom = 0
  /** That message was an Execute: see #copyByExecute. */
  #copyFromExecute = false
  /**
   * Copy data sent before the server asked for it, with the place of the message it came after. A client
   * may send its data right behind its COPY (asyncpg does), while the COPY still waits in the inbox: sent
   * up at once, the data would reach the server before the COPY, which would then wait for it for ever.
   */
  #copyHeld: { m: Message; after: number; received: number }[] = []
  /**
   * The place of the last message that was not a Sync or a Flush: what copy data sent now comes after. The
   * server in copy mode ignores those two, and drivers send one right behind the Execute of a COPY.
   */
  #copyAnchor = 0
  /** The connection sent Terminate: a COPY the server asks data for after it gets none (see #startCopyIn). */
  #leaving = false
  /** The client closed its side of the connection after its last message (see endOfInput). */
  #inputEnded = false
  /** The type of the last message the connection sent, copy data aside: see the end of the message loop (#drain). */
  #lastType = ''
  /** The server is in copy-in mode for this connection's COPY: copy data goes straight up. */
  #copyIn = false
  /**
   * The COPY the server last asked data for came from an Execute. In copy mode the server ignores a Sync
   * (drivers send one right behind the Execute), and the batch goes on to the Sync after the CopyDone: so
   * does the proxy, which sends nothing of its own upstream before then (see #sync).
   */
  #copyByExecute = false
  /** The place of the last message the connection sent before it ended its COPY's data (CopyDone, CopyFail). */
  #copyEnd = 0
  /**
   * An Execute of a COPY FROM STDIN is on its way: until the server asks for its data, or has answered it
   * otherwise, the proxy cannot know whether a message of its own would reach the server in copy mode,
   * which takes any message but copy data, Flush and Sync as the end of the connection's protocol.
   */
  #copyStarting?: Promise<void>
  #copyStarted?: () => void
  readonly #statements = new Map<string, Prepared>()
  readonly #portals = new Map<string, Prepared>()
  /**
   * The cursors this connection declared WITH HOLD and has not closed, as PostgreSQL names them: on the
   * shared session they carry the connection's prefix (see #ownCursorName).
   */
  readonly #heldCursors = new Set<string>()
  /** The cursors of SQL this connection declared without HOLD, under their own names, that may still be open. */
  readonly #plainCursors = new PlainCursors()
  /** Session settings, as SET statements: replayed whenever this connection gets the upstream after another. */
  readonly #settings: string[]
  /** The settings the connection gave at startup, by lower-case name, as set_config calls: what a RESET of them goes back to. */
  readonly #startup: Map<string, string>
  /** Names this connection set with set_config(..., false) since their values were last read (see readSessionConfig). */
  readonly #configNames = new Set<string>()
  /** The statement in `#settings` that replays each setting read back from set_config: the newest only. */
  readonly #configReplays = new Map<string, string>()
  /**
   * Settings made inside the app's open transaction (or autocommit batch), as the server ran them: kept at
   * COMMIT, dropped at ROLLBACK, those after a savepoint dropped at ROLLBACK TO it.
   */
  readonly #txSettings = new TxSettings()
  #tx: Tx = 'none'
  /** What the app's transaction (or autocommit batch) made that must end with it: see `transactionScoped`. */
  #scoped: TransactionScoped = { localSettings: false, cursors: false }
  /** A COMMIT inside the batch ended a transaction with local settings: the session's settings are made again at Sync. */
  #resetSettingsAtSync = false
  /**
   * The proxy's savepoint for the app's transaction (or autocommit statement) is read-only now; a statement
   * that takes a snapshot went up in it (`queried`: it can no longer be made read-write, as on PostgreSQL);
   * it was made read-write by a RELEASE and a new SAVEPOINT (`remade`: what the transaction set before then
   * outlives a rollback of it, so the connection's settings are given again after one).
   */
  #txMode = { readOnly: false, queried: false, remade: false }
  #owner = false
  #running = false
  #closed = false
  /** Extended-protocol messages sent since the last Sync: the connection is mid-batch. */
  #unsynced = 0
  /**
   * A statement of the batch ran (Execute) since it began or since its last COMMIT or ROLLBACK: PostgreSQL
   * then refuses DISCARD ALL as "within a pipeline" (25001).
   */
  #executedInBatch = false
  /** The proxy answered an error itself in this batch (a refusal). */
  #batchRefused = false
  /**
   * COMMITs and ROLLBACKs of the app's transaction (after its BEGIN) sent in this batch that the server has
   * not reached yet. The proxy maps each as it reads it, ahead of the answers to what came before it; if
   * one of those fails, the server skips the rest up to the Sync, as PostgreSQL would, and the transaction
   * is still open, and failed, at Sync. One the server reached has ended the transaction, even if it failed.
   */
  #txEndsUnreached = 0
  #idleTimer?: NodeJS.Timeout
  /** A cancel the app asked for before its statement reached the server: sent when it does. */
  #pendingCancel?: () => Promise<void>
  /** A cancel sent to the server, settled when the server has taken it in. */
  #cancelSent?: Promise<void>
  /**
   * A batch that waits, none of it sent yet: for the upstream, or (prepare-only) for its owner to be idle.
   * `stop` ends the wait, when the app cancels the batch or goes away; false when it had ended already.
   */
  #waiting?: { first: Message; stop(): boolean }
  /** A batch failed before it ran (cancelled as it waited): its messages are skipped up to its Sync. */
  #skippingToSync = false
  /** The value of each parameter the server reports (ParameterStatus) that the connection was last told. */
  readonly #told: Map<string, string>
  /** The connection called setval since it last got the session: it set currval, which the switch must keep (see #takeSequences). */
  #setvalCalled = false
  /** How the message being handled was read, by the connection's client_encoding: its text goes on so. */
  #text: TextEncoding = 'utf8'
  /**
   * The client_encoding a SET of the connection's in the batch on the server gave the session: the server
   * reads the messages after it in it at once, and reports it only at its ReadyForQuery.
   */
  #batchTextName?: string
  /** The client_encoding that message was written in, by PostgreSQL's name (see unicodeOf). */
  #textName = 'UTF8'
  /**
   * The currval and lastval values kept for the connection on the upstream session (see
   * SEQUENCES_KEEP_FUNCTION), as JSON, as kept there: empty when none are (the store is dropped at its end).
   */
  #sequences = ''
  /**
   * What each DISCARD ALL or DEALLOCATE ALL of the batch made the proxy forget, and how far the server got
   * with it: settled at the batch's Sync (see #settleForgotten).
   */
  #forgotten: Forgotten[] = []

  /**
   * @param told the ParameterStatus values the connection was greeted with: from then on it is told, as the
   * server tells it, of each that ends a query other than it was last told (see #reportParameters).
   */
  constructor(
    readonly id: number,
    socket: net.Socket,
    hub: Hub,
    startupSettings: [name: string, value: string][],
    told: Map<string, string>,
  ) {
    this.#socket = socket
    this.#hub = hub
    this.#told = new Map(told)
    this.#startup = new Map(startupSettings.map(([name, value]) => [name.toLowerCase(), setConfig(name, value)]))
    this.#settings = startupSettings.length ? [this.#startupSettings()] : []
    this.#queue = new OpQueue(
      (data) => this.#toClient(data),
      () => this.#sendPendingCancel(),
      (error, op) => this.#explained(error, op.sql) ?? asWritten(error, op.origin),
      () => this.#hub.upstream.text.encoding,
    )
  }

  /**
   * A server error that comes from running behind the proxy, said as such and recorded as a refusal (the
   * backend makes each a critical issue): a CALL or DO that commits or rolls back (2D000) works on
   * PostgreSQL outside a transaction block, and behind the proxy fails only because everything runs inside
   * one transaction. The same error in the app's own transaction block, or from a function (which may never
   * commit), is PostgreSQL's own and goes as it came. The server's fields (context, position) are kept.
   */
  #explained(error: ServerError, sql: string | undefined): Buffer | undefined {
    if (error.code === '42P01') return this.#droppedTempTable(error)
    if (error.code === '55P04') return this.#uncommittedEnumValue(error)
    if (error.code !== '2D000' || this.#tx === 'explicit' || this.#tx === 'failed' || !sql || !CALL_OR_DO.test(sql)) return undefined
    const explained = refusalError('transaction-control-in-procedure', error.message)
    this.#hub.refused(refusalRecord('transaction-control-in-procedure', error.message, explained))
    return rewordedError(error.fields, explained, error.encoding)
  }

  /**
   * `relation "t" does not exist` for a temporary table a rollback to a checkpoint dropped (made after it,
   * by a pool's connect hook say): the server's error as it came, with a hint that says why, and a
   * refusal, so that the run fails at its next checkpoint or rollback rather than report bugs that come and
   * go. A table the app never made gets the server's error untouched.
   */
  #droppedTempTable(error: ServerError): Buffer | undefined {
    const table = /^relation "(?:pg_temp(?:_\d+)?\.)?([^"]+)" does not exist$/.exec(error.message)?.[1]
    const dropped = table === undefined ? undefined : this.#hub.droppedTempTable(table)
    if (!table || !dropped) return undefined
    const hint = tempTableDroppedHint(table, dropped.checkpoint)
    // One critical issue per table and rollback, however often the app meets it; the hint every time.
    if (dropped.first) this.#hub.refused({ reason: 'temp-table-dropped', what: `the temporary table "${table}"`, code: error.code, message: error.message, hint })
    return rewordedError(error.fields, { message: error.message, hint }, error.encoding)
  }

  /**
   * `unsafe use of new value` of an enum: the value was added in the run's one transaction (a migration
   * through the proxy), which never commits, so the app can never use it. Its error says so, and the run
   * gets a critical issue: what the app answers meanwhile is not what it answers on the database.
   */
  #uncommittedEnumValue(error: ServerError): Buffer {
    const hint = uncommittedEnumValueHint(error.fields.H)
    this.#hub.refused({ reason: 'enum-value-uncommitted', what: 'a new enum value', code: error.code, message: error.message, hint })
    return rewordedError(error.fields, { message: error.message, hint }, error.encoding)
  }

  /** The settings the connection gave at startup, given again: the first of its settings. */
  #startupSettings(): string {
    return `DO $venomqa_startup$ BEGIN\n${giveStartup([...this.#startup.values()])}\nEND $venomqa_startup$`
  }

  get transaction(): Tx {
    return this.#tx
  }

  /** Still connected: not ended by its client or by the proxy. */
  get open(): boolean {
    return !this.#closed
  }

  /** Whether the connection called setval since the last time this was asked. */
  takeSetvalCalled(): boolean {
    const called = this.#setvalCalled
    this.#setvalCalled = false
    return called
  }

  /** What is kept of the connection's currval and lastval values on the upstream session, as JSON; empty when nothing is. */
  get keptSequences(): string {
    return this.#sequences
  }

  /** Its currval and lastval values are kept for it on the upstream session, as `json` (see #sequencesStore). */
  sequencesKept(json: string): void {
    // Ended since, and not dropped then: dropped by whoever gets the session next.
    if (this.#closed && !this.#sequences) this.#hub.leftStatements.push(['S', this.#sequencesStore])
    this.#sequences = json
  }

  /** The prepared statement that keeps the connection's currval and lastval values (see SEQUENCES_KEEP_FUNCTION). */
  get #sequencesStore(): string {
    return `venomqa.sequences.${this.id}`
  }

  /**
   * The upstream session's currval and lastval values are this connection's from now on: those it holds are
   * kept for the connection they belong to, then forgotten. In line with what follows, its answer read
   * when it comes.
   */
  #takeSequences(): void {
    const change = this.#hub.sequencesSwitch(this)
    if (!change) return
    const rows: (string | null)[][] = []
    this.#queue.push({ expect: 'query', mode: 'swallow', rows, done: () => change.answered(rows[0]?.[0] ?? null) })
    this.#hub.upstream.write(query(change.sql))
  }

  /** Messages of the connection, as they arrive. Copy data goes straight up: the server is waiting for it. */
  receive(m: Message): void {
    if (this.#closed) return
    this.#stopIdleTimer()
    if (m.type === 'd' || m.type === 'c' || m.type === 'f') {
      if (this.#copyIn && this.#owner) {
        this.#copyUp(m, this.#received)
        // Data keeps coming: the deadline of a stalled COPY starts again (see #waitsOnClient).
        if (this.#copyIn && this.#hub.lock.waiting) this.onContention()
      } else this.#copyHeld.push({ m, after: this.#copyAnchor, received: this.#received })
      return
    }
    if (m.type === 'X') {
      // A Terminate in copy mode: the server would take it as a broken protocol and end the shared session.
      this.#leaving = true
      this.#failCopy('the client ended its connection during COPY FROM STDIN')
    } else if (this.#copyIn && this.#owner) {
      // The server, in copy mode for this connection, reads it as part of the COPY's data: a Sync or a
      // Flush it ignores, any other message ends the connection (see #outOfCopy). None waits behind the COPY.
      if (!toleratedInCopy(m)) this.#outOfCopy(m)
      return
    }
    this.#placeOf.set(m, ++this.#received)
    if (m.type !== 'S' && m.type !== 'H') this.#copyAnchor = this.#received
    if (m.type !== 'X') this.#lastType = m.type
    this.#inbox.push(m)
    // After the rest of the chunk: a batch is seen whole (prepareAside needs its Sync).
    queueMicrotask(() => void this.#drain())
  }

  /** Copy data of the connection, sent after its message at place `after`, to the server in copy mode. */
  #copyUp(m: Message, after: number): void {
    this.#hub.upstream.write(m.raw)
    if (m.type === 'd') return
    this.#copyIn = false
    this.#copyEnd = after
  }

  /**
   * The server asks for the COPY's data: what the client sent after the COPY goes up, in order. A client
   * that left before it was asked sent all it will: its COPY is failed unless that data ended it.
   */
  #startCopyIn(): void {
    this.#copyIn = true
    this.#copyByExecute = this.#copyFromExecute
    this.#copyStarted?.()
    while (this.#copyIn) {
      const i = this.#copyHeld.findIndex((h) => h.after === this.#copyFrom)
      if (i < 0) break
      const held = this.#copyHeld.splice(i, 1)[0]!
      this.#copyUp(held.m, held.received)
    }
    if (this.#copyIn && this.#inputEnded) return this.#copyInputEnded()
    if (this.#copyIn && (this.#closed || this.#leaving)) return this.#failCopy('the client left during COPY FROM STDIN')
    this.#readInCopy()
    if (this.#copyIn && this.#hub.lock.waiting) this.onContention()
  }

  /**
   * The messages the client sent behind its COPY, before the server asked for the data (a pipelined Query,
   * a Sync), and before the data's end, if it came with them: the server reads them as part of the COPY.
   * PostgreSQL ignores a Sync or a Flush there (drivers send them behind a COPY without noticing it is
   * one): they are dropped. Any other message ends the connection, as on PostgreSQL (see #outOfCopy).
   */
  #readInCopy(): void {
    const inCopy = (m: Message) => this.#copyIn || (this.#placeOf.get(m) ?? 0) <= this.#copyEnd
    while (this.#inbox.length && inCopy(this.#inbox[0]!)) {
      const m = this.#inbox[0]!
      // Terminate: the client is leaving, and its COPY is failed as it goes (see receive).
      if (m.type === 'X') return
      if (!toleratedInCopy(m)) return this.#outOfCopy(m)
      this.#inbox.shift()
    }
  }

  /**
   * End the connection's COPY in the server's copy mode with CopyFail, as a client that gives up does: the
   * server answers it with an error (and, for a COPY of the extended protocol, skips to the Sync sent
   * with it), and the COPY's transaction, or autocommit savepoint, is undone as after any failed statement.
   * Without it the shared session would wait for the data for ever, or (any other message) end.
   */
  #failCopy(reason: string): void {
    if (!this.#copyIn) return
    this.#copyIn = false
    this.#copyEnd = this.#received
    const upstream = this.#hub.upstream
    upstream.write(message('f', `venomqa-pg-proxy: ${reason}`))
    if (this.#copyByExecute) {
      this.#queue.push({ expect: 'sync', mode: 'swallow' })
      upstream.write(message('S'))
    } else if (!this.#queue.pending) {
      // The COPY's query was given up already (the connection ended on an error): its answer goes nowhere.
      this.#queue.push({ expect: 'query', mode: 'swallow' })
    }
  }

  /** An upstream message for this connection. */
  readonly #fromUpstream = (m: Message): void => {
    if (m.type === 'Z') this.#batchTextName = undefined
    if (!this.#queue.receive(m)) this.#fatal(new Error(`unexpected "${m.type}" from the server`))
    else if (m.type === 'G') this.#startCopyIn()
  }

  /**
   * The client closed its side of the connection (a FIN: `socket.end()` after its last messages) and may
   * still read. PostgreSQL runs and answers every message it received before, then ends the session as for
   * a client that left: so does the proxy. What the connection sent runs in its turn, then the connection
   * ends (see #end), its open transaction undone. Its COPY, whose data can no longer come, is failed as
   * PostgreSQL fails it, at once or when the server asks for the data (see #copyInputEnded): the shared
   * session never waits for a client that has stopped sending.
   */
  endOfInput(): void {
    // Ended already, or its Terminate ends it.
    if (this.#closed || this.#leaving) return
    this.#inputEnded = true
    if (this.#copyIn && this.#owner) return this.#copyInputEnded()
    this.#inbox.push({ type: 'X', body: Buffer.alloc(0), raw: Buffer.alloc(0) })
    queueMicrotask(() => void this.#drain())
  }

  /**
   * The client's input ended while the server waits for its COPY's data: PostgreSQL answers an error and a
   * FATAL, and ends the connection. Then it is a client that left mid-COPY: the COPY is failed (CopyFail)
   * and its transaction undone, the session every connection shares free again.
   */
  #copyInputEnded(): void {
    this.#toClient(errorResponse({ severity: 'ERROR', code: '08006', message: 'unexpected EOF on client connection with an open transaction' }))
    this.#toClient(errorResponse({ severity: 'FATAL', code: '08P01', message: 'terminating connection because protocol synchronization was lost' }))
    this.#socket.end()
    const reason = 'the client closed its connection during COPY FROM STDIN'
    // Closed already when its end (see #end) waited for the server to start the COPY.
    this.#failCopy(reason)
    this.close(reason)
  }

  /** The client went away: undo its open transaction, forget its statements, let the others in. */
  close(reason = 'the client left during COPY FROM STDIN'): void {
    if (this.#closed) return
    this.#closed = true
    this.#stopIdleTimer()
    // Its COPY first: while the server waits for the data, nothing else of the session can run.
    this.#failCopy(reason)
    this.#inbox.length = 0
    this.#inbox.push({ type: 'X', body: Buffer.alloc(0), raw: Buffer.alloc(0) })
    // Out of any wait at once: a connection idle in its transaction is ended only while another waits,
    // and nothing of a client that is gone runs.
    this.#waiting?.stop()
    void this.#drain()
  }

  /**
   * `pg_terminate_backend()` of this connection, sent on another: ended as PostgreSQL ends a backend so
   * signalled (FATAL 57P01, the connection closed). Its statement under way is cancelled, as the server's
   * would stop, and nothing it still waited with runs; then it is a client that left: its open
   * transaction undone, its statements closed (see #end).
   */
  terminatedByCall(sendCancel: () => Promise<void>): void {
    if (this.#closed) return
    this.#toClient(errorResponse({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' }))
    // Ended before the cancel: what it stops is answered to no one.
    this.#socket.end()
    this.cancel(sendCancel)
    this.close('the connection was ended by pg_terminate_backend()')
  }

  /** The proxy is stopping or lost its upstream: end the connection with this error. */
  terminate(error: ErrorFields): void {
    this.#toClient(errorResponse(error))
    this.#closed = true
    this.#stopIdleTimer()
    this.#queue.failAll(new ServerError({ C: error.code, M: error.message }))
    this.#socket.end()
  }

  /**
   * The app asks to cancel what it is running. PostgreSQL drops a cancel that reaches a session between
   * statements, and this connection's statements share the upstream session with the proxy's own (the
   * savepoint before them, the RELEASE after them) and with other connections'. So:
   * - a statement that still waits for its turn on the upstream is answered at once with 57014, as
   *   PostgreSQL stops a statement that waits for a lock; nothing of it ran (see #answerCancelled);
   * - the cancel is sent only while the server is on the app's messages; one that comes while they still
   *   wait behind the proxy's statements is held until they run, and dropped once the app has its answer;
   * - with nothing of the connection's in flight, there is nothing to cancel: dropped, as the server would;
   * - once sent, nothing more goes upstream (the connection's next message, another connection's turn)
   *   until the server has taken the cancel in, so that a late one cannot stop a statement sent after it.
   *   What was sent before it can still be hit: the rest of a pipelined batch, and the RELEASE after an
   *   autocommit statement or batch, whose failure is reported as the statement's (see `#reportUndone`).
   */
  cancel(send: () => Promise<void>): void {
    if (this.#closed) return
    // A Sync alone runs nothing: it gets its ReadyForQuery when its turn comes.
    if (this.#waiting && this.#waiting.first.type !== 'S' && this.#waiting.stop()) return
    if (this.#owner && this.#queue.onAppMessages) this.#cancelSent = send()
    else if (this.#running || this.#inbox.length || this.#queue.pending) this.#pendingCancel = send
  }

  #sendPendingCancel(): void {
    if (!this.#pendingCancel || !this.#queue.onAppMessages) return
    const send = this.#pendingCancel
    this.#pendingCancel = undefined
    this.#cancelSent = send()
  }

  /** Wait until a cancel sent to the server has been taken in: see `cancel`. */
  async #cancelTakenIn(): Promise<void> {
    while (this.#cancelSent) {
      const sent = this.#cancelSent
      await sent
      if (this.#cancelSent === sent) this.#cancelSent = undefined
    }
  }

  /** Nobody waits any more (what waited was cancelled, or its client left): the deadline is lifted. */
  onUncontended(): void {
    this.#stopIdleTimer()
  }

  /** The lock tells its owner that someone waits: a connection idle in a transaction gets a deadline. */
  onContention(): void {
    if (this.#waitsOnClient() && !this.#idleTimer) {
      this.#idleTimer = setTimeout(() => void this.#idleTimeout(), this.#hub.idleInTransactionTimeoutMs)
      this.#idleTimer.unref()
    }
  }

  // ---- the message loop ----------------------------------------------------------------------------

  async #drain(): Promise<void> {
    if (this.#running) return
    this.#running = true
    try {
      while (this.#inbox.length) {
        if (this.#copyStarting && !toleratedInCopy(this.#inbox[0]!) && this.#inbox[0]!.type !== 'X') {
          // An Execute of a COPY is on its way: if the server asks for the data, it reads this message as
          // part of it (see #readInCopy). Sent up now, it would end the session every connection shares.
          await this.#copyStarting
          continue
        }
        const m = this.#inbox.shift()!
        if (m.type === 'X') {
          // Extended-protocol messages after the last Sync: PostgreSQL ends the session without their answers,
          // which it sends only at a Sync or a Flush. The proxy's clean-up would make the server send them all.
          if (this.#unsynced && this.#lastType !== 'H') this.#socket.end()
          await this.#end()
          return
        }
        // Ended by the proxy (terminate): nothing more of the connection runs.
        if (this.#closed) continue
        if (this.#skippingToSync) {
          if (m.type === 'S') {
            this.#skippingToSync = false
            this.#ready()
          }
          continue
        }
        if (this.#cancelCallAside(m)) continue
        if (await this.#prepareAside(m)) continue
        if (this.#cancelSent) await this.#cancelTakenIn()
        // The client left while this waited: nothing of it runs (the loop goes on to the close).
        if (this.#closed) continue
        if (!(await this.#acquire(m))) {
          if (!this.#closed) this.#answerCancelled(m)
          continue
        }
        while (this.#hub.borrowing) await this.#hub.borrowing
        if (this.#closed) continue
        this.#current = this.#placeOf.get(m) ?? this.#current
        if (m.type === 'Q' || m.type === 'E') {
          this.#copyFrom = this.#current
          this.#copyFromExecute = m.type === 'E'
        }
        await this.#handle(m)
        if (this.#cancelSent) await this.#cancelTakenIn()
        this.#maybeRelease()
      }
      if (this.#idleHolding()) {
        if (this.#hub.lock.waiting) this.onContention()
        this.#hub.notifyChange()
      }
    } catch (err) {
      this.#fatal(err)
    } finally {
      this.#running = false
    }
  }

  async #handle(m: Message): Promise<void> {
    // The connection's text as its client_encoding writes it: the session has the connection's settings now.
    const { encoding, name, unreadable } = this.#hub.upstream.text
    this.#text = textOf(m, encoding)
    this.#textName = name
    if (unreadable && (m.type === 'Q' || FRONTEND_EXTENDED.has(m.type)) && m.body.some((b) => b > 0x7f)) return this.#unreadable(m, unreadable)
    if (m.type === 'Q') return this.#simpleQuery(new BodyReader(m.body, this.#text).cstring())
    if (m.type === 'S') return this.#sync()
    if (m.type === 'F') return this.#functionCall(m)
    if (FRONTEND_EXTENDED.has(m.type)) return this.#extended(m)
    throw new ServerError({ C: '08P01', M: `unexpected message type "${m.type}"` })
  }

  /**
   * A message with bytes over 0x7F in a multi-byte client_encoding other than UTF8: in those a character's
   * second byte may be an ASCII one (a quote, a backslash), so the proxy cannot find the statements, names
   * and calls it must read without the encoding's tables. Refused rather than misread; ASCII text (a SET
   * client_encoding back to UTF8) still runs.
   */
  #unreadable(m: Message, name: string): void {
    const error = unreadableError(name)
    if (m.type === 'Q') {
      this.#toClient(errorResponse(error))
      this.#ready()
      return
    }
    this.#unsynced++
    this.#synthetic(errorResponse(error))
    this.#batchRefused = true
    this.#queue.skipUntilSync(answered(error))
  }

  /** Take the upstream; false when the connection stopped waiting: `waitingWith`'s batch was cancelled (see `cancel`), or it closed. */
  async #acquire(waitingWith?: Message): Promise<boolean> {
    if (this.#owner) return true
    if (waitingWith) this.#waiting = { first: waitingWith, stop: () => this.#hub.lock.withdraw(this, WITHDRAWN) }
    try {
      await this.#hub.lock.acquire(this)
    } catch (err) {
      if (err === WITHDRAWN) return false
      throw err
    } finally {
      this.#waiting = undefined
    }
    this.#owner = true
    this.#hub.upstream.listen(this.#fromUpstream)
    this.#takeSequences()
    await this.#closeLeftStatements()
    await this.#applySettings()
    return true
  }

  /**
   * Close the statements of connections that closed while others had the upstream (`hub.leftStatements`).
   * Such a connection does not wait for the upstream only to close them: a connection idle in its
   * transaction would be ended for its sake, for a client that is gone. Names are never reused (each
   * carries its connection's number), so one left a while stands in nobody's way.
   */
  async #closeLeftStatements(): Promise<void> {
    if (this.#hub.leftStatements.length) await this.#closeStatements(this.#hub.leftStatements.splice(0))
  }

  /**
   * Close, not DEALLOCATE or CLOSE: closing a statement or portal that does not exist (its Parse failed, the
   * app closed it) is no error, and an error here would abort the base transaction.
   */
  async #closeStatements(objects: readonly UpstreamObject[]): Promise<void> {
    for (const _ of objects) this.#queue.push({ expect: 'close', mode: 'swallow' })
    const done = this.#track('sync', 'swallow')
    this.#hub.upstream.write([...objects.map(([target, name]) => message('C', Buffer.from(target), name)), message('S')])
    await done
  }

  /**
   * The batch that starts with `first` was cancelled while it waited for the upstream: none of it ran. The
   * app gets what PostgreSQL answers a statement cancelled as it waits for a lock, at the batch's first
   * message. An extended-protocol batch is then skipped up to its Sync, as after any error (its Sync may
   * not have come yet: postgres.js sends Parse, Describe and Flush, and a Sync only once it has the error).
   * A named statement whose Parse is skipped does not exist, as after a Parse that failed: drivers parse it
   * again next time. The connection holds no transaction (it would hold the upstream): it is idle again.
   */
  #answerCancelled(first: Message): void {
    this.#toClient(errorResponse({ severity: 'ERROR', code: '57014', message: 'canceling statement due to user request' }))
    if (FRONTEND_EXTENDED.has(first.type)) this.#skippingToSync = true
    else this.#ready()
  }

  /** At a transaction boundary with nothing in flight, others may have the upstream. */
  #maybeRelease(): void {
    if (!this.#owner || this.#tx !== 'none' || this.#unsynced || this.#queue.pending) return
    if (this.#inbox.length && !this.#hub.lock.waiting) return
    this.#owner = false
    this.#hub.lock.release(this)
    this.#hub.notifyChange()
  }

  /** Holding the upstream with nothing to do: inside a transaction, or mid-batch. */
  idleHolding(): boolean {
    return this.#idleHolding()
  }

  /** The upstream's messages are this connection's again (after another borrowed the session). */
  listenUpstream(): void {
    this.#hub.upstream.listen(this.#fromUpstream)
  }

  /**
   * `SELECT pg_cancel_backend(<pid>)` of one of the proxy's connections (Knex's query timeout sends it on a
   * connection of its own, with the process id the proxy gave the running query's connection): answered
   * here, as a cancel request for that connection. On the shared session it would wait behind the very
   * statement it is to stop, then find no server process of that id. True when the call was answered.
   */
  #cancelCallAside(first: Message): boolean {
    // In a failed transaction the server refuses the call (25P02), as PostgreSQL does.
    if (this.#tx === 'failed' || this.#unsynced || this.#queue.pending) return false
    const call = cancelCallOf(first, this.#inbox)
    if (!call) return false
    if (call.pid === 'self') {
      // Ending itself, in a transaction or not: nothing of it is under way (nothing pending), so nothing to cancel.
      this.#inbox.splice(0, call.consumed)
      for (const data of call.answers) this.#toClient(data)
      this.terminatedByCall(async () => {})
      return true
    }
    if (this.#tx !== 'none' || !(call.kind === 'terminate' ? this.#hub.terminateConnection(call.pid) : this.#hub.cancelConnection(call.pid))) return false
    this.#inbox.splice(0, call.consumed)
    for (const data of call.answers) this.#toClient(data)
    this.#ready()
    return true
  }

  /**
   * A batch that only prepares statements (Parse, Describe, Close up to Sync: what a blocking PQprepare
   * sends) may run while the owner sits idle inside its transaction, in a savepoint of its own. A
   * single-threaded app (pgbench -j 1) that prepares on one connection while another holds a transaction
   * would otherwise wait for itself. True when the batch was answered.
   */
  async #prepareAside(first: Message): Promise<boolean> {
    if (this.#owner || this.#tx !== 'none' || this.#unsynced || !preparesOnly(first)) return false
    const end = this.#inbox.findIndex((m) => m.type === 'S')
    if (end < 0 || !this.#inbox.slice(0, end).every(preparesOnly)) return false
    for (;;) {
      const owner = this.#hub.lock.owner
      if (!(owner instanceof Session) || this.#hub.upstream.status === 'E') return false
      if (owner.idleHolding() && !this.#hub.borrowing) {
        const batch = [first, ...this.#inbox.splice(0, end + 1)]
        let done = () => {}
        this.#hub.borrowing = new Promise<void>((resolve) => (done = resolve))
        try {
          await this.#runAside(batch)
        } finally {
          this.#hub.borrowing = undefined
          owner.listenUpstream()
          done()
        }
        return true
      }
      let stopped = false
      this.#waiting = {
        first,
        stop: () => {
          stopped = true
          this.#hub.notifyChange()
          return true
        },
      }
      try {
        await this.#hub.changed()
      } finally {
        this.#waiting = undefined
      }
      // The client left while this waited: nothing of it runs (the loop goes on to the close).
      if (this.#closed) return true
      if (stopped) {
        this.#answerCancelled(first)
        return true
      }
    }
  }

  /**
   * Inside a savepoint that is always rolled back: the connection's own settings apply to the Parse
   * (search_path decides what a name means), and neither they nor an error touch the owner's
   * transaction. Prepared statements are not transactional: they stay.
   */
  async #runAside(batch: Message[]): Promise<void> {
    this.listenUpstream()
    await this.#internalSettings('SAVEPOINT venomqa_aside')
    // The session reads text in this connection's client_encoding now: its messages go on in it (see #handle).
    const { encoding, name, unreadable } = this.#hub.upstream.text
    this.#textName = name
    if (unreadable && batch.some((m) => m.body.some((b) => b > 0x7f))) {
      await this.#internal('ROLLBACK TO SAVEPOINT venomqa_aside; RELEASE SAVEPOINT venomqa_aside')
      // As PostgreSQL answers a batch whose first message fails: its error, then ready at the Sync.
      this.#toClient(errorResponse(unreadableError(unreadable)))
      this.#ready()
      return
    }
    for (const m of batch.slice(0, -1)) {
      this.#text = textOf(m, encoding)
      this.#forwardExtended(m)
    }
    const done = this.#track('sync', 'swallow')
    this.#hub.upstream.write(message('S'))
    await done
    await this.#internal('ROLLBACK TO SAVEPOINT venomqa_aside; RELEASE SAVEPOINT venomqa_aside')
    this.#ready()
  }

  /** Holding the upstream with nothing to do: inside a transaction, or mid-batch. */
  #idleHolding(): boolean {
    return this.#owner && !this.#inbox.length && !this.#queue.pending && (this.#tx !== 'none' || this.#unsynced > 0)
  }

  /**
   * Holding the upstream while only the client can move it on: idle (see #idleHolding), or in the middle
   * of a COPY's data, which the server waits for. Both are ended when another waits past the deadline. A
   * COPY is not idle to others, though: nothing may be prepared beside it (see #prepareAside).
   */
  #waitsOnClient(): boolean {
    return (this.#owner && this.#copyIn) || this.#idleHolding()
  }

  async #idleTimeout(): Promise<void> {
    this.#idleTimer = undefined
    while (this.#hub.borrowing) await this.#hub.borrowing
    // Nobody waits any more: onUncontended stops the timer, but not one that fired during a borrow.
    if (!this.#waitsOnClient() || this.#closed || !this.#hub.lock.waiting) return
    if (this.#copyIn) return this.#endStalledCopy()
    const error = idleInTransactionError(this.#hub.idleInTransactionTimeoutMs)
    this.#hub.refused(refusalRecord('idle-in-transaction', 'idle in transaction', error))
    this.terminate(error)
    await this.#end()
  }

  /**
   * A COPY whose data stopped coming while another connection waited: ended as a connection idle in its
   * transaction is. Its COPY is failed first (the drain that waits for it then goes on to the close).
   */
  #endStalledCopy(): void {
    const error = stalledCopyError(this.#hub.idleInTransactionTimeoutMs)
    this.#hub.refused(refusalRecord('idle-in-transaction', 'idle in COPY FROM STDIN', error))
    this.#toClient(errorResponse(error))
    this.#socket.end()
    this.close(`no COPY data came for ${this.#hub.idleInTransactionTimeoutMs} ms while another connection waited`)
  }

  /**
   * A message other than copy data, Flush or Sync while the server waits for the COPY's data: PostgreSQL
   * ends such a connection (an error, then FATAL 08P01), and sent on, it would end the session every connection shares.
   * The connection is ended as PostgreSQL ends it; its COPY is failed and its transaction undone.
   */
  #outOfCopy(m: Message): void {
    const what = `unexpected message type 0x${m.type.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')} during COPY from stdin`
    this.#toClient(errorResponse({ severity: 'ERROR', code: '08P01', message: what }))
    this.#toClient(errorResponse({ severity: 'FATAL', code: '08P01', message: 'terminating connection because protocol synchronization was lost' }))
    this.#socket.end()
    this.close(`the client sent an ${what}`)
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  #fatal(err: unknown): void {
    if (this.#closed) return
    this.terminate({ severity: 'FATAL', code: (err as ServerError).code || '08P01', message: `venomqa-pg-proxy: ${(err as Error).message}` })
    void this.#end()
  }

  /** Undo what the connection left open, then let go. Runs once, at the end of the connection. */
  async #end(): Promise<void> {
    this.#closed = true
    this.#stopIdleTimer()
    this.#failCopy('the client left during COPY FROM STDIN')
    const named: UpstreamObject[] = [
      ...[...this.#statements.keys()].filter(Boolean).map((n) => ['S', this.#upstreamName(n)] as const),
      // PostgreSQL closes a connection's cursors WITH HOLD with it; a cursor is a portal to the protocol.
      ...[...this.#heldCursors].map((n) => ['P', this.#upstreamName(n)] as const),
      ...(this.#sequences ? [['S', this.#sequencesStore] as const] : []),
    ]
    // Without the upstream, the connection holds no transaction and no batch (it would hold the upstream):
    // only its statements are left, for whoever gets the upstream next.
    if (!this.#owner) this.#hub.leftStatements.push(...named)
    const closesOwn = this.#owner && named.length > 0
    const dirty = this.#tx !== 'none' || this.#unsynced > 0 || closesOwn
    try {
      while (this.#hub.borrowing) await this.#hub.borrowing
      // An Execute of a COPY still on its way: nothing may follow it upstream before the server has
      // answered it (a COPY that asks for data then is failed: see #startCopyIn).
      if (this.#copyStarting) await this.#copyStarting
      if (dirty && !this.#hub.upstream.closed) {
        await this.#acquire()
        await this.#waitForQueue()
        if (this.#unsynced) await this.#syncUpstream()
        if (this.#tx !== 'none' || this.#hub.upstream.status === 'E') await this.#internal(`${INTERNAL.rollback[1]}; ${INTERNAL.release[1]}`)
        if (closesOwn) await this.#closeStatements(named)
      }
    } catch {
      // The upstream is gone or broken: the proxy reports that on its own.
    } finally {
      this.#tx = 'none'
      this.#owner = false
      this.#hub.lock.abandon(this)
      this.#hub.notifyChange()
      this.#hub.ended(this)
      if (!this.#socket.destroyed) this.#socket.end()
    }
  }

  /**
   * A portal (a cursor, to SQL) named as the connection's on the shared session: one it bound, or one it
   * declared WITH HOLD (see #ownCursorName). Any other is a cursor of SQL it declared without HOLD, under
   * its own name.
   */
  #ownsPortal(name: string): boolean {
    return this.#portals.has(name) || this.#heldCursors.has(name)
  }

  /** A portal the protocol names (Describe, Execute, Close): psycopg 3 describes its SQL cursors so. */
  #upstreamPortal(name: string): string {
    return this.#ownsPortal(name) ? this.#upstreamName(name) : name
  }

  /** Statements other connections cannot see: names are per connection on the server, shared here. */
  #upstreamName(name: string): string {
    return connectionName(this.id, name)
  }

  /**
   * A prepared statement of SQL named as this connection's, as those of the protocol are (PostgreSQL has
   * one namespace for both): PREPARE p on two connections would clash, and one connection could EXECUTE
   * another's. Followed like the protocol's, so that they are closed with the connection; a DEALLOCATE
   * forgets the name even if it fails (a Close of a statement that is gone is no error).
   */
  #ownPreparedName(statement: Statement): Statement {
    const named = sqlPreparedName(statement)
    if (!named) return statement
    const verb = statement.code.slice(0, 10).toUpperCase()
    if (verb.startsWith('PREPARE')) {
      if (!this.#statements.has(named.name)) this.#statements.set(named.name, UNKNOWN)
    } else if (verb.startsWith('DEALLOCATE')) this.#statements.delete(named.name)
    return rewrite(statement, [{ at: named.start, removed: named.end - named.start, inserted: quoteName(this.#upstreamName(named.name)) }])
  }

  /**
   * A cursor WITH HOLD named as this connection's: it outlives its transaction, and so, on the one session
   * every connection shares, two connections could not hold one name, one could FETCH from another's, and
   * one left by a closed connection would stay in a new one's way. Its FETCH, MOVE and CLOSE are renamed
   * as long as the connection holds it. Other names are left alone: a cursor without HOLD ends with its
   * transaction, during which its connection has the session to itself, and a `refcursor` a function
   * opens is named by the server. A DECLARE without HOLD of a name the connection owns is renamed too, so
   * that it fails as on PostgreSQL (the name is taken).
   *
   * A portal the connection bound is renamed the same way: asyncpg MOVEs and FETCHes its portals with SQL.
   *
   * A name stays the connection's once held, even after a CLOSE: the statement is renamed before the server
   * runs it, and it may not run (an earlier error in its batch) or fail. Whatever the app declares under
   * the name later is renamed the same way, so it is found, and closing a cursor that is gone is no error.
   */
  #ownCursorName(statement: Statement): { statement: Statement; plainCursor?: PlainCursorUse } {
    const named = sqlCursorName(statement)
    if (!named) return { statement }
    const owned = this.#ownsPortal(named.name)
    // A name a cursor without HOLD of this transaction still has is left as written: PostgreSQL refuses it.
    if (named.hold && (owned || !this.#plainCursors.has(named.name))) this.#heldCursors.add(named.name)
    else if (!owned) return named.verb === 'use' ? { statement } : { statement, plainCursor: { verb: named.verb, name: named.name } }
    return { statement: rewrite(statement, [{ at: named.start, removed: named.end - named.start, inserted: quoteName(this.#upstreamName(named.name)) }]) }
  }

  /**
   * The statement with the names that are per connection on PostgreSQL made this connection's, and the
   * cursor without HOLD it declares or closes, for #usePlainCursor when it runs.
   */
  #ownNames(statement: Statement): { statement: Statement; plainCursor?: PlainCursorUse } {
    const named = this.#ownCursorName(this.#ownPreparedName(statement))
    return { ...named, statement: this.#ownCalls(named.statement) }
  }

  /**
   * The statement with the calls the proxy answers for the connection (see `ownCalls`): currval and lastval,
   * and set_config of idle_in_transaction_session_timeout, said once as its SET is.
   */
  #ownCalls(statement: Statement): Statement {
    const calls = ownCalls(statement, this.id, this.#standardConformingStrings())
    // Read as it runs, for a simple query; at each Execute, for the extended protocol (see Prepared).
    if (callsSetval(statement)) this.#setvalCalled = true
    if (calls.idleTimeout) this.#hub.caveat('idle-timeout-setting')
    return calls.statement
  }

  #usePlainCursor(use: PlainCursorUse | undefined): void {
    if (use?.verb === 'declare') this.#plainCursors.declared(use.name)
    else if (use?.verb === 'close') this.#plainCursors.closed(use.name)
  }

  // ---- simple query ----------------------------------------------------------------------------------

  async #simpleQuery(text: string): Promise<void> {
    const written = splitStatements(text, this.#standardConformingStrings())
    // Each statement named, then read, before the next: a CLOSE ALL or a ROLLBACK TO frees the names of
    // cursors without HOLD for the statements after it (see #plainCursors).
    const statements: Statement[] = []
    const kinds: StatementKind[] = []
    for (const s of written) {
      const { statement, plainCursor } = this.#ownNames(s)
      this.#usePlainCursor(plainCursor)
      statements.push(statement)
      const kind = this.#inspect(statement)
      this.#notePlainCursors(kind)
      kinds.push(kind)
    }
    // Sent as the app wrote it, unless a prepared statement or a cursor of SQL was renamed for its connection.
    // On lines of their own: a statement's text may end with a line comment, which would take in a ';' after it.
    const origin = statements.some((s, i) => s !== written[i]) ? originOf(text, statements, '\n;\n') : undefined
    const sql = origin ? origin.sent : text
    if (!statements.length) {
      this.#toClient(emptyQueryResponse())
      return this.#ready()
    }
    if (kinds.length === 1 && kinds[0]!.kind === 'cursor' && this.#tx === 'none') {
      // Alone in its query string, outside the app's transaction: PostgreSQL refuses it, and so does the
      // proxy. Let through, the cursor would be closed as the statement ended, and the app's next FETCH
      // would fail instead, naming a cursor that "does not exist".
      this.#toClient(errorResponse(onlyInTransactionBlock('DECLARE CURSOR')))
      return this.#ready()
    }
    const plain = kinds.every((k) => k.kind === 'other' || k.kind === 'session-setting' || k.kind === 'cursor')
    if (plain) for (const statement of statements) this.#noteScoped(transactionScoped(statement))
    if (plain && this.#tx !== 'none' && statements.some(takesSnapshot)) this.#txMode.queried = true
    if (plain) await this.#plainQuery(sql, statements.filter((_, i) => kinds[i]!.kind === 'session-setting').map((s) => s.text), statements.some(isCopy), origin)
    else await this.#statementByStatement(statements, kinds, text)
    // Extended-protocol messages sent before it without a Sync ran in the query's transaction, which it
    // ended: no batch is open any more, and the connection does not hold the session for one.
    this.#unsynced = 0
    this.#ready()
  }

  /** No transaction control inside: the server runs the text as written, every result goes back. */
  async #plainQuery(sql: string, written: string[], copy = false, origin?: Origin): Promise<void> {
    const upstream = this.#hub.upstream
    const settings = this.#unicode(written)
    if (this.#tx === 'none') {
      // Autocommit: all or nothing, as PostgreSQL runs a Query message outside a transaction block. The
      // RELEASE goes in the same round trip; after an error it fails too, and the rollback follows. Not
      // after a COPY: the server would take the RELEASE for a message inside the copy data.
      this.#queue.push({ expect: 'query', mode: 'swallow' })
      const result = this.#track('query', 'forward', undefined, sql, origin)
      const release = copy ? undefined : this.#track('query', 'swallow')
      const scoped = this.#takeScoped()
      upstream.write([query(this.#openSql()), query(sql, this.#text), ...(copy ? [] : [query(this.#releaseSql(scoped))])])
      const error = await result
      const undone = !error && (await release)
      if (error || undone) await this.#internal(`${INTERNAL.rollback[1]}; ${INTERNAL.release[1]}`)
      if (undone) this.#reportUndone(undone)
      else if (error) return
      else if (copy) await this.#internal(this.#releaseSql(scoped))
      else this.#keepSettings(settings)
      if (!error && !undone && scoped.localSettings) await this.#resetSettings()
      return
    }
    const error = await this.#forwardQuery(sql, 'forward', origin)
    if (this.#tx === 'implicit') {
      // Extended-protocol messages came before it with no Sync (asyncpg's Parse, Describe, Flush): PostgreSQL
      // ran them in one transaction with this query, and ends that transaction with the query.
      this.#txSettings.add(settings)
      await this.#endImplicit(!!error || this.#hub.upstream.status === 'E')
      return
    }
    this.#afterInTransaction(error, settings)
  }

  /** Transaction control, refusals or SET TRANSACTION inside: one statement at a time, each mapped. */
  async #statementByStatement(statements: Statement[], kinds: StatementKind[], written: string): Promise<void> {
    for (let i = 0; i < statements.length; i++) {
      const now = this.#hub.upstream.text
      if (now.name !== this.#textName) {
        // A statement before it changed client_encoding: PostgreSQL read the whole query in the one it came
        // in, and reads what the proxy sends now in the new one. The statements left go as the same characters.
        const from = { encoding: this.#text, name: this.#textName }
        const moved = statements.slice(i).map((s) => {
          const [text, code] = [textIn(s.text, from, now), textIn(s.code, from, now)]
          return text === undefined || code === undefined ? undefined : { ...s, text, code }
        })
        if (moved.some((s) => s === undefined)) {
          this.#toClient(errorResponse(encodingChangedError(now.name)))
          await this.#failTransaction()
          break
        }
        statements.splice(i, moved.length, ...(moved as Statement[]))
        written = textIn(written, from, now) ?? written
        this.#text = now.encoding
        this.#textName = now.name
      }
      this.#noteScoped(transactionScoped(statements[i]!))
      const ok = await this.#runStatement(statements[i]!, kinds[i]!, statements.length > 1, written)
      if (!ok) break
    }
    if (this.#tx === 'implicit') await this.#endImplicit(this.#hub.upstream.status === 'E')
  }

  /** One statement of a simple query; false when it failed (the rest of the query is skipped). */
  async #runStatement(statement: Statement, kind: StatementKind, inMulti: boolean, written: string): Promise<boolean> {
    // Sent alone: a server error's position is counted from its start, the client's from its query's.
    const origin = originOf(written, [statement], '')
    switch (kind.kind) {
      case 'begin':
        await this.#begin(kind.readOnly, kind.readWrite)
        return true
      case 'commit':
      case 'rollback':
        await this.#finish(kind.kind, kind.chain)
        return true
      case 'set-transaction':
      case 'idle-timeout-setting':
        // In a failed transaction the server refuses it (25P02), as PostgreSQL does.
        if (this.#tx === 'failed') return this.#runStatement(statement, { kind: 'other' }, inMulti, written)
        if (kind.kind === 'set-transaction') {
          // In a query string of several statements, PostgreSQL's implicit transaction block: it holds for the rest.
          if (this.#tx === 'none' && inMulti) await this.#openImplicit()
          if (this.#tx === 'none') this.#toClient(noticeResponse(SET_TRANSACTION_OUTSIDE))
          else if (kind.readOnly) await this.#makeReadOnly()
          else if (kind.readWrite) {
            const verdict = this.#readWriteVerdict()
            // The server, inside the proxy's read-only savepoint, refuses it with PostgreSQL's words for a savepoint.
            if (verdict === 'in-savepoint') return this.#runStatement(statement, { kind: 'other' }, inMulti, written)
            if (verdict === 'after-query') {
              this.#toClient(errorResponse(READ_WRITE_AFTER_QUERY))
              await this.#failTransaction()
              return false
            }
            if (verdict === 'remake') await this.#remakeReadWrite()
          }
        }
        this.#toClient(commandComplete('SET'))
        return true
      case 'refused':
        await this.#refuse(kind.reason, kind.what)
        return false
      case 'startup-reset': {
        if (this.#tx === 'none') await this.#openImplicit()
        const error = await this.#forwardQuery(kind.sql, { retag: kind.tag })
        if (this.#tx === 'implicit') {
          if (error) await this.#endImplicit(true)
          else this.#txSettings.add([kind.sql])
          return !error
        }
        return this.#afterInTransaction(error, [kind.sql])
      }
      case 'discard-all':
        // In a transaction block (the app's own, or a query string of several statements): sent as written,
        // the shared session refuses it as PostgreSQL does (25001, or 25P02 in a failed transaction).
        if (inMulti || this.#tx !== 'none') return this.#runStatement(statement, { kind: 'other' }, inMulti, written)
        {
          await this.#openImplicit()
          const forgotten = this.#discardedNames()
          const error = await this.#forwardQuery(this.#discardAllSql(), { retag: 'DISCARD ALL' })
          if (!error) this.#discardedSettings()
          await this.#endImplicit(!!error)
          if (error) await this.#recheckForgotten({ ...forgotten, reached: true })
          return !error
        }
      case 'deallocate-all':
      case 'discard-temp':
      case 'discard-sequences':
      case 'close-all': {
        const [sql, tag] = this.#rewritten(kind.kind)
        if (this.#tx === 'none') await this.#openImplicit()
        const forgotten = kind.kind === 'deallocate-all' ? this.#forgetStatements() : undefined
        const error = await this.#forwardQuery(sql, { retag: tag })
        if (!error && kind.kind === 'discard-sequences') this.#sequences = ''
        if (this.#tx === 'implicit') {
          if (error) await this.#endImplicit(true)
          if (error && forgotten) await this.#recheckForgotten({ ...forgotten, reached: true })
          return !error
        }
        const ok = this.#afterInTransaction(error, [])
        if (error && forgotten) await this.#recheckForgotten({ ...forgotten, reached: true })
        return ok
      }
      case 'savepoint':
        if (this.#tx === 'none' || this.#tx === 'implicit') {
          this.#toClient(errorResponse(onlyInTransactionBlock(kind.verb)))
          if (this.#tx === 'implicit') await this.#endImplicit(true)
          return false
        }
        {
          const error = await this.#forwardQuery(statement.text, 'forward', origin)
          if (!error) this.#txSettings.savepoint(kind.verb, kind.name)
          return this.#afterInTransaction(error, [])
        }
      default: {
        if (this.#tx === 'none' && inMulti) await this.#openImplicit()
        if (this.#tx !== 'none' && takesSnapshot(statement)) this.#txMode.queried = true
        if (this.#tx === 'none') {
          await this.#plainQuery(statement.text, kind.kind === 'session-setting' ? [statement.text] : [], false, origin)
          return this.#hub.upstream.status !== 'E'
        }
        const error = await this.#forwardQuery(statement.text, 'forward', origin)
        const settings = kind.kind === 'session-setting' ? this.#unicode([statement.text]) : []
        if (this.#tx === 'implicit') {
          if (error) await this.#endImplicit(true)
          else this.#txSettings.add(settings)
          return !error
        }
        return this.#afterInTransaction(error, settings)
      }
    }
  }

  async #begin(readOnly: boolean, readWrite: boolean): Promise<void> {
    if (this.#tx === 'explicit' || this.#tx === 'failed') {
      this.#toClient(noticeResponse({ severity: 'WARNING', code: '25001', message: 'there is already a transaction in progress' }))
    } else {
      if (this.#tx === 'none') await this.#internal(readWrite ? this.#openReadWriteSql() : this.#openSql(readOnly))
      else if (readOnly) await this.#makeReadOnly()
      else if (readWrite && this.#readWriteVerdict() === 'remake') await this.#remakeReadWrite()
    }
    if (this.#tx !== 'failed') this.#tx = 'explicit'
    this.#toClient(commandComplete('BEGIN'))
  }

  /** COMMIT or ROLLBACK of the app's transaction: RELEASE or ROLLBACK TO of the proxy's savepoint. */
  async #finish(verb: 'commit' | 'rollback', chain: boolean): Promise<void> {
    if (this.#tx === 'none') {
      this.#toClient(noticeResponse({ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' }))
      this.#toClient(commandComplete(verb === 'commit' ? 'COMMIT' : 'ROLLBACK'))
      return
    }
    const keep = verb === 'commit' && this.#tx !== 'failed'
    const scoped = this.#takeScoped()
    await this.#internal(keep ? this.#releaseSql(scoped) : `${INTERNAL.rollback[1]}; ${INTERNAL.release[1]}`)
    const settings = this.#txSettings.take()
    if (keep) this.#keepSettings(settings)
    this.#tx = 'none'
    if (keep ? scoped.localSettings : this.#txMode.remade) await this.#resetSettings()
    this.#toClient(commandComplete(keep ? 'COMMIT' : 'ROLLBACK'))
    if (chain) {
      await this.#internal(this.#openSql())
      this.#tx = 'explicit'
    }
  }

  async #refuse(reason: Parameters<typeof refusalError>[0], what: string): Promise<void> {
    const error = refusalError(reason, what)
    this.#hub.refused(refusalRecord(reason, what, error))
    this.#toClient(errorResponse(error))
    await this.#failTransaction()
  }

  /** An error the proxy answered itself fails the app's transaction as a server error would. */
  async #failTransaction(): Promise<void> {
    if (this.#tx === 'implicit') await this.#endImplicit(true)
    else if (this.#tx === 'explicit') {
      // Puts the server's transaction into the aborted state, so that what follows fails as it should
      // and ROLLBACK TO SAVEPOINT of the app's own savepoints still works.
      await this.#internal(`DO $venomqa$ BEGIN RAISE EXCEPTION 'refused by venomqa-pg-proxy'; END $venomqa$`)
      this.#tx = 'failed'
    }
  }

  async #openImplicit(): Promise<void> {
    await this.#internal(this.#openSql())
    this.#tx = 'implicit'
  }

  async #endImplicit(failed: boolean): Promise<void> {
    const scoped = this.#takeScoped()
    await this.#internal(failed ? `${INTERNAL.rollback[1]}; ${INTERNAL.release[1]}` : this.#releaseSql(scoped))
    const settings = this.#txSettings.take()
    if (!failed) this.#keepSettings(settings)
    this.#tx = 'none'
    if (failed ? this.#txMode.remade : scoped.localSettings) await this.#resetSettings()
  }

  /** Inside the app's transaction, the server's state is the app's: an error there fails it. */
  #afterInTransaction(error: ServerError | undefined, settings: string[]): boolean {
    this.#tx = this.#hub.upstream.status === 'E' ? 'failed' : 'explicit'
    if (!error && this.#tx === 'explicit') this.#txSettings.add(settings)
    return !error
  }

  async #forwardQuery(sql: string, mode: Disposition = 'forward', origin?: Origin): Promise<ServerError | undefined> {
    // Every query sent here is the app's, retagged or not: a cancel may reach it (see Op#appStatement).
    const done = this.#track('query', mode, undefined, sql, origin, true)
    this.#hub.upstream.write(query(sql, this.#text))
    return done
  }

  async #functionCall(m: Message): Promise<void> {
    const opened = this.#tx === 'none'
    if (opened) await this.#openImplicit()
    this.#txMode.queried = true
    const done = this.#track('query', 'forward')
    this.#hub.upstream.write(m.raw)
    const error = await done
    if (opened) await this.#endImplicit(!!error)
    else this.#afterInTransaction(error, [])
    this.#ready()
  }

  // ---- extended query ------------------------------------------------------------------------------

  async #extended(m: Message): Promise<void> {
    if (this.#queue.skipping) return // the server would discard it until Sync
    if (this.#tx === 'none') await this.#openImplicitPipelined()
    this.#unsynced++
    this.#forwardExtended(m)
  }

  /** Parse, Bind, Describe, Close, Execute, Flush: names made the connection's own, Execute mapped. */
  #forwardExtended(m: Message): void {
    const r = new BodyReader(m.body, this.#text)
    const upstream = this.#hub.upstream
    switch (m.type) {
      case 'P': {
        const name = r.cstring()
        const sql = r.cstring()
        const written = splitStatements(sql, this.#standardConformingStrings())[0]
        const owned = written && this.#ownNames(written)
        const first = owned ? owned.statement : undefined
        const kind: StatementKind = first ? this.#inspect(first) : { kind: 'other' }
        const previous = this.#statements.get(name)
        const prepared: Prepared = {
          kind,
          text: first?.text ?? '',
          scoped: first ? transactionScoped(first) : UNKNOWN.scoped,
          ...(owned?.plainCursor ? { plainCursor: owned.plainCursor } : {}),
          ...(first && isCopyIn(first) ? { copyIn: true } : {}),
          ...(first && callsSetval(first) ? { setval: true } : {}),
          ...(!first || takesSnapshot(first) ? { snapshot: true } : {}),
          textName: this.#textName,
          readAs: this.#text,
        }
        // Known at once, for the Bind and Execute after it in the batch; undone when the server did not take it.
        this.#statements.set(name, prepared)
        let reached = false
        let parsed = false
        this.#queue.push({
          expect: 'parse',
          mode: 'forward',
          // Rewritten, its text is the statement's alone: a server error's position is mapped back to the client's.
          ...(first && first !== written ? { origin: originOf(sql, [first], '') } : {}),
          reached: () => (reached = true),
          answered: () => {
            parsed = true
            prepared.textName = this.#batchTextName ?? this.#hub.upstream.text.name
          },
          left: () => {
            if (parsed) return
            // Refused (a named statement that exists, 42P05) or skipped (an error before it in the batch): the
            // name is what it was. PostgreSQL drops the unnamed statement as a Parse of it begins, even one it refuses.
            const was = previous && !(name === '' && reached) ? previous : undefined
            // A DISCARD ALL or DEALLOCATE ALL later in the batch took it to give back at the Sync if it did not
            // run (see #settleForgotten): it gives back what the name was.
            const holder = this.#statements.get(name) === prepared ? this.#statements : this.#forgotten.find((f) => f.statements.get(name) === prepared)?.statements
            if (was) holder?.set(name, was)
            else holder?.delete(name)
          },
        })
        const rewritten =
          kind.kind === 'deallocate-all' ||
          kind.kind === 'discard-temp' ||
          kind.kind === 'discard-sequences' ||
          kind.kind === 'close-all' ||
          kind.kind === 'discard-all'
            ? this.#rewritten(kind.kind)[0]
            : kind.kind === 'startup-reset'
              ? kind.sql
              : first !== written
                ? first!.text
                : sql
        upstream.write(message('P', cstring(this.#upstreamName(name), this.#text), cstring(rewritten, this.#text), r.rest()))
        return
      }
      case 'B': {
        const portal = r.cstring()
        const statement = r.cstring()
        this.#portals.set(portal, this.#statements.get(statement) ?? UNKNOWN)
        // A named portal ends with the transaction on PostgreSQL; behind the proxy it must be closed then.
        if (portal) this.#noteScoped({ localSettings: false, cursors: true })
        this.#queue.push({ expect: 'bind', mode: 'forward' })
        upstream.write(message('B', cstring(this.#upstreamName(portal), this.#text), cstring(this.#upstreamName(statement), this.#text), r.rest()))
        return
      }
      case 'D':
      case 'C': {
        const target = r.byte()
        const name = r.cstring()
        const upstreamName = target === 'S' ? this.#upstreamName(name) : this.#upstreamPortal(name)
        if (m.type === 'C') this.#queue.push({ expect: 'close', mode: 'forward', ...forgetOnClose(target === 'S' ? this.#statements : this.#portals, name) })
        else this.#queue.push({ expect: 'describe', mode: 'forward' })
        upstream.write(message(m.type, Buffer.from(target, 'latin1'), cstring(upstreamName, this.#text)))
        return
      }
      case 'E':
        this.#execute(r.cstring(), r.int32())
        return
      case 'H':
        upstream.write(m.raw)
        return
    }
  }

  /** Execute: the app's transaction control becomes the proxy's savepoint statements. */
  #execute(portal: string, maxRows: number): void {
    const bound = this.#portals.get(portal) ?? UNKNOWN
    const { kind, text, scoped, plainCursor, copyIn, setval, snapshot } = bound
    const upstream = this.#hub.upstream
    this.#noteScoped(scoped)
    if (setval) this.#setvalCalled = true
    // At each Execute, not at the Parse: a statement parsed may run later, more than once, or never. One
    // refused below outside a transaction block ends that block, and the names with it (see #ready).
    this.#notePlainCursors(kind)
    const pipelined = this.#executedInBatch
    this.#executedInBatch = true
    /** What the statement did to the transaction's settings, once the server has run it. */
    let done: (() => void) | undefined
    switch (kind.kind) {
      case 'begin':
        if (this.#tx === 'explicit' || this.#tx === 'failed')
          this.#synthetic(noticeResponse({ severity: 'WARNING', code: '25001', message: 'there is already a transaction in progress' }))
        else if (kind.readOnly) this.#makeReadOnlyPipelined()
        else if (kind.readWrite && this.#readWriteVerdict() === 'remake') this.#remakeReadWritePipelined()
        if (this.#tx !== 'failed') this.#tx = 'explicit'
        this.#synthetic(commandComplete('BEGIN'))
        return
      case 'commit':
      case 'rollback': {
        const keep = kind.kind === 'commit' && this.#tx !== 'failed'
        const tag = keep ? 'COMMIT' : 'ROLLBACK'
        const { remade } = this.#txMode
        const ended = this.#takeScoped()
        // A COMMIT without BEGIN (autocommit) ends no transaction of the app: an error before it fails the batch only.
        const ends = this.#tx === 'explicit' || this.#tx === 'failed'
        if (ends) this.#txEndsUnreached++
        this.#internalPipelined(keep ? [...(ended.cursors ? [INTERNAL.closeCursors] : []), INTERNAL.release] : [INTERNAL.rollback, INTERNAL.release], tag, {
          // The transaction's settings, as the server ran them up to here, are dropped once the server has
          // done the ROLLBACK, kept once it has done the COMMIT (see #txEndsUnreached).
          reached: () => {
            if (ends) this.#txEndsUnreached--
            if (!keep) this.#txSettings.take()
            if (!keep && remade) this.#resetSettingsAtSync = true
          },
          answered: keep
            ? () => {
                if (ended.localSettings) this.#resetSettingsAtSync = true
                this.#keepSettings(this.#txSettings.take())
              }
            : undefined,
        })
        this.#tx = 'none'
        // Statements after it in the same batch are autocommit again; with AND CHAIN, a new transaction.
        this.#internalPipelined(this.#opening())
        this.#tx = kind.chain ? 'explicit' : 'implicit'
        this.#executedInBatch = false
        return
      }
      case 'discard-all': {
        if (this.#tx === 'explicit' || pipelined) {
          // As PostgreSQL refuses it. Its Parse sent the statement that stands for it, which must not run.
          const where = this.#tx === 'explicit' ? 'run inside a transaction block' : 'be executed within a pipeline'
          const error = { severity: 'ERROR', code: '25001', message: `DISCARD ALL cannot ${where}` } as const
          this.#synthetic(errorResponse(error))
          this.#batchRefused = true
          this.#queue.skipUntilSync(answered(error))
          return
        }
        // In a failed transaction the server refuses the Execute (25P02) as PostgreSQL does: sent on below.
        if (this.#tx === 'failed') break
        // PostgreSQL commits DISCARD ALL at once, even with more of the batch after it: what it did stays when
        // a later statement of the batch fails. So the proxy's savepoint is released after it, and set again.
        // Its names are forgotten now, as DEALLOCATE ALL's are: a Parse later in the batch names a new statement.
        this.#queue.push(this.#forgettingExecute(this.#discardedNames(), 'DISCARD ALL', () => this.#discardedSettings()))
        upstream.write(execute(this.#upstreamPortal(portal), maxRows, this.#text))
        const scoped = this.#takeScoped()
        this.#internalPipelined([...(scoped.cursors ? [INTERNAL.closeCursors] : []), INTERNAL.release, INTERNAL.savepoint])
        this.#executedInBatch = false
        return
      }
      case 'set-transaction':
      case 'idle-timeout-setting': {
        // In a failed transaction the server refuses the Execute (25P02), as PostgreSQL does: sent on below.
        if (this.#tx === 'failed') break
        if (kind.kind === 'set-transaction') {
          // Outside the app's transaction PostgreSQL warns, and the mode holds for the rest of the batch.
          if (this.#tx === 'implicit') this.#synthetic(noticeResponse(SET_TRANSACTION_OUTSIDE))
          if (kind.readOnly) this.#makeReadOnlyPipelined()
          else if (kind.readWrite) {
            const verdict = this.#readWriteVerdict()
            if (verdict === 'in-savepoint') break
            if (verdict === 'after-query') {
              this.#synthetic(errorResponse(READ_WRITE_AFTER_QUERY))
              this.#batchRefused = true
              this.#queue.skipUntilSync(answered(READ_WRITE_AFTER_QUERY))
              return
            }
            if (verdict === 'remake') this.#remakeReadWritePipelined()
          }
        }
        this.#synthetic(commandComplete('SET'))
        return
      }
      case 'refused': {
        const error = refusalError(kind.reason, kind.what)
        this.#hub.refused(refusalRecord(kind.reason, kind.what, error))
        this.#synthetic(errorResponse(error))
        this.#batchRefused = true
        this.#queue.skipUntilSync(answered(error))
        return
      }
      case 'savepoint':
      case 'cursor':
        // Outside the app's transaction, PostgreSQL runs a batch of the extended protocol in no transaction
        // block, so it refuses these even when more statements come before the Sync.
        if (this.#tx === 'implicit') {
          const error = onlyInTransactionBlock(kind.kind === 'cursor' ? 'DECLARE CURSOR' : kind.verb)
          this.#synthetic(errorResponse(error))
          this.#batchRefused = true
          this.#queue.skipUntilSync(answered(error))
          return
        }
        if (kind.kind === 'savepoint') {
          done = () => this.#txSettings.savepoint(kind.verb, kind.name)
          // A ROLLBACK TO ends the failed state: a COMMIT after it in the same batch commits. One that fails
          // leaves the transaction failed, and the server skips that COMMIT (see #txEndsUnreached).
          if (kind.verb === 'ROLLBACK TO SAVEPOINT' && this.#tx === 'failed') this.#tx = 'explicit'
        }
        break
      case 'session-setting': {
        // A SET with parameters cannot be replayed as text; SET takes none, so the text is the setting.
        // As the characters its Parse meant: the transaction's COMMIT may come in another client_encoding.
        // Read when it has run: by then the server has taken its Parse, in the encoding it read it in.
        const encoding = clientEncodingSet(text)
        done = () => {
          if (encoding !== undefined) this.#batchTextName = encoding || undefined
          this.#txSettings.add(this.#unicode([Buffer.from(text, bound.readAs ?? 'utf8').toString(textEncodingOf(bound.textName).encoding)], bound.textName))
        }
        break
      }
      case 'startup-reset':
        // Its Parse sent the DO block that stands for it (see #startupReset).
        this.#queue.push({ expect: 'execute', mode: { retag: kind.tag }, appStatement: true, answered: () => this.#txSettings.add([kind.sql]) })
        upstream.write(execute(this.#upstreamPortal(portal), maxRows, this.#text))
        return
      case 'deallocate-all':
      case 'discard-temp':
      case 'discard-sequences':
      case 'close-all':
        // Its Parse sent the statement that stands for it (see #rewritten).
        // Its store is dropped once it has run (a capture cannot come in between: the connection has the session).
        if (kind.kind === 'discard-sequences') this.#sequences = ''
        if (kind.kind === 'deallocate-all') this.#queue.push(this.#forgettingExecute(this.#forgetStatements(), 'DEALLOCATE ALL'))
        else this.#queue.push({ expect: 'execute', mode: { retag: this.#rewritten(kind.kind)[1] }, appStatement: true })
        upstream.write(execute(this.#upstreamPortal(portal), maxRows, this.#text))
        return
    }
    this.#usePlainCursor(plainCursor)
    if (snapshot) this.#txMode.queried = true
    const op: Op = { expect: 'execute', mode: 'forward', sql: text, ...(done ? { answered: done } : {}) }
    if (copyIn) op.left = this.#awaitCopyStart()
    this.#queue.push(op)
    upstream.write(execute(this.#upstreamPortal(portal), maxRows, this.#text))
  }

  /**
   * An Execute of a COPY FROM STDIN goes up: #copyStarting holds until the server asks for its data or the
   * Execute leaves the queue otherwise (answered, failed, skipped). What it returns is called then.
   */
  #awaitCopyStart(): () => void {
    let started = () => {}
    const starting = new Promise<void>((resolve) => (started = resolve))
    const settle = () => {
      if (this.#copyStarting !== starting) return
      this.#copyStarting = undefined
      this.#copyStarted = undefined
      started()
    }
    this.#copyStarting = starting
    this.#copyStarted = settle
    return settle
  }

  /** Sync ends a batch: an autocommit batch is kept (RELEASE) or undone (ROLLBACK TO) as a whole. */
  async #sync(): Promise<void> {
    if (this.#copyStarting) await this.#copyStarting
    if (this.#copyByExecute) {
      // Sent before the COPY's data ended: the server ignores it, and so does the proxy (see #copyByExecute).
      if (this.#copyIn || this.#current <= this.#copyEnd) return
      this.#copyByExecute = false
    }
    const upstream = this.#hub.upstream
    const implicit = this.#tx === 'implicit'
    const scoped = implicit ? this.#takeScoped() : undefined
    if (implicit && !this.#queue.skipping) this.#internalPipelined([...(scoped?.cursors ? [INTERNAL.closeCursors] : []), INTERNAL.release])
    const done = this.#track('sync', 'swallow')
    upstream.write(message('S'))
    const error = await done
    this.#unsynced = 0
    const refused = this.#batchRefused
    this.#batchRefused = false
    const endSkipped = this.#txEndsUnreached > 0
    this.#txEndsUnreached = 0
    if (endSkipped) {
      // An error before the batch's COMMIT or ROLLBACK: the server skipped it and what followed, so the app's
      // transaction is still open and failed, with the proxy's savepoint for it, as on PostgreSQL. Its
      // ROLLBACK undoes it (the settings it made before the error with it), a ROLLBACK TO part of it.
      this.#tx = 'failed'
    } else if (implicit || this.#tx === 'implicit') {
      const settings = this.#txSettings.take()
      if (error || upstream.status === 'E') {
        await this.#internal(`${INTERNAL.rollback[1]}; ${INTERNAL.release[1]}`)
        if (this.#txMode.remade) this.#resetSettingsAtSync = true
        if (error && !error.forwarded) this.#reportUndone(error)
      } else {
        this.#keepSettings(settings)
        if (scoped?.localSettings) this.#resetSettingsAtSync = true
      }
      this.#tx = 'none'
      // What the batch made after its last COMMIT was undone or released with it.
      this.#takeScoped()
    } else if (this.#tx === 'explicit' || this.#tx === 'failed') {
      this.#tx = upstream.status === 'E' ? 'failed' : 'explicit'
      if (refused && this.#tx === 'explicit') await this.#failTransaction()
    }
    if (this.#resetSettingsAtSync) {
      this.#resetSettingsAtSync = false
      await this.#resetSettings()
    }
    await this.#settleForgotten()
    this.#ready()
  }

  /**
   * The Execute of a DISCARD ALL or DEALLOCATE ALL whose names were forgotten as it went up: how far the
   * server got with it is noted, for the batch's Sync to settle (see #settleForgotten). `then` runs once it
   * has run to its end.
   */
  #forgettingExecute(forgotten: Forgotten, tag: string, then?: () => void): Op {
    this.#forgotten.push(forgotten)
    return {
      expect: 'execute',
      mode: { retag: tag },
      appStatement: true,
      reached: () => (forgotten.reached = true),
      answered: () => {
        forgotten.answered = true
        then?.()
      },
    }
  }

  /**
   * The batch's DISCARD ALL and DEALLOCATE ALL, as far as the server got with them. Their names were
   * forgotten as they went up, so that a Parse after them in the batch names a new statement. One the server
   * skipped (an error before it in the batch) did nothing: what it made the proxy forget is known again. One
   * that failed may have dropped some statements and not others (a cancel, a statement_timeout, an error of
   * one of its parts), and prepared statements stay dropped when the rest is undone: what still exists is
   * read back. Newest first, so that the oldest's view wins.
   */
  async #settleForgotten(): Promise<void> {
    for (const forgotten of this.#forgotten.splice(0).reverse()) if (!forgotten.answered) await this.#recheckForgotten(forgotten)
  }

  /** A DISCARD ALL or DEALLOCATE ALL did not run to its end: see #settleForgotten. */
  async #recheckForgotten(forgotten: Forgotten): Promise<void> {
    for (const [name, prepared] of forgotten.statements) this.#statements.set(name, prepared)
    if (forgotten.sequences !== undefined) this.#sequences = forgotten.sequences
    // Inside a failed transaction nothing can be read: the names stay known, and a Bind of one that is gone fails upstream as on PostgreSQL.
    if (!forgotten.reached || this.#hub.upstream.status === 'E') return
    let names: Set<string | null>
    // In a savepoint, as the proxy's other reads: a read that fails (the app's statement_timeout) must not
    // leave the shared transaction failed, and every connection's work with it.
    try {
      const store = escapeString(this.#sequencesStore)
      const rows = await this.#internalRows(
        `SAVEPOINT venomqa_recheck; SELECT name FROM pg_catalog.pg_prepared_statements WHERE pg_catalog.starts_with(name, ${escapeString(`vq${this.id}.`)}) OR name = ${store}; RELEASE SAVEPOINT venomqa_recheck`,
      )
      names = new Set(rows.map((r) => r[0] ?? null))
    } catch {
      await this.#internal('ROLLBACK TO SAVEPOINT venomqa_recheck; RELEASE SAVEPOINT venomqa_recheck')
      return
    }
    for (const name of forgotten.statements.keys()) if (!names.has(this.#upstreamName(name))) this.#statements.delete(name)
    if (forgotten.sequences !== undefined && !names.has(this.#sequencesStore)) this.#sequences = ''
  }

  /**
   * The proxy's savepoint ahead of the batch's first message, in the same round trip. The Flush makes the
   * server send the savepoint's answers at once rather than at the batch's Sync: the proxy learns that the
   * server has moved on to the app's messages, which is when the app's cancel may go (see `cancel`).
   */
  async #openImplicitPipelined(): Promise<void> {
    this.#internalPipelined(this.#opening())
    this.#hub.upstream.write(flush())
    this.#tx = 'implicit'
  }

  /**
   * Run prepared internal statements in line with the app's messages (unnamed portal); the last may answer
   * as `tag`. `reached` is called when the server gets to the first of them (they run, or fail), and
   * `answered` when the last has succeeded; neither when an earlier error made the server skip them.
   */
  #internalPipelined(statements: readonly (readonly [string, string])[], tag?: string, on: { reached?: () => void; answered?: () => void } = {}): void {
    const out: Buffer[] = []
    statements.forEach(([name], i) => {
      const last = i === statements.length - 1
      this.#queue.push({ expect: 'bind', mode: 'swallow', ...(i === 0 && on.reached ? { reached: on.reached } : {}) })
      this.#queue.push({ expect: 'execute', mode: last && tag ? { retag: tag } : 'swallow', ...(last && on.answered ? { answered: on.answered } : {}) })
      out.push(bindNoParams('', name), execute(''))
    })
    this.#hub.upstream.write(out)
  }

  // ---- shared helpers ------------------------------------------------------------------------------

  /**
   * How the server reads backslashes in this connection's strings: its settings are applied to the
   * upstream session before anything of it is read, and the server reports this one whenever it changes.
   * The server lexes a whole query with the value it had when the query arrived, as this does.
   */
  #standardConformingStrings(): boolean {
    return this.#hub.upstream.parameters.get('standard_conforming_strings') !== 'off'
  }

  /** Classify a statement, and say once what behaves differently behind the proxy. */
  #inspect(statement: Statement): StatementKind {
    for (const caveat of caveatsOf(statement)) this.#hub.caveat(caveat)
    const kind = classify(statement)
    if (kind.kind === 'set-transaction' || kind.kind === 'idle-timeout-setting') this.#hub.caveat(kind.kind)
    if (kind.kind === 'session-setting') return this.#startupReset(statement) ?? kind
    return kind
  }

  /**
   * RESET ALL, RESET name or SET name TO DEFAULT of a setting this connection gave at startup: PostgreSQL
   * goes back to the startup value (a pool's RESET ALL at each release, as asyncpg's, keeps the app's
   * search_path), the shared session to the proxy's. The statement runs with the startup values given
   * again after it, in one DO block: the client sees no value change in between (the server reports a
   * setting's value at the end of a statement, when it differs from the last one reported).
   */
  #startupReset(statement: Statement): StatementKind | undefined {
    if (!this.#startup.size) return undefined
    const s = statement.code.trim().replace(/;$/, '').trim().replace(/\s+/g, ' ')
    let names: string[] | undefined
    let tag = 'RESET'
    // RESET ALL leaves the settings PostgreSQL marks NO_RESET_ALL, a role given at startup among them.
    if (/^RESET ALL$/i.test(s)) names = [...this.#startup.keys()].filter((n) => !NO_RESET_ALL.has(n))
    else if (/^RESET TIME ZONE$/i.test(s)) names = ['timezone']
    else if (/^SET (?:SESSION )?TIME ZONE (?:DEFAULT|LOCAL)$/i.test(s)) [names, tag] = [['timezone'], 'SET']
    else if (/^SET (?:SESSION )?NAMES(?: DEFAULT)?$/i.test(s)) [names, tag] = [['client_encoding'], 'SET']
    else {
      const reset = RESET_NAME.exec(s)
      const toDefault = SET_TO_DEFAULT.exec(s)
      const name = reset?.[1] ?? toDefault?.[1]
      if (toDefault) tag = 'SET'
      if (name !== undefined) names = [(name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name).toLowerCase()]
    }
    const sets = (names ?? []).map((n) => this.#startup.get(n)).filter((set) => set !== undefined)
    if (!sets.length || statement.text.includes('$venomqa_reset$')) return undefined
    // On lines of their own: the statement may end with a line comment.
    return { kind: 'startup-reset', sql: `DO $venomqa_reset$ BEGIN\n${statement.text}\n;\n${giveStartup(sets)}\nEND $venomqa_reset$`, tag }
  }

  /**
   * What a statement about to run does to the names of this connection's cursors without HOLD: CLOSE ALL,
   * the end of the transaction and the app's savepoints (see PlainCursors). A simple query's statements at
   * once, in order; the extended protocol's at each Execute.
   */
  #notePlainCursors(kind: StatementKind): void {
    if (kind.kind === 'close-all') this.#plainCursors.closedAll()
    else if (kind.kind === 'commit' || kind.kind === 'rollback') this.#plainCursors.transactionEnded()
    else if (kind.kind === 'savepoint') this.#plainCursors.savepoint(kind.verb, kind.name)
  }

  #track(expect: 'query' | 'sync', mode: Disposition, rows?: (string | null)[][], sql?: string, origin?: Origin, appStatement?: boolean): Promise<ServerError | undefined> {
    return new Promise((resolve) =>
      this.#queue.push({
        expect,
        mode,
        done: resolve,
        ...(rows ? { rows } : {}),
        ...(sql ? { sql } : {}),
        ...(origin ? { origin } : {}),
        ...(appStatement ? { appStatement } : {}),
      }),
    )
  }

  /** One of the proxy's own statements, as a simple query, answers dropped (its rows gathered into `rows`, when given). */
  async #internal(sql: string, rows?: (string | null)[][]): Promise<ServerError | undefined> {
    if (this.#cancelSent) await this.#cancelTakenIn()
    const done = this.#track('query', 'swallow', rows)
    this.#hub.upstream.write(query(sql))
    return done
  }

  #synthetic(data: Buffer): void {
    this.#queue.push({ mode: 'forward', synthetic: [data] })
  }

  async #waitForQueue(): Promise<void> {
    while (this.#queue.pending) {
      const done = this.#track('query', 'swallow')
      this.#hub.upstream.write(query(''))
      await done
    }
  }

  async #syncUpstream(): Promise<void> {
    const done = this.#track('sync', 'swallow')
    this.#hub.upstream.write(message('S'))
    await done
    this.#unsynced = 0
  }

  /**
   * One of the proxy's own statements failed after the app's statements had succeeded (a cancel that came
   * as they ended can reach the RELEASE sent with them), and their work was undone with the savepoint. The
   * app is told, as PostgreSQL tells it of a failed commit: an error before ReadyForQuery.
   */
  #reportUndone(error: ServerError): void {
    this.#toClient(errorResponse({ severity: 'ERROR', code: error.code || 'XX000', message: error.message }))
  }

  #ready(): void {
    // The app has its answer: a cancel still held was for a statement that never reached the server.
    this.#pendingCancel = undefined
    // The server is out of copy mode, and drops copy data sent for a COPY that failed before it asked.
    this.#copyIn = false
    if (this.#copyHeld.length) this.#copyHeld = this.#copyHeld.filter((h) => h.after > this.#current)
    if (this.#tx === 'none') this.#plainCursors.transactionEnded()
    else if (this.#tx === 'failed') this.#plainCursors.transactionFailed()
    this.#executedInBatch = false
    this.#reportParameters()
    this.#toClient(readyForQuery(this.#tx === 'explicit' ? 'T' : this.#tx === 'failed' ? 'E' : 'I'))
  }

  /**
   * ParameterStatus as the server sends it, before ReadyForQuery: for each reported parameter whose value
   * now differs from what the connection was last told, once. The server's own
   * go nowhere (see OpQueue): it sends them for the upstream session, which also runs the proxy's statements
   * (a savepoint undone, another connection's settings given) and other connections' in turn. What holds
   * the session now is this connection's; one that does not hold it ran nothing that could change them.
   */
  #reportParameters(): void {
    if (!this.#owner) return
    const changed: [string, string][] = []
    for (const [name, value] of this.#hub.upstream.parameters) if (this.#told.get(name) !== value) changed.push([name, value])
    // By name, upper case folded, as PostgreSQL orders its settings.
    changed.sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
    for (const [name, value] of changed) {
      this.#told.set(name, value)
      this.#toClient(parameterStatus(name, value))
    }
  }

  #noteScoped(scoped: TransactionScoped): void {
    this.#scoped = { localSettings: this.#scoped.localSettings || scoped.localSettings, cursors: this.#scoped.cursors || scoped.cursors }
    if (scoped.sessionConfig?.length) {
      for (const name of scoped.sessionConfig) this.#configNames.add(name)
      this.#hub.sessionConfigOf = this
    }
  }

  /**
   * Read back the settings this connection made with set_config(..., false), which the upstream session
   * holds now (a SET says its value; a set_config call's is often a parameter): each is replayed with its
   * value from then on, as its SETs are. `rows` runs the proxy's own query on the upstream session, when
   * no transaction of this connection is open there (so only the session's own values are left). Of a
   * connection that closed, or when the read fails (a name the server refuses), nothing is kept: the
   * settings the session holds are unknown, and the next connection resets them.
   */
  async readSessionConfig(rows: (sql: string) => Promise<(string | null)[][]>): Promise<void> {
    const names = [...this.#configNames]
    this.#configNames.clear()
    if (this.#closed) {
      this.#hub.appliedSettings = undefined
      return
    }
    if (!names.length) return
    // In a savepoint: a failed read must not abort the base transaction.
    // As UTF-8 bytes in hex: the session's client_encoding is whoever holds it now, and the value is given
    // again as UTF-8 (see #internalSettings), whatever encoding it was set in.
    const read = `SELECT ${names.map((n) => `pg_catalog.encode(pg_catalog.convert_to(pg_catalog.current_setting(${escapeString(n)}, true), 'UTF8'), 'hex')`).join(', ')}`
    let values: (string | null)[] | undefined
    try {
      ;[values] = await rows(`SAVEPOINT venomqa_config; ${read}; RELEASE SAVEPOINT venomqa_config`)
    } catch {
      await rows('ROLLBACK TO SAVEPOINT venomqa_config; RELEASE SAVEPOINT venomqa_config').catch(() => undefined)
      this.#hub.appliedSettings = undefined
      return
    }
    names.forEach((name, i) => {
      const old = this.#configReplays.get(name)
      if (old !== undefined) this.#settings.splice(this.#settings.indexOf(old), 1)
      this.#configReplays.delete(name)
      const hex = values?.[i]
      if (hex === null || hex === undefined) return
      const value = Buffer.from(hex, 'hex').toString('utf8')
      const replay = `SELECT pg_catalog.set_config(${escapeString(name)}, ${escapeString(value)}, false)`
      this.#settings.push(replay)
      this.#configReplays.set(name, replay)
    })
    this.#hub.appliedSettings = this.#settingsKey()
  }

  /** The proxy's own query, its rows read; its error thrown. */
  async #internalRows(sql: string): Promise<(string | null)[][]> {
    const rows: (string | null)[][] = []
    const error = await this.#internal(sql, rows)
    if (error) throw error
    return rows
  }

  /** What the ending transaction made that must end with it; the next one starts with nothing. */
  #takeScoped(): TransactionScoped {
    const scoped = this.#scoped
    this.#scoped = { localSettings: false, cursors: false }
    return scoped
  }

  /** The app's transaction kept: its cursors closed first, as its end closes them on PostgreSQL. */
  #releaseSql(scoped: TransactionScoped): string {
    return scoped.cursors ? `${INTERNAL.closeCursors[1]}; ${INTERNAL.release[1]}` : INTERNAL.release[1]
  }

  /**
   * Settings made with SET LOCAL outlive the RELEASE that stands for the app's COMMIT (they end with the top
   * transaction): the session takes the connection's own settings again.
   */
  async #resetSettings(): Promise<void> {
    this.#hub.appliedSettings = undefined
    await this.#applySettings()
  }

  /**
   * What runs instead of a statement that would break the shared session, and the tag the app gets:
   * - DEALLOCATE ALL as this connection would see it on a session of its own: its statements (named
   *   `vq<id>.`, of the protocol and of SQL alike) go, and any made with PREPARE under a name the proxy
   *   could not rename; the proxy's (`venomqa.`) and other connections' stay;
   * - DISCARD TEMP, and the proxy's temporary functions made again (a rollback to before it brings back
   *   the old ones with the app's temporary tables);
   * - CLOSE ALL as this connection would see it: the cursors of SQL of its transaction, its own WITH HOLD
   *   (named `vq<id>.`) and any WITH HOLD the proxy did not name (a function's); other connections' stay.
   *   The protocol's portals (named `vq<id>.` too, or unnamed) stay: one of them runs this statement.
   * - DISCARD SEQUENCES, and the currval and lastval values kept for this connection (see #takeSequences)
   *   dropped: the session's are its own now.
   */
  #rewritten(kind: Rewritten): [sql: string, tag: string] {
    if (kind === 'discard-all') return [this.#discardAllSql(), 'DISCARD ALL']
    if (kind === 'discard-temp') return [this.#hub.discardTempSql, 'DISCARD TEMP']
    if (kind === 'discard-sequences')
      return [
        `DO $venomqa$ BEGIN DISCARD SEQUENCES; BEGIN EXECUTE 'DEALLOCATE ${quoteName(this.#sequencesStore)}'; EXCEPTION WHEN invalid_sql_statement_name THEN NULL; END; END $venomqa$`,
        'DISCARD SEQUENCES',
      ]
    if (kind === 'close-all') return [`DO $venomqa$ DECLARE n text; BEGIN ${this.#closeAllLoop()} END $venomqa$`, 'CLOSE CURSOR ALL']
    return [`DO $venomqa$ DECLARE n text; BEGIN ${this.#deallocateAllLoop()} END $venomqa$`, 'DEALLOCATE ALL']
  }

  /** CLOSE ALL of this connection (see #rewritten), as statements of a DO block that declares `n text`. */
  #closeAllLoop(): string {
    return `FOREACH n IN ARRAY ARRAY(SELECT name FROM pg_catalog.pg_cursors WHERE (name <> '' AND name !~ '^vq[0-9]+[.]') OR (is_holdable AND pg_catalog.starts_with(name, 'vq${this.id}.'))) LOOP EXECUTE pg_catalog.format('CLOSE %I', n); END LOOP;`
  }

  /** DEALLOCATE ALL of this connection (see #rewritten), as statements of a DO block that declares `n text`. */
  #deallocateAllLoop(): string {
    return `FOREACH n IN ARRAY ARRAY(SELECT name FROM pg_catalog.pg_prepared_statements WHERE pg_catalog.starts_with(name, 'vq${this.id}.') OR (from_sql AND name !~ '^(vq[0-9]+|venomqa)[.]')) LOOP EXECUTE pg_catalog.format('DEALLOCATE %I', n); END LOOP;`
  }

  /**
   * DISCARD ALL for this connection, in one DO block: what PostgreSQL runs for it (CLOSE ALL; SET SESSION
   * AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD
   * PLANS; DISCARD TEMP; DISCARD SEQUENCES), each part as far as it is this connection's on the shared session,
   * in PostgreSQL's order where it matters (what a failure part of the way leaves):
   * - CLOSE ALL, DEALLOCATE ALL and DISCARD SEQUENCES as those statements are run for it alone (its own
   *   cursors, prepared statements and currval/lastval values; other connections' stay);
   * - its settings back to those it gave at startup, as a connection of its own would have them (the role
   *   too: the session's authorization reset takes back a SET ROLE, and a role given at startup comes back);
   *   the session's authorization and role are the proxy's user's while the proxy's functions are made;
   * - DISCARD TEMP as the app's DISCARD TEMP: the session's temporary objects, every connection's (they
   *   share one session, and the proxy cannot tell whose a temporary table is), with the proxy's own
   *   functions made again;
   * - DISCARD PLANS: cached plans are a cache; other connections' are only planned again;
   * - UNLISTEN * has nothing to do (LISTEN is refused); pg_advisory_unlock_all() is not run: the session's
   *   advisory locks are every connection's, held on the one session, and the proxy does not know whose.
   */
  #discardAllSql(): string {
    return [
      'DO $venomqa_discard_all$ DECLARE n text; BEGIN',
      this.#closeAllLoop(),
      this.#deallocateAllLoop(),
      'DISCARD PLANS;',
      `${RESET_SETTINGS.join('; ')};`,
      `DISCARD TEMP; ${this.#hub.tempFunctionsSql};`,
      giveStartup([...this.#startup.values()]),
      // Sequences last, as PostgreSQL resets them: one that fails before (a lock DISCARD TEMP waits for,
      // past lock_timeout) leaves the connection's currval and lastval as they were.
      `BEGIN EXECUTE 'DEALLOCATE ${quoteName(this.#sequencesStore)}'; EXCEPTION WHEN invalid_sql_statement_name THEN NULL; END;`,
      'DISCARD SEQUENCES;',
      'END $venomqa_discard_all$',
    ].join('\n')
  }

  /** DISCARD ALL ran for this connection (see #discardAllSql): its prepared statements, cursors and currval are gone. */
  #discardedNames(): Forgotten {
    const forgotten = { ...this.#forgetStatements(), sequences: this.#sequences }
    this.#sequences = ''
    this.#plainCursors.closedAll()
    return forgotten
  }

  /**
   * DISCARD ALL ran for this connection: its settings are those a new connection with its startup settings
   * has. Settings made earlier in the batch went with the rest.
   */
  #discardedSettings(): void {
    this.#txSettings.take()
    this.#configNames.clear()
    this.#configReplays.clear()
    this.#settings.length = 0
    if (this.#startup.size) this.#settings.push(this.#startupSettings())
    this.#hub.appliedSettings = this.#settingsKey()
  }

  /** Its named statements are gone upstream: a Bind of one fails there, as it would on PostgreSQL. What it forgot is returned. */
  #forgetStatements(): Forgotten {
    const statements = new Map<string, Prepared>()
    for (const [name, prepared] of [...this.#statements]) {
      if (!name) continue
      statements.set(name, prepared)
      this.#statements.delete(name)
    }
    return { statements, reached: false, answered: false }
  }

  /** `settings`, as #unicode made them when they were sent. */
  #keepSettings(settings: string[]): void {
    if (!settings.length) return
    this.#settings.push(...settings)
    this.#hub.appliedSettings = this.#settingsKey()
  }

  /**
   * Settings the connection sent, read one character a byte in a single-byte client_encoding, as the
   * characters they are: they are given the session again as UTF-8 (see #internalSettings). Read when they
   * come, in the encoding they came in: a transaction's COMMIT, which keeps them, may come in another.
   */
  #unicode(settings: readonly string[], name = this.#textName): string[] {
    return settings.map((s) => unicodeOf(s, name))
  }

  #settingsKey(): string {
    return this.#settings.join(';\n')
  }

  /**
   * Whether the connection's new transactions are read-only: its default_transaction_read_only (SET, SET
   * SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, a startup option), as the server reports it
   * (ParameterStatus, PostgreSQL 14 on) for the session holding this connection's settings. The app's
   * transactions are savepoints of the base transaction, which began before the setting and which a default
   * for new transactions never reaches: without this their writes went through where PostgreSQL refuses
   * them (25006).
   */
  #readOnlyByDefault(): boolean {
    return this.#hub.upstream.parameters.get('default_transaction_read_only') === 'on'
  }

  /** What opens the app's transaction: the proxy's savepoint, made read-only as its default (or `readOnly`) says. */
  #opening(readOnly = false): (readonly [string, string])[] {
    this.#txMode = { readOnly: readOnly || this.#readOnlyByDefault(), queried: false, remade: false }
    return this.#txMode.readOnly ? [INTERNAL.savepoint, INTERNAL.readOnly] : [INTERNAL.savepoint]
  }

  /** What opens the app's transaction read-write whatever its default (BEGIN READ WRITE). */
  #openReadWriteSql(): string {
    this.#txMode = { readOnly: false, queried: false, remade: false }
    return INTERNAL.savepoint[1]
  }

  async #makeReadOnly(): Promise<void> {
    await this.#internal(INTERNAL.readOnly[1])
    this.#txMode.readOnly = true
  }

  #makeReadOnlyPipelined(): void {
    this.#internalPipelined([INTERNAL.readOnly])
    this.#txMode.readOnly = true
  }

  /**
   * What a READ WRITE in the app's transaction (SET TRANSACTION, BEGIN) does to it, as PostgreSQL decides:
   * nothing when it is read-write; refused inside a savepoint of the app's (the server says so itself, the
   * proxy's savepoint being one too) and after a query (25001); otherwise the proxy's savepoint is made
   * again read-write, since the server makes no savepoint of a read-only transaction read-write.
   */
  #readWriteVerdict(): 'as-is' | 'in-savepoint' | 'after-query' | 'remake' {
    if (!this.#txMode.readOnly) return 'as-is'
    if (this.#txSettings.inSavepoint) return 'in-savepoint'
    return this.#txMode.queried ? 'after-query' : 'remake'
  }

  /**
   * RELEASE keeps what the transaction did so far (only what takes no snapshot: SET, SHOW, LOCK), and gives
   * the base transaction its read-write mode back; the new savepoint has it.
   */
  async #remakeReadWrite(): Promise<void> {
    await this.#internal(`${INTERNAL.release[1]}; ${INTERNAL.savepoint[1]}`)
    this.#txMode = { readOnly: false, queried: false, remade: true }
  }

  #remakeReadWritePipelined(): void {
    this.#internalPipelined([INTERNAL.release, INTERNAL.savepoint])
    this.#txMode = { readOnly: false, queried: false, remade: true }
  }

  /** #opening as one query's text. */
  #openSql(readOnly = false): string {
    return this.#opening(readOnly)
      .map(([, sql]) => sql)
      .join('; ')
  }

  /** The upstream session takes this connection's settings when another connection had it before. */
  async #applySettings(): Promise<void> {
    await this.#hub.readSessionConfig((sql) => this.#internalRows(sql))
    const key = this.#settingsKey()
    if (this.#hub.appliedSettings === key) return
    const error = await this.#internalSettings('SAVEPOINT venomqa_settings', 'RELEASE SAVEPOINT venomqa_settings')
    if (error) await this.#internal('ROLLBACK TO SAVEPOINT venomqa_settings; RELEASE SAVEPOINT venomqa_settings')
    this.#hub.appliedSettings = error ? undefined : key
  }

  /**
   * The connection's settings given the session, between `before` and `after`. The server reads a query in
   * the session's client_encoding as it comes, the last connection's, and the proxy sends its own as UTF-8:
   * settings of text other than ASCII (a LATIN1 client's `SET x TO 'caf\xe9'`) go after a client_encoding of
   * UTF8 set in a message of its own. Read as LATIN1 their text was changed, or refused, and with it every
   * setting of the connection, its client_encoding too.
   */
  async #internalSettings(before: string, after?: string): Promise<ServerError | undefined> {
    const settings = [...RESET_SETTINGS, ...this.#settings].join('; ')
    const sql = after ? `${settings}; ${after}` : settings
    if (!/[^\x00-\x7f]/.test(sql)) return this.#internal(`${before}; ${sql}`)
    return (await this.#internal(`${before}; SET client_encoding TO 'UTF8'`)) ?? this.#internal(sql)
  }

  #toClient(data: Buffer): void {
    const socket = this.#socket
    if (socket.destroyed || !socket.writable) return
    writeCoalesced(socket, data)
  }
}

/** An error the proxy answered itself, as the batch's error: the app has it already. */
function answered(error: ErrorFields): ServerError {
  const e = new ServerError({ C: error.code, M: error.message })
  e.forwarded = true
  return e
}

/** What the server in copy-in mode ignores: a Sync or a Flush. Any other message but copy data breaks the protocol. */
const toleratedInCopy = (m: Message) => m.type === 'S' || m.type === 'H'

const isCopy = (s: Statement) => /^\s*COPY\b/i.test(s.code)

/** A COPY of data from the client: the server goes into copy-in mode when it runs. */
const isCopyIn = (s: Statement) => isCopy(s) && /\bFROM\s+STDIN\b/i.test(s.code)

/** The statement calls setval (in its code, not in a string), which sets currval too. */
const callsSetval = (s: Statement) => /\bsetval\s*\(/i.test(s.code)

/** A CALL or a DO block, after any leading comments: what can run COMMIT or ROLLBACK inside PostgreSQL. */
const CALL_OR_DO = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:CALL|DO)\b/i

/**
 * A setting given at startup, as set_config gives it: the value read as the server reads a startup
 * parameter, a list setting's items too (`search_path=app,public`), where `SET name TO 'app,public'` would
 * make it one schema named "app,public".
 */
function setConfig(name: string, value: string): string {
  return `pg_catalog.set_config(${escapeString(name)}, ${escapeString(value)}, false)`
}

/**
 * Startup settings given again, in a DO block: one the shared session refuses (a name it does not know,
 * one taken at connection start only, as log_connections) is left out, not the others with it, nor the
 * statement it follows: a RESET ALL of the app failed with it, and every replay of the connection's settings.
 */
function giveStartup(sets: string[]): string {
  return sets.map((set) => `BEGIN PERFORM ${set}; EXCEPTION WHEN OTHERS THEN NULL; END;`).join('\n')
}

/** A setting's name as a statement writes it: quoted, or plain (a custom one with dots). */
const SETTING_NAME = '("(?:[^"]|"")+"|[A-Za-z_][\\w$.]*)'
const RESET_NAME = new RegExp(`^RESET ${SETTING_NAME}$`, 'i')
const SET_TO_DEFAULT = new RegExp(`^SET (?:SESSION )?${SETTING_NAME} ?(?:TO|=) ?DEFAULT$`, 'i')

/** Settings RESET ALL leaves as they are on PostgreSQL (flag NO_RESET_ALL, `pg_settings_get_flags`). */
const NO_RESET_ALL = new Set(['role', 'session_authorization', 'seed', 'is_superuser', 'transaction_isolation', 'transaction_read_only', 'transaction_deferrable'])

/**
 * How a message's text is read: in the connection's client_encoding, but for text that is not UTF-8 from a
 * UTF8 client, which goes on byte for byte (one character a byte) for PostgreSQL to refuse as it refuses it
 * from a direct client (22021, invalid byte sequence): read as UTF-8, its bad bytes would become U+FFFD
 * and be stored. A Bind's binary values are not UTF-8 either: its names are ASCII, the same either way.
 */
function textOf(m: Message, encoding: TextEncoding): TextEncoding {
  return encoding === 'utf8' && !isUtf8(m.body) ? 'latin1' : encoding
}

/**
 * A Close's name forgotten at once, for the messages after it in the batch, and known again when the server
 * skipped the Close (an error before it in its batch): the statement or portal is still there, and a
 * statement the proxy runs in its own words (a BEGIN, a SET) must still be known as what it is.
 */
function forgetOnClose<T>(names: Map<string, T>, name: string): Pick<Op, 'answered' | 'left'> {
  const previous = names.get(name)
  names.delete(name)
  let closed = false
  return {
    answered: () => (closed = true),
    left: () => {
      if (!closed && previous !== undefined && !names.has(name)) names.set(name, previous)
    },
  }
}

/** PostgreSQL's names of the client encodings the proxy reads, by their letters and digits alone (see clientEncodingSet). */
const ENCODING_NAMES = new Map(
  ['UTF8', ...SINGLE_BYTE_ENCODINGS].map((n) => [n.replace(/_/g, ''), n] as const).concat([['UNICODE', 'UTF8']]),
)

/**
 * The client_encoding a SET statement gives the session: undefined when it sets another setting, '' when
 * it sets client_encoding to one not known here (a DEFAULT, an alias).
 */
function clientEncodingSet(sql: string): string | undefined {
  const set = /^\s*SET\s+(?:SESSION\s+)?(?:client_encoding(?:\s+TO\s+|\s*=\s*)|NAMES\s+)(.*?)\s*;?\s*$/is.exec(sql)
  if (!set) return /^\s*RESET\s+client_encoding\b/i.test(sql) ? '' : undefined
  return ENCODING_NAMES.get(set[1]!.replace(/^'(.*)'$/s, '$1').toUpperCase().replace(/[^A-Z0-9]/g, '')) ?? ''
}

/** The refusal of the rest of a query whose characters the client_encoding a statement of it set cannot write. */
function encodingChangedError(encoding: string): ErrorFields {
  return {
    severity: 'ERROR',
    code: '0A000',
    message: `venomqa-pg-proxy cannot send the rest of this query in client_encoding ${encoding}, which a statement of it set: it has characters that encoding does not`,
    hint: 'Change client_encoding in a query of its own.',
  }
}

/** The refusal of a message the proxy cannot read in its client_encoding (see Session#unreadable). */
function unreadableError(encoding: string): ErrorFields {
  return {
    severity: 'ERROR',
    code: '0A000',
    message: `venomqa-pg-proxy cannot read text in client_encoding ${encoding} with characters other than ASCII`,
    hint: 'Use client_encoding UTF8 (or a single-byte encoding such as LATIN1) with the proxy.',
  }
}

/**
 * The server's error of a statement the proxy rewrote, as PostgreSQL reports it for the statement as the
 * client wrote it: its position counted in the client's text (a caret under the right word), and no line of
 * context for the proxy's own functions standing in for PostgreSQL's (see ownCalls), which the client never
 * called (PostgreSQL's currval has none). Undefined when there is nothing to change.
 */
function asWritten(error: ServerError, origin: Origin | undefined): Buffer | undefined {
  let fields = error.fields
  if (origin && fields.P) fields = { ...fields, P: clientPosition(fields.P, origin.sent, origin.written, (i) => origin.at(i)) }
  const wrongCall = origin && fields.C === '42883' && fields.M ? OWN_CURRVAL_MISSING.exec(fields.M) : null
  if (origin && wrongCall) {
    // currval with an argument PostgreSQL's currval(regclass) does not take: the proxy's function is named in
    // the error with its connection number, where PostgreSQL names the call as written (qualified or not).
    const at = fields.P ? Array.from(origin.written).slice(Number(fields.P) - 1).join('') : ''
    const name = /^(?:pg_catalog|"pg_catalog")\s*\./i.test(at) ? 'pg_catalog.currval' : 'currval'
    fields = { ...fields, M: `function ${name}(${wrongCall[1]}) does not exist` }
  }
  const lines = fields.W?.split('\n') ?? []
  const own = lines.findIndex((line) => OWN_FUNCTION_CONTEXT.test(line))
  // Innermost first: the lines before the function's own are of its statements.
  if (own >= 0) fields = { ...fields, W: lines.slice(own + 1).join('\n') || undefined }
  return fields === error.fields ? undefined : serverErrorResponse(fields, error.encoding)
}

/** The error of a call of the proxy's currval (see ownCalls) whose argument is not one PostgreSQL's takes. */
const OWN_CURRVAL_MISSING = /^function pg_temp\.currval\(integer, (.*)\) does not exist$/

/** A line of an error's context for one of the proxy's functions the app's calls are answered by (see ownCalls). */
const OWN_FUNCTION_CONTEXT = /^PL\/pgSQL function pg_temp_\d+\.(?:currval\(integer,regclass\)|lastval\(integer\)|set_config\(text,text,boolean\)) line \d+ at /
