import type { IncomingMessage } from 'node:http'
import { HttpError, type Router, hashPassword, newToken, readJson, verifyPassword } from '@venomqa/example-app-kit'
import type { Shop } from '../shop'
import { optionalString, requiredEmail, requiredPassword, requiredString } from '../validation'

type Row = Record<string, any>

export const toUser = (r: Row) => ({ id: r.id, email: r.email, name: r.name, createdAt: (r.created_at as Date).toISOString() })

const unauthorized = () => new HttpError(401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' })

/** The id of the user the bearer token belongs to; 401 without a valid one. */
export async function authenticate(shop: Shop, req: IncomingMessage): Promise<number> {
  const match = /^Bearer\s+([0-9a-f]{64})$/i.exec(req.headers.authorization ?? '')
  if (!match) throw unauthorized()
  const { rows } = await shop.db.query('SELECT user_id FROM sessions WHERE token = $1', [match[1]!.toLowerCase()])
  if (!rows[0]) throw unauthorized()
  return rows[0].user_id
}

export function userRoutes(router: Router, shop: Shop): void {
  router.on('POST', '/api/users', async ({ req }) => {
    const body = await readJson(req)
    const email = requiredEmail(body)
    const password = requiredPassword(body)
    const name = optionalString(body, 'name', { max: 100 }) ?? email.split('@')[0]!
    try {
      const { rows } = await shop.db.query('INSERT INTO users (email, password_hash, name) VALUES ($1, $2, $3) RETURNING *', [
        email,
        await hashPassword(password),
        name,
      ])
      return [201, toUser(rows[0])]
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new HttpError(409, { error: 'email_taken', field: 'email' })
      throw err
    }
  })

  router.on('POST', '/api/auth/login', async ({ req }) => {
    const body = await readJson(req)
    const email = requiredString(body, 'email', { max: 254 }).toLowerCase()
    const password = requiredString(body, 'password', { max: 200, trim: false })
    const { rows } = await shop.db.query('SELECT * FROM users WHERE email = $1', [email])
    // One answer for an unknown email and a wrong password: no probing which accounts exist.
    if (!rows[0] || !(await verifyPassword(password, rows[0].password_hash))) throw new HttpError(401, { error: 'invalid_credentials' })
    const token = newToken()
    await shop.db.query('INSERT INTO sessions (token, user_id) VALUES ($1, $2)', [token, rows[0].id])
    return [200, { token, user: toUser(rows[0]) }]
  })

  router.on('GET', '/api/me', async ({ req }) => {
    const userId = await authenticate(shop, req)
    const { rows } = await shop.db.query('SELECT * FROM users WHERE id = $1', [userId])
    return [200, toUser(rows[0])]
  })
}
