/**
 * The README's two examples, run as written: each code block is taken from README.md at test time, its
 * package import pointed at this package's source. mail.mjs runs on its own (it starts its catcher and
 * sends with nodemailer). password-reset.ts runs against the example todo app in its own process, whose
 * mail goes to an embedded catcher that stands in for Mailpit: the example reads it through the Mailpit API.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { type RunningProcess, runExample, startTodoApp, stepsRun, tsBlock } from '@venomqa/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type MailCatcher, startMailCatcher } from '../src'
import { accepts } from './helpers'

// password-reset.ts prints only its status: every run it makes is recorded too, to check each step.
const runs = vi.hoisted((): RunResult[] => [])
vi.mock('@venomqa/runner', async (importOriginal) => (await import('@venomqa/test-utils')).recordingRunner(await importOriginal(), runs))

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const README = path.join(PKG, 'README.md')
const dir = path.join(PKG, `test/readme-example.${process.pid}.generated`)
const imports = { '@venomqa/adapter-mailhog': path.join(PKG, 'src/index.ts') }

afterEach(() => {
  runs.length = 0
})

describe('README examples', () => {
  it('mail.mjs: the mail sent over SMTP is read back with its link, and both ports close', async () => {
    const logged = await runExample({ dir, files: { 'mail.mjs': tsBlock(README, '// mail.mjs: node mail.mjs') }, entry: 'mail.mjs', imports })

    expect(logged).toHaveLength(2)
    const [said, smtpUrl, api, apiUrl] = logged[0] as string[]
    expect([said, api]).toEqual(['give the app SMTP_URL =', '- MailHog/Mailpit API at'])
    expect(smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/)
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(logged[1]).toEqual(['Password Reset', 'http://127.0.0.1:3000/api/auth/reset/abc123'])
    expect(await accepts(Number(new URL(smtpUrl!).port))).toBe(false)
    expect(await accepts(Number(new URL(apiUrl!).port))).toBe(false)
  })

  describe('password-reset.ts, against the todo app and a catcher in Mailpit’s place', () => {
    let catcher: MailCatcher
    let app: RunningProcess | undefined
    beforeAll(async () => {
      catcher = await startMailCatcher()
      app = await startTodoApp({ SMTP_URL: catcher.smtpUrl })
    })
    afterAll(async () => {
      await app?.stop()
      await catcher?.close()
    })

    it('signs up, follows the mailed link, and logs in with the new password', async () => {
      const logged = await runExample({
        dir,
        files: { 'password-reset.ts': tsBlock(README, '// password-reset.ts: `npx tsx password-reset.ts` (BASE_URL and MAILPIT_URL if not the ones below)') },
        entry: 'password-reset.ts',
        imports,
        env: { BASE_URL: app!.url, MAILPIT_URL: catcher.apiUrl },
      })

      expect(logged).toEqual([['passed']])
      expect(runs).toHaveLength(1)
      expect(stepsRun(runs[0]!)).toEqual([
        'password_reset > sign_up: passed',
        'password_reset > forgot: passed',
        'password_reset > follow_the_link: passed',
        'password_reset > login: passed',
      ])
      // The app sent one mail, and the example read it through the Mailpit API (which marks it read).
      const box = (await (await fetch(`${catcher.apiUrl}/api/v1/messages`)).json()) as { messages: { Subject: string; Read: boolean }[] }
      expect(box.messages.map((m) => [m.Subject, m.Read])).toEqual([['Password Reset', true]])
    })
  })
})
