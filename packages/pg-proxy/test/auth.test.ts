/**
 * Upstream authentication: md5 and SCRAM-SHA-256 against a real PostgreSQL of this file's own (a private
 * cluster whose pg_hba.conf asks the test roles for a password; the shared server trusts everyone), and
 * against a small fake server in this file that speaks exactly those exchanges (labelled as such).
 * Downstream: a proxy with a password asks its clients for it.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import net from 'node:net'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it, describe as plain } from 'vitest'
import { FrameReader } from '../src/protocol/frames'
import { Upstream, parseUpstreamUrl } from '../src/upstream'
import { PG, createDatabase, dbName, dropDatabase, startProxy, withClient } from './helpers'
import { type PrivateCluster, describeWithPrivateCluster, startPrivateCluster } from '@venomqa/test-utils/private-cluster'
import { PgProxy } from '../src/index'

const ROLES = { md5: 'venomqa_proxy_md5', scram: 'venomqa_proxy_scram' } as const
/** How the server asks each role for its password, as the upstream's error names it. */
const ASKED = { md5: 'md5', scram: 'SCRAM-SHA-256' } as const
const PASSWORD = 'a pass; with spaces'
/** The database the roles log in to, on the private cluster. */
const APP_DB = 'venomqa_auth'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('auth')

describeWithPrivateCluster()('upstream authentication against a real server that asks for passwords (a private cluster)', () => {
  let cluster: PrivateCluster | undefined
  beforeAll(async () => {
    cluster = await startPrivateCluster([
      `host all ${ROLES.md5} 127.0.0.1/32 md5`,
      `host all ${ROLES.scram} 127.0.0.1/32 scram-sha-256`,
      'host all postgres 127.0.0.1/32 trust',
    ])
    await withClient(cluster.url('postgres', 'postgres'), async (c) => {
      for (const [method, role] of Object.entries(ROLES)) {
        // The password is stored as the method will check it: an md5 hash cannot answer SCRAM, nor the reverse.
        await c.query(`SET password_encryption = '${method === 'md5' ? 'md5' : 'scram-sha-256'}'`)
        await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`)
      }
      await c.query(`CREATE DATABASE ${APP_DB}`)
    })
  })
  afterAll(() => cluster?.stop())

  for (const method of ['md5', 'scram'] as const) {
    const role = ROLES[method]
    it(`${method}: the proxy logs in with the password of the URL, and fails clearly without it`, async () => {
      const proxy = new PgProxy({ upstream: cluster!.url(role, APP_DB, PASSWORD) })
      await proxy.start()
      try {
        const rows = await proxy.query('SELECT current_user')
        expect(rows).toEqual([[role]])
      } finally {
        await proxy.stop()
      }
      const wrong = await Upstream.connect(parseUpstreamUrl(cluster!.url(role, APP_DB, 'wrong'))).catch((e) => e)
      expect(wrong.code).toBe('28P01')
      const none = await Upstream.connect(parseUpstreamUrl(cluster!.url(role, APP_DB))).catch((e) => e)
      expect(none.message).toBe(`the server asks for a password (${ASKED[method]}) for user "${role}", and the upstream URL has none`)
    })
  }
})

// ---- a fake server: the client side of md5 and SCRAM, even where no PostgreSQL can be started ----

type Method = 'md5' | 'scram'

/** FAKE SERVER: only the authentication exchange, then ReadyForQuery. Not PostgreSQL. */
async function fakeServer(method: Method, password: string, user: string) {
  const msg = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5)
    head.write(type, 0, 'latin1')
    head.writeInt32BE(body.length + 4, 1)
    return Buffer.concat([head, body])
  }
  const int32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    return b
  }
  const auth = (code: number, rest = Buffer.alloc(0)) => msg('R', Buffer.concat([int32(code), rest]))
  const fail = (s: net.Socket) => s.end(msg('E', Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0')))
  const ready = (s: net.Socket) =>
    s.write(Buffer.concat([auth(0), msg('S', Buffer.from('server_version\x0015.0\0')), msg('K', Buffer.concat([int32(7), int32(9)])), msg('Z', Buffer.from('I'))]))
  const server = net.createServer((s) => {
    const reader = new FrameReader({ untyped: true })
    const salt = randomBytes(4)
    const scramSalt = randomBytes(16)
    let clientFirstBare = ''
    let serverFirst = ''
    s.on('data', (chunk) => {
      for (const m of [...reader.push(chunk), ...reader.drain()]) {
        if (m.type === '') {
          s.write(method === 'md5' ? auth(5, salt) : auth(10, Buffer.from('SCRAM-SHA-256\0\0')))
        } else if (m.type === 'p' && method === 'md5') {
          const inner = createHash('md5').update(password + user).digest('hex')
          const expected = `md5${createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')}`
          m.body.toString('utf8').replace(/\0$/, '') === expected ? ready(s) : fail(s)
        } else if (m.type === 'p' && !clientFirstBare) {
          const body = m.body.subarray(m.body.indexOf(0) + 1 + 4).toString('utf8') // mechanism, length
          clientFirstBare = body.replace(/^n,,/, '')
          const nonce = `${/r=([^,]+)/.exec(clientFirstBare)![1]}server`
          serverFirst = `r=${nonce},s=${scramSalt.toString('base64')},i=4096`
          s.write(auth(11, Buffer.from(serverFirst)))
        } else if (m.type === 'p') {
          const final = m.body.toString('utf8')
          const withoutProof = final.replace(/,p=.*$/, '')
          const proof = Buffer.from(/p=(.+)$/.exec(final)![1]!, 'base64')
          const salted = pbkdf2Sync(password, scramSalt, 4096, 32, 'sha256')
          const clientKey = createHmac('sha256', salted).update('Client Key').digest()
          const storedKey = createHash('sha256').update(clientKey).digest()
          const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
          const signature = createHmac('sha256', storedKey).update(authMessage).digest()
          const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!))
          if (!createHash('sha256').update(recovered).digest().equals(storedKey)) return fail(s)
          const serverKey = createHmac('sha256', salted).update('Server Key').digest()
          s.write(auth(12, Buffer.from(`v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`)))
          ready(s)
        }
      }
    })
    s.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) }
}

