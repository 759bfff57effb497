/**
 * The guide's "Email Testing Workflow" as a journey, against the example todo app running as its own
 * process. The app sends its "Password Reset" mail over real SMTP to the catcher; the journey waits for
 * it, follows the link and logs in with the new password. A branch shows that mail takes part in
 * checkpoints: the path after the one that asked for a mail finds none.
 */
import { AssertionFailed, type JourneyResult, type NodeResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, freePort, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mailPlugin, { type CaughtEmail, type MailCatcher, type MailClientBase, startMailCatcher } from '../src'
import { accepts } from './helpers'

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message)
}

/** The guide's regex, for http as well as https. */
const RESET_LINK = /https?:\/\/\S+\/reset\/\S+/

function steps(result: JourneyResult): { path: string; name: string; status: string; error?: string }[] {
  const out: { path: string; name: string; status: string; error?: string }[] = []
  const walk = (nodes: NodeResult[], p: string) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push({ path: p, name: n.name, status: n.status, error: n.error?.message })
      if (n.kind === 'branch') for (const x of n.paths) walk(x.nodes as NodeResult[], x.name)
    }
  }
  walk(result.nodes, 'main')
  return out
}

const signup = (email: string, password: string) =>
  step('signup', ({ http }) => http.post('/api/users', { json: { email, password, name: 'Reset Tester' } }))

describe('Email Testing Workflow against the todo app in its own process', () => {
  let catcher: MailCatcher
  let app: RunningProcess
  beforeAll(async () => {
    catcher = await startMailCatcher()
    app = await startTodoApp({ SMTP_URL: catcher.smtpUrl })
  })
  afterAll(async () => {
    await app?.stop()
    await catcher?.close()
  })

  it('forgot-password -> mail -> reset link -> new password -> login; a branch rolls the mail back', async () => {
    const email = 'reset-user@example.test'
    const seen: Record<string, unknown> = {}
    const j = journey('password_reset_by_mail', {
      requires: ['mail'],
      steps: [
        signup(email, 'old-password-1'),
        checkpoint('before_reset_mail'),
        branch('before_reset_mail', [
          path('request_reset_mail', [
            step('forgot_password', async ({ http }) => {
              const res = await http.post('/api/auth/forgot-password', { json: { email } })
              check(res.status === 202, `forgot-password answered ${res.status}`)
              return res
            }),
            step('wait_for_mail', async ({ ports, ctx, signal }) => {
              // the plugin's clients also take the step's signal, so a step timeout stops the wait
              const mail = await ports.require<MailClientBase>('mail').waitForEmail({ to: email, subject: 'Password Reset', timeoutMs: 10_000, signal })
              check(mail.text.toLowerCase().includes('reset'), 'the mail does not mention a reset')
              const link = RESET_LINK.exec(mail.text)?.[0]
              check(link, `no reset link in the mail: ${mail.text}`)
              ctx.set('resetLink', link)
              seen.resetLink = link
              seen.mail = mail
              seen.mailsInPath = (await ports.require('mail').list({ to: email })).length
            }),
            step('reset_password', async ({ http, ctx }) => {
              const res = await http.post(ctx.get<string>('resetLink')!, { json: { password: 'new-password-2' } })
              check(res.status === 200, `reset answered ${res.status}`)
              return res
            }),
            step('login_with_new_password', async ({ http }) => {
              const res = await http.post('/api/auth/login', { json: { email, password: 'new-password-2' } })
              check(res.status === 200 && typeof res.json<{ token: string }>().token === 'string', `login answered ${res.status}`)
              return res
            }),
            step('old_password_refused', ({ http }) => http.post('/api/auth/login', { json: { email, password: 'old-password-1' } }), {
              expectFailure: true,
            }),
          ]),
          path('after_rollback', [
            step('no_mail', async ({ ports }) => {
              const mails = await ports.require('mail').list({ to: email })
              seen.mailsAfterRollback = mails.length
              check(mails.length === 0, `expected no mail after the rollback, found ${mails.length}`)
            }),
            step('old_password_works_again', ({ http }) => http.post('/api/auth/login', { json: { email, password: 'old-password-1' } })),
            // The token lived only in the app state that was rolled back: the link is unknown again (400).
            step('reset_link_unknown_again', ({ http }) => http.get(new URL(String(seen.resetLink)).pathname), { expectFailure: true }),
          ]),
        ]),
        step('main_line_sees_no_mail', async ({ ports }) => {
          const n = (await ports.require('mail').list()).length
          seen.mailsOnMainLine = n
          check(n === 0, `the main line should continue from the checkpoint, found ${n} mail(s)`)
        }),
      ],
    })

    const runner = createRunner({
      baseUrl: app.url,
      stateBackends: [httpControlState({ url: app.url }), catcher.stateBackend()],
      ports: { mail: catcher.client() },
    })
    try {
      const result = await runner.run(j)
      const jr = result.journeys[0]!
      expect(steps(jr).filter((s) => s.status !== 'passed')).toEqual([])
      expect(jr.status).toBe('passed')
      expect(result.backends).toEqual([
        { name: 'http-control', mechanism: 'http-control', parallelSafe: false },
        { name: 'mail-catcher', mechanism: 'memory', parallelSafe: false },
      ])
      const mail = seen.mail as CaughtEmail
      expect(mail).toMatchObject({ from: 'no-reply@todo.test', to: [email], subject: 'Password Reset' })
      expect(mail.html).toContain('/api/auth/reset/')
      expect(seen).toMatchObject({ mailsInPath: 1, mailsAfterRollback: 0, mailsOnMainLine: 0 })
    } finally {
      await runner.close()
    }
  })

  it('a path that waits for a mail the app never sends fails, with the timeout message in the result', async () => {
    const runner = createRunner({ baseUrl: app.url, ports: { mail: catcher.client() } })
    try {
      const result = await runner.run(
        journey('no_mail_for_unknown_user', {
          steps: [
            // The app answers 202 for an unknown address too, but sends nothing.
            step('forgot_password', ({ http }) => http.post('/api/auth/forgot-password', { json: { email: 'ghost@example.test' } })),
            step('wait_for_mail', ({ ports }) => ports.require('mail').waitForEmail({ to: 'ghost@example.test', timeoutMs: 500 })),
          ],
        }),
      )
      const jr = result.journeys[0]!
      expect(jr.status).toBe('failed')
      const failed = steps(jr).find((s) => s.name === 'wait_for_mail')!
      expect(failed.status).toBe('failed')
      expect(failed.error).toMatch(/no mail matching to "ghost@example\.test" arrived within 500 ms/)
    } finally {
      await runner.close()
    }
  })
})

