import { assert, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'

// A new user each run: the sign-up on the main line stays in the app's data.
const email = `reset-${Date.now().toString(36)}@example.test`
const RESET_LINK = /https?:\/\/\S+\/reset\/\S+/

/** The email workflow: the app mails a reset link over SMTP; the journey follows it. */
export default journey('password_reset', {
  description: 'Forgot password, read the mail, follow the link, log in with the new password',
  tags: ['mail'],
  requires: ['mail'],
  steps: [
    step('sign_up', ({ http }) => http.post('/api/users', { json: { email, password: 'the old password', name: 'R' } })),
    checkpoint('no_mail_yet'),
    branch('no_mail_yet', [
      path('reset_by_mail', [
        step('forgot_password', ({ http }) => http.post('/api/auth/forgot-password', { json: { email } })),
        step('follow_the_link', async ({ http, ports, ctx, signal }) => {
          const mail = await ports.require('mail').waitForEmail({ to: email, subject: 'Password Reset', timeoutMs: 10_000, signal })
          const link = RESET_LINK.exec(mail.text)?.[0]
          assert(link, `no reset link in the mail: ${mail.text}`)
          // The token in the link is a credential: kept under a secret name, it is masked wherever it turns
          // up, in the URL of the request below too (a mail's text is not scanned for secrets).
          ctx.set('resetToken', link.slice(link.lastIndexOf('/') + 1))
          ctx.set('link', link)
          return http.post(link, { json: { password: 'the new password' } })
        }),
        step('new_password_works', async ({ http }) =>
          assertStatus(await http.post('/api/auth/login', { json: { email, password: 'the new password' } }), 200),
        ),
      ]),
      // The mail of the first path was rolled back with everything else.
      path('no_mail_here', [
        step('mailbox_is_empty', async ({ ports }) => {
          const mails = await ports.require('mail').list({ to: email })
          assert(mails.length === 0, `expected no mail after the rollback, found ${mails.length}`)
        }),
        step('old_password_still_works', async ({ http }) =>
          assertStatus(await http.post('/api/auth/login', { json: { email, password: 'the old password' } }), 200),
        ),
      ]),
    ]),
  ],
})