plain('upstream authentication against a FAKE server (this file), for the md5 and SCRAM client code', () => {
  for (const method of ['md5', 'scram'] as const) {
    it(`${method}: the right password logs in, a wrong one is refused with the server's error`, async () => {
      const server = await fakeServer(method, PASSWORD, 'app')
      try {
        const ok = await Upstream.connect(parseUpstreamUrl(`postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/db`))
        expect([ok.pid, ok.secret, ok.parameters.get('server_version')]).toEqual([7, 9, '15.0'])
        ok.socket.destroy()
        const bad = await Upstream.connect(parseUpstreamUrl(`postgres://app:nope@127.0.0.1:${server.port}/db`)).catch((e) => e)
        expect(bad.code).toBe('28P01')
      } finally {
        await server.close()
      }
    })
  }
})

describe('downstream password', () => {
  beforeAll(() => createDatabase(`${DB}_down`))
  afterAll(() => dropDatabase(`${DB}_down`))

  it('with a password set, clients must give it (md5); the wrong one gets 28P01', async () => {
    const proxy = await startProxy(`${DB}_down`, { password: 's3cret' })
    try {
      expect(proxy.url).toContain(':s3cret@')
      await withClient(proxy.url, async (c) => expect((await c.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }]))
      const wrong = new URL(proxy.url)
      wrong.password = 'nope'
      const err = await withClient(wrong.toString(), async () => undefined).catch((e) => e)
      expect(err.code).toBe('28P01')
    } finally {
      await proxy.stop()
    }
  })
})