describe('the plugin hands its catcher to an app started for the run', () => {
  it('a fixed smtpPort: the app is configured first, the plugin catches its mail, and the port is freed at close', async () => {
    const smtpPort = await freePort()
    const app = await startTodoApp({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}` })
    const runner = createRunner({ baseUrl: app.url, plugins: [[mailPlugin, { smtpPort }]], stateBackends: [httpControlState({ url: app.url })] })
    try {
      const email = 'plugin-user@example.test'
      const result = await runner.run(
        journey('reset_mail_through_the_plugin', {
          requires: ['mail'],
          steps: [
            signup(email, 'old-password-1'),
            step('forgot_password', ({ http }) => http.post('/api/auth/forgot-password', { json: { email } })),
            step('wait_for_mail', async ({ ports }) => {
              const mail = await ports.require('mail').waitForEmail({ to: email, subject: 'Password Reset', timeoutMs: 10_000 })
              check(RESET_LINK.test(mail.text), 'no reset link')
            }),
          ],
        }),
      )
      expect(steps(result.journeys[0]!).filter((s) => s.status !== 'passed')).toEqual([])
      expect(result.backends.map((b) => b.name)).toEqual(['mail-catcher', 'http-control'])
      expect(await accepts(smtpPort)).toBe(true)
    } finally {
      await runner.close()
      await app.stop()
    }
    expect(await accepts(smtpPort)).toBe(false)
  })
})
