import { BodyReader, type Message, type TextEncoding, cstring, int16, message } from './frames'

/** Startup-phase request codes (the Int32 where a protocol version would be). */
export const PROTOCOL_3 = 196608
export const SSL_REQUEST = 80877103
export const GSSENC_REQUEST = 80877104
export const CANCEL_REQUEST = 80877102

/** The fields of an ErrorResponse or NoticeResponse, by their one-letter codes. */
export type Fields = Partial<Record<'S' | 'V' | 'C' | 'M' | 'D' | 'H' | 'P' | 'W' | string, string>>

/** `encoding`: the one the server sent it in (see textEncodingOf). */
export function parseFields(body: Buffer, encoding: TextEncoding = 'utf8'): Fields {
  const r = new BodyReader(body, encoding)
  const out: Fields = {}
  while (r.at < body.length) {
    const code = r.byte()
    if (code === '\0') break
    out[code] = r.cstring()
  }
  return out
}

function fieldsBody(fields: Fields, encoding: TextEncoding = 'utf8'): Buffer {
  const parts: Buffer[] = []
  for (const [code, value] of Object.entries(fields)) if (value !== undefined) parts.push(Buffer.from(`${code}${value}\0`, encoding))
  parts.push(Buffer.from([0]))
  return Buffer.concat(parts)
}

export interface ServerError {
  severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE'
  code: string
  message: string
  detail?: string
  hint?: string
}

export function errorResponse(e: ServerError): Buffer {
  return message('E', fieldsBody({ S: e.severity, V: e.severity, C: e.code, M: e.message, D: e.detail, H: e.hint }))
}

/** The server's own error, every field of it, in the encoding it was read in (see parseFields). */
export function serverErrorResponse(fields: Fields, encoding: TextEncoding = 'utf8'): Buffer {
  return message('E', fieldsBody(fields, encoding))
}

/** The server's own error with its message and hint replaced: where it happened (context, position) kept. */
export function rewordedError(fields: Fields, reworded: { message: string; hint?: string }, encoding: TextEncoding = 'utf8'): Buffer {
  return message('E', fieldsBody({ ...fields, M: reworded.message, H: reworded.hint }, encoding))
}

export function noticeResponse(e: ServerError): Buffer {
  return message('N', fieldsBody({ S: e.severity, V: e.severity, C: e.code, M: e.message, D: e.detail, H: e.hint }))
}

export const readyForQuery = (status: TxStatus) => message('Z', Buffer.from(status, 'latin1'))
export const commandComplete = (tag: string) => message('C', tag)
export const authenticationOk = () => message('R', 0)
export const parameterStatus = (name: string, value: string) => message('S', name, value)
export const backendKeyData = (pid: number, secret: number) => message('K', pid, secret)
export const emptyQueryResponse = () => message('I')
export const parseComplete = () => message('1')
export const bindComplete = () => message('2')
export const closeComplete = () => message('3')
export const noData = () => message('n')

/** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
export type TxStatus = 'I' | 'T' | 'E'

// ---- frontend messages the proxy sends upstream ------------------------------------------------

/** A Query of text read in `encoding` (the client's, see textEncodingOf), its bytes as they came. */
export const query = (sql: string, encoding: TextEncoding = 'utf8') => message('Q', encoding === 'utf8' ? sql : cstring(sql, encoding))
export const sync = () => message('S')
export const flush = () => message('H')
export const terminate = () => message('X')

export function startupMessage(params: Record<string, string>): Buffer {
  const pairs = Object.entries(params).flat()
  return message('', PROTOCOL_3, ...pairs, Buffer.from([0]))
}

export const cancelRequest = (pid: number, secret: number) => message('', CANCEL_REQUEST, pid, secret)
export const passwordMessage = (text: string) => message('p', text)

export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  return message('p', mechanism, data.length, data)
}

export const saslResponse = (data: Buffer) => message('p', data)

export function parse(name: string, sql: string, paramTypes: number[] = []): Buffer {
  return message('P', name, sql, int16(paramTypes.length), ...paramTypes)
}

/** Bind with no parameters and text results. */
export function bindNoParams(portal: string, statement: string): Buffer {
  return message('B', portal, statement, int16(0), int16(0), int16(0))
}

export const execute = (portal: string, maxRows = 0, encoding: TextEncoding = 'utf8') => message('E', cstring(portal, encoding), maxRows)

// ---- reading startup-phase packets ---------------------------------------------------------------

export type StartupPacket =
  | { kind: 'startup'; params: Record<string, string> }
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; pid: number; secret: number }
  | { kind: 'unsupported'; version: number }

export function readStartupPacket(m: Message): StartupPacket {
  const r = new BodyReader(m.body)
  const code = r.int32()
  if (code === SSL_REQUEST) return { kind: 'ssl' }
  if (code === GSSENC_REQUEST) return { kind: 'gssenc' }
  if (code === CANCEL_REQUEST) return { kind: 'cancel', pid: r.int32(), secret: r.int32() }
  if (code !== PROTOCOL_3) return { kind: 'unsupported', version: code }
  const params: Record<string, string> = {}
  while (r.at < m.body.length - 1) {
    const key = r.cstring()
    if (!key) break
    params[key] = r.cstring()
  }
  return { kind: 'startup', params }
}

// ---- reading rows of internal queries ------------------------------------------------------------

/**
 * Column values of a DataRow as text (the proxy's own queries ask for text results), in `encoding`: the
 * session's client_encoding when the row was sent, a connection's (see textEncodingOf).
 */
export function readDataRow(body: Buffer, encoding: TextEncoding = 'utf8'): (string | null)[] {
  const r = new BodyReader(body)
  const n = r.int16()
  const out: (string | null)[] = []
  for (let i = 0; i < n; i++) {
    const len = r.int32()
    out.push(len < 0 ? null : r.bytes(len).toString(encoding))
  }
  return out
}

export function readRowDescriptionNames(body: Buffer): string[] {
  const r = new BodyReader(body)
  const n = r.int16()
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(r.cstring())
    r.bytes(18)
  }
  return out
}

export function readCommandTag(body: Buffer): string {
  return new BodyReader(body).cstring()
}
