/**
 * PostgreSQL v3 message framing. Every message after the startup packet is a type byte and an Int32 length
 * that counts itself but not the type byte; the startup packet (and SSLRequest, GSSENCRequest,
 * CancelRequest) has no type byte.
 */
import { windows1252Text } from '@venomqa/core'

export interface Message {
  /** The type byte as a character ('Q', 'P', ...); '' for an untyped startup-phase packet. */
  readonly type: string
  /** The payload after the length. */
  readonly body: Buffer
  /** The whole message as it came, to forward without re-encoding. */
  readonly raw: Buffer
}

/** Messages larger than this are a protocol violation (or an attack), not data. */
const MAX_MESSAGE = 1024 * 1024 * 1024

/** Cuts a byte stream into messages; keeps the tail until the rest arrives. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0)
  /** True while the next message is a startup-phase packet, without a type byte. */
  untyped: boolean

  constructor(options: { untyped?: boolean } = {}) {
    this.untyped = options.untyped ?? false
  }

  /** Append bytes; return every complete message now available, in order. */
  push(chunk: Buffer): Message[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk
    const out: Message[] = []
    let at = 0
    for (;;) {
      const header = this.untyped ? 4 : 5
      if (this.#pending.length - at < header) break
      const length = this.#pending.readInt32BE(at + header - 4)
      if (length < 4 || length > MAX_MESSAGE) throw new ProtocolError(`invalid message length ${length}`)
      const end = at + header - 4 + length
      if (end > this.#pending.length) break
      const raw = this.#pending.subarray(at, end)
      out.push({ type: this.untyped ? '' : String.fromCharCode(raw[0]!), body: raw.subarray(header), raw })
      at = end
      // Only the first packet of a connection (or the one after an SSL refusal) is untyped; the caller
      // sets `untyped` again when it expects another.
      if (this.untyped) {
        this.untyped = false
        this.#pending = this.#pending.subarray(at)
        // The caller decides whether more untyped packets follow: hand back what we have so far.
        return out
      }
    }
    this.#pending = this.#pending.subarray(at)
    return out
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.#pending.length
  }

  /** Re-run framing on what is buffered (after the caller changed `untyped`). */
  drain(): Message[] {
    return this.push(Buffer.alloc(0))
  }
}

export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/**
 * How the proxy reads and writes a connection's text: UTF-8, or one character a byte ('latin1'), which
 * keeps every byte as it came whatever the single-byte encoding (see textEncodingOf).
 */
export type TextEncoding = 'utf8' | 'latin1'

/**
 * PostgreSQL's client encodings whose characters are one byte each: read one character a byte, a client's
 * bytes go back out as they came, and a position PostgreSQL counts in characters is one in the text read.
 */
export const SINGLE_BYTE_ENCODINGS: readonly string[] = [
  'SQL_ASCII',
  'WIN866',
  'WIN874',
  'KOI8R',
  'KOI8U',
  ...Array.from({ length: 10 }, (_, i) => `LATIN${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `WIN${1250 + i}`),
  ...Array.from({ length: 4 }, (_, i) => `ISO_8859_${5 + i}`),
]
const SINGLE_BYTE = new Set(SINGLE_BYTE_ENCODINGS)

/**
 * The client encodings of more than one byte a character other than UTF8, where the second byte of a
 * character may be an ASCII one (a quote, a backslash): a text with any byte over 0x7F cannot be read
 * without knowing the encoding (see textEncodingOf).
 */
const MULTI_BYTE_NOT_UTF8 = /^(?:SJIS|SHIFT_JIS_2004|BIG5|GBK|UHC|GB18030|JOHAB|EUC_(?:CN|JP|JIS_2004|KR|TW)|MULE_INTERNAL)$/

/**
 * How text in a client_encoding (as PostgreSQL reports it) is read: UTF8 as UTF-8; a single-byte one a byte
 * a character; another is `unreadable` (its name): only text of ASCII bytes alone is read, as UTF-8.
 */
export function textEncodingOf(clientEncoding: string | undefined): { encoding: TextEncoding; name: string; unreadable?: string } {
  const name = clientEncoding?.toUpperCase() ?? 'UTF8'
  if (name === 'UTF8' || name === 'UNICODE') return { encoding: 'utf8', name }
  if (SINGLE_BYTE.has(name)) return { encoding: 'latin1', name }
  if (MULTI_BYTE_NOT_UTF8.test(name)) return { encoding: 'utf8', name, unreadable: name }
  return { encoding: 'utf8', name }
}

/**
 * The WHATWG labels of PostgreSQL's single-byte encodings whose bytes over 0x7F are not LATIN1's characters
 * (LATIN1's are: text read one character a byte is already what it means). WIN1252 is decoded apart, see
 * unicodeOf.
 */
const DECODER_LABELS: Readonly<Record<string, string>> = {
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN5: 'iso-8859-9',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
  WIN866: 'ibm866',
  WIN874: 'windows-874',
  ...Object.fromEntries([1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258].map((n) => [`WIN${n}`, `windows-${n}`])),
}

/**
 * Text read one character a byte in the single-byte client_encoding `name`, as the characters that
 * encoding means: a WIN1252 client's 0x80 is the euro sign, not U+0080. For text the proxy keeps and sends
 * again later as UTF-8 (a connection's settings). Anything else (UTF8, LATIN1, SQL_ASCII, ASCII text, an
 * encoding no decoder knows: LATIN10) is returned as it is.
 */
export function unicodeOf(text: string, name: string): string {
  if (!/[^\x00-\x7f]/.test(text)) return text
  // Node 20's TextDecoder reads windows-1252 as LATIN1 (see windows1252Text).
  if (name === 'WIN1252') return windows1252Text(text)
  const label = DECODER_LABELS[name]
  return label === undefined ? text : new TextDecoder(label).decode(Buffer.from(text, 'latin1'))
}

/** The byte of each character over 0x7F of a single-byte client_encoding, by its name (see textIn). */
const BYTES_OF = new Map<string, ReadonlyMap<string, number> | undefined>()

function bytesOf(name: string): ReadonlyMap<string, number> | undefined {
  if (BYTES_OF.has(name)) return BYTES_OF.get(name)
  let table: Map<string, number> | undefined
  if (name === 'LATIN1' || name === 'WIN1252' || DECODER_LABELS[name] !== undefined) {
    table = new Map()
    for (let b = 0x80; b <= 0xff; b++) {
      const c = unicodeOf(String.fromCharCode(b), name)
      if (c !== '\ufffd' && !table.has(c)) table.set(c, b)
    }
  }
  BYTES_OF.set(name, table)
  return table
}

/**
 * Text read in the client_encoding `from`, as the same characters in the client_encoding `to`, to be written
 * in to's TextEncoding: one character for one, so positions in it stay. Undefined when a character has no
 * byte in `to`, or `to` is an encoding the proxy has no table of (a multi-byte one other than UTF8).
 */
export function textIn(text: string, from: { encoding: TextEncoding; name: string }, to: { encoding: TextEncoding; name: string; unreadable?: string }): string | undefined {
  const chars = from.encoding === 'utf8' ? text : unicodeOf(text, from.name)
  if (!/[^\x00-\x7f]/.test(chars)) return chars
  if (to.unreadable) return undefined
  if (to.encoding === 'utf8') return chars
  const table = bytesOf(to.name)
  if (!table) return undefined
  let out = ''
  for (const c of chars) {
    const b = c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : table.get(c)
    if (b === undefined) return undefined
    out += String.fromCharCode(b)
  }
  return out
}

/** Reads the fields of one message body in order; strings in `encoding`. */
export class BodyReader {
  at = 0
  constructor(
    readonly body: Buffer,
    readonly encoding: TextEncoding = 'utf8',
  ) {}

  int16(): number {
    const v = this.body.readInt16BE(this.at)
    this.at += 2
    return v
  }

  int32(): number {
    const v = this.body.readInt32BE(this.at)
    this.at += 4
    return v
  }

  byte(): string {
    return String.fromCharCode(this.body[this.at++]!)
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.at)
    if (end < 0) throw new ProtocolError('unterminated string in message')
    const s = this.body.toString(this.encoding, this.at, end)
    this.at = end + 1
    return s
  }

  bytes(n: number): Buffer {
    const b = this.body.subarray(this.at, this.at + n)
    this.at += n
    return b
  }

  rest(): Buffer {
    const b = this.body.subarray(this.at)
    this.at = this.body.length
    return b
  }
}

/** Builds one message: type byte (or none), length, then the parts. */
export function message(type: string, ...parts: (Buffer | string | number)[]): Buffer {
  const buffers = parts.map(part)
  const length = 4 + buffers.reduce((n, b) => n + b.length, 0)
  const head = Buffer.alloc(type ? 5 : 4)
  if (type) head.write(type, 0, 'latin1')
  head.writeInt32BE(length, type ? 1 : 0)
  return Buffer.concat([head, ...buffers])
}

/** A string part is a C string; a number part is an Int32. Use int16() for 16-bit fields. */
function part(p: Buffer | string | number): Buffer {
  if (Buffer.isBuffer(p)) return p
  if (typeof p === 'string') return Buffer.from(`${p}\0`, 'utf8')
  const b = Buffer.alloc(4)
  b.writeInt32BE(p)
  return b
}

/** A C string part in `encoding` (a string part of `message` is UTF-8). */
export function cstring(text: string, encoding: TextEncoding): Buffer {
  return Buffer.from(`${text}\0`, encoding)
}

export function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
