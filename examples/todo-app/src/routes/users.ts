import { chargeUpgrade } from '../integrations/payments'
import { HttpError, type Router, hashPassword, newToken, readJson, verifyPassword } from '@venomqa/example-app-kit'
import { type Services, requireUser } from '../services'
import { optionalString, requiredEmail, requiredPassword, requiredString } from '../validation'

/** Sign-up, login, the current user, password reset by mail, and the paid upgrade. */
export function userRoutes(router: Router, services: Services): void {
  const { store } = services

  router.on('POST', '/api/users', async ({ req }) => {
    const body = await readJson(req)
    const email = requiredEmail(body)
    const password = requiredPassword(body)
    const name = optionalString(body, 'name', { max: 200 }) ?? email.split('@')[0]!
    const result = await store.createUser({ email, name, passwordHash: await hashPassword(password) })
    if (!result.ok) return [409, { error: 'email already registered', field: 'email' }]
    return [201, result.user]
  })

  router.on('POST', '/api/auth/login', async ({ req }) => {
    const body = await readJson(req)
    const email = requiredEmail(body)
    const password = requiredString(body, 'password', { trim: false })
    const user = await store.findUserByEmail(email)
    if (!user || !(await verifyPassword(password, user.passwordHash))) return [401, { error: 'invalid email or password' }]
    const token = newToken()
    await store.createSession(token, user.id)
    const { passwordHash: _, ...publicUser } = user
    return [200, { token, user: publicUser }]
  })

  router.on('GET', '/api/me', async ({ req }) => [200, await requireUser(services, req)])

  router.on('POST', '/api/auth/forgot-password', async ({ req }) => {
    if (!services.mailer) return [503, { error: 'mail not configured' }]
    const email = requiredEmail(await readJson(req))
    const user = await store.findUserByEmail(email)
    // The same answer whether or not the address has an account, so it cannot be used to probe for users.
    if (user) {
      const token = newToken()
      await store.createPasswordReset(token, user.id)
      try {
        await services.mailer.sendPasswordReset(user.email, `${services.publicUrl()}/api/auth/reset/${token}`)
      } catch (err) {
        services.log(`password-reset mail to ${user.email} failed: ${(err as Error).message}`)
        return [502, { error: 'mail delivery failed' }]
      }
    }
    return [202, { status: 'accepted' }]
  })

  // Opening the mailed link tells whether it is still usable; POSTing a password to it resets.
  router.on('GET', '/api/auth/reset/:token', async ({ params }) =>
    (await store.isPasswordResetUsable(params.token!)) ? [200, { valid: true }] : [400, { error: 'invalid or used reset token' }],
  )

  router.on('POST', '/api/auth/reset/:token', async ({ req, params }) => {
    const password = requiredPassword(await readJson(req))
    const ok = await store.consumePasswordReset(params.token!, await hashPassword(password))
    return ok ? [200, { ok: true }] : [400, { error: 'invalid or used reset token' }]
  })

  router.on('POST', '/api/upgrade', async ({ req }) => {
    const user = await requireUser(services, req)
    if (!services.paymentUrl) return [503, { error: 'payments not configured' }]
    // Never charge twice for the same upgrade.
    if (user.premium) return [200, { premium: true, charged: false, user }]
    const charge = await chargeUpgrade(services.paymentUrl, user.id)
    if (!charge.ok) return [402, { error: 'payment_failed', providerStatus: charge.providerStatus, reason: charge.reason }]
    const upgraded = await store.setPremium(user.id)
    if (!upgraded) throw new HttpError(401, { error: 'invalid or expired token' })
    return [200, { premium: true, charged: true, user: upgraded }]
  })
}
