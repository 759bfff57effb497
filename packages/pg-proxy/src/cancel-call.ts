import { BodyReader, type Message, int16, message } from './protocol/frames'
import { bindComplete, commandComplete, parseComplete } from './protocol/messages'

/**
 * `SELECT pg_cancel_backend(<pid>)` alone, the pid written or given as the one parameter: what Knex's
 * `.timeout(ms, { cancel: true })` sends on a connection of its own, with the process id the running
 * query's connection got at its start. Behind the proxy that process id is one of the proxy's connections,
 * not a server process, and the call, run on the shared session, would wait behind the very statement it
 * is to stop; so the proxy answers it itself (see Session#cancelCallAside). `pg_terminate_backend(<pid>)`
 * likewise, which ends that connection. `pg_terminate_backend(pg_backend_pid())`, a connection ending
 * itself, too: run on the shared session it ended that session, the run's transaction and every
 * connection of the app with it.
 */
const CANCEL_CALL = /^\s*SELECT\s+(?:pg_catalog\s*\.\s*)?pg_(cancel|terminate)_backend\s*\(\s*(\$1|\d{1,10}|(?:pg_catalog\s*\.\s*)?pg_backend_pid\s*\(\s*\))\s*\)\s*;?\s*$/i
/** The argument that names the calling connection itself. */
const SELF = /pg_backend_pid/i

/**
 * Looked at only in a short Query or Parse that names the function: every message of every connection
 * passes here, and most are neither short nor a cancel call.
 */
const MAX_CALL_BYTES = 160
const CALL_NAMES = ['pg_cancel_backend', 'pg_terminate_backend'].flatMap((name) => [Buffer.from(name), Buffer.from(name.toUpperCase())])

const BOOL_OID = 16
const INT4_OID = 23

/** A cancel call found at the head of a connection's messages, with its answers up to (not with) ReadyForQuery. */
export interface CancelCall {
  /** `cancel` stops the connection's statement; `terminate` ends the connection. */
  readonly kind: CallKind
  /** `self`: the connection that sent it (only for `terminate`: a cancel of oneself goes to the server as written). */
  readonly pid: number | 'self'
  /** How many of the messages after the first it takes (up to its Sync). */
  readonly consumed: number
  readonly answers: Buffer[]
}

/**
 * PostgreSQL's answer to a connection that ends itself: the row description and the row (the signal is
 * taken in before the command completes), then FATAL 57P01, which the connection's end sends.
 */
const selfEnded = (answers: Buffer[]): Buffer[] => answers.slice(0, -1)

/** The cancel call `first` (a Query, or a Parse with the rest of its batch in `next`) makes, if it is one. */
export function cancelCallOf(first: Message, next: readonly Message[]): CancelCall | undefined {
  if ((first.type !== 'Q' && first.type !== 'P') || first.body.length > MAX_CALL_BYTES || !CALL_NAMES.some((name) => first.body.includes(name))) return undefined
  if (first.type === 'Q') {
    const found = CANCEL_CALL.exec(queryText(first.body))
    if (!found) return undefined
    const kind = kindOf(found[1]!)
    const answers = [rowDescription(kind, 0), dataRow(0), commandComplete('SELECT 1')]
    if (SELF.test(found[2]!)) return kind === 'terminate' ? { kind, pid: 'self', consumed: 0, answers: selfEnded(answers) } : undefined
    const pid = Number(found[2])
    return Number.isInteger(pid) ? { kind, pid, consumed: 0, answers } : undefined
  }
  return extendedCancelCall(first, next)
}

/** Parse, Bind, Describe (optional), Execute, Sync, all of the unnamed statement and portal. */
function extendedCancelCall(parse: Message, next: readonly Message[]): CancelCall | undefined {
  const p = new BodyReader(parse.body, 'latin1')
  if (p.cstring() !== '') return undefined
  const found = CANCEL_CALL.exec(p.cstring())
  if (!found) return undefined
  const kind = kindOf(found[1]!)
  const written = found[2]!
  const self = SELF.test(written)
  if (self && kind !== 'terminate') return undefined
  const sync = next.findIndex((m) => m.type === 'S')
  const batch = next.slice(0, sync)
  if (sync < 0 || batch[0]?.type !== 'B' || batch.at(-1)?.type !== 'E') return undefined
  const bind = readBind(batch[0].body)
  const pid = self ? 'self' : written === '$1' ? bind?.param : Number(written)
  if (!bind || pid === undefined || (pid !== 'self' && !Number.isInteger(pid))) return undefined
  const answers = [parseComplete(), bindComplete()]
  for (const m of batch.slice(1, -1)) {
    if (m.type !== 'D') return undefined
    if (m.body[0] === 0x53) answers.push(parameterDescription(written === '$1' ? 1 : 0), rowDescription(kind, 0))
    else answers.push(rowDescription(kind, bind.format))
  }
  answers.push(dataRow(bind.format), commandComplete('SELECT 1'))
  return { kind, pid, consumed: sync + 1, answers: self ? selfEnded(answers) : answers }
}

/** The unnamed portal's one parameter (text or binary int4/int8) and result format, or undefined. */
function readBind(body: Buffer): { param?: number; format: number } | undefined {
  const r = new BodyReader(body, 'latin1')
  if (r.cstring() !== '' || r.cstring() !== '') return undefined
  const paramFormats = Array.from({ length: r.int16() }, () => r.int16())
  const count = r.int16()
  if (count > 1) return undefined
  let param: number | undefined
  if (count === 1) {
    const length = r.int32()
    if (length < 0) return undefined
    const value = r.bytes(length)
    if (paramFormats[0] !== 1) param = /^\s*\d{1,10}\s*$/.test(value.toString('latin1')) ? Number(value.toString('latin1')) : undefined
    else if (length === 4) param = value.readInt32BE(0)
    else if (length === 8) param = Number(value.readBigInt64BE(0))
  }
  const resultFormats = Array.from({ length: r.int16() }, () => r.int16())
  return { param, format: resultFormats[0] ?? 0 }
}

function queryText(body: Buffer): string {
  const end = body.indexOf(0)
  return body.toString('latin1', 0, end < 0 ? body.length : end)
}

type CallKind = 'cancel' | 'terminate'

function kindOf(written: string): CallKind {
  return written.toLowerCase() === 'terminate' ? 'terminate' : 'cancel'
}

/** The result's one column, named after the function, as PostgreSQL names it. */
function rowDescription(kind: CallKind, format: number): Buffer {
  return message('T', int16(1), `pg_${kind}_backend`, 0, int16(0), BOOL_OID, int16(1), -1, int16(format))
}

/** `true`: PostgreSQL's answer once the signal is sent, whether a statement was running or not. */
function dataRow(format: number): Buffer {
  return message('D', int16(1), 1, format === 1 ? Buffer.from([1]) : Buffer.from('t', 'latin1'))
}

function parameterDescription(count: number): Buffer {
  return message('t', int16(count), ...Array.from({ length: count }, () => INT4_OID))
}
