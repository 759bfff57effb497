import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

/** Authentication request codes of the `R` message. */
export const AUTH = { ok: 0, cleartext: 3, md5: 5, sasl: 10, saslContinue: 11, saslFinal: 12 } as const

const md5hex = (s: string | Buffer) => createHash('md5').update(s).digest('hex')

/** What PostgreSQL's md5 method expects: 'md5' + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  return `md5${md5hex(Buffer.concat([Buffer.from(md5hex(password + user)), salt]))}`
}

/** Checks a client's md5 answer in constant time. */
export function md5Matches(answer: string, user: string, password: string, salt: Buffer): boolean {
  const expected = Buffer.from(md5Password(user, password, salt))
  const got = Buffer.from(answer)
  return got.length === expected.length && timingSafeEqual(got, expected)
}

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest()
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding, as PostgreSQL speaks it:
 * the user name travels in the startup packet, so the SCRAM one is empty.
 */
export class ScramClient {
  readonly #password: string
  readonly #nonce: string
  #firstBare = ''
  #serverSignature?: Buffer

  constructor(password: string, nonce = randomBytes(18).toString('base64')) {
    this.#password = password
    this.#nonce = nonce
  }

  /** client-first-message */
  first(): Buffer {
    this.#firstBare = `n=,r=${this.#nonce}`
    return Buffer.from(`n,,${this.#firstBare}`)
  }

  /** client-final-message, from the server-first-message. */
  final(serverFirst: string): Buffer {
    const attrs = parseAttributes(serverFirst)
    const nonce = attrs.r
    const salt = attrs.s
    const iterations = Number(attrs.i)
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) throw new Error(`malformed SCRAM server-first-message: ${serverFirst}`)
    if (!nonce.startsWith(this.#nonce)) throw new Error('SCRAM server nonce does not extend the client nonce')
    const salted = pbkdf2Sync(this.#password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256')
    const clientKey = hmac(salted, 'Client Key')
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `${this.#firstBare},${serverFirst},${withoutProof}`
    const signature = hmac(sha256(clientKey), authMessage)
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!))
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), authMessage)
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)
  }

  /** Checks the server-final-message: the server must prove it knows the password too. */
  verify(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal)
    if (attrs.e) throw new Error(`SCRAM authentication failed: ${attrs.e}`)
    const v = attrs.v ? Buffer.from(attrs.v, 'base64') : undefined
    if (!this.#serverSignature || !v || v.length !== this.#serverSignature.length || !timingSafeEqual(v, this.#serverSignature))
      throw new Error('SCRAM server signature does not match: the server does not know the password')
  }
}

function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return out
}
