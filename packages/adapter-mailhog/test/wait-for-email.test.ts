import { AbortedError, type MailPort, TimeoutError, errorKindOf, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import mailPlugin, { type MailCatcher, MailHogClient, MailWaitTimeoutError, MailpitClient, startMailCatcher } from '../src'
import { CLOSED_PORT, startSilentServer, waitUntil } from '@venomqa/test-utils'
import { NEVER_MS, deliver, settlesFirst } from './helpers'

describe('waitForEmail', () => {
  let catcher: MailCatcher
  beforeAll(async () => {
    catcher = await startMailCatcher()
  })
  afterAll(() => catcher.close())
  beforeEach(() => catcher.clear())

  it('at the timeout, names the filter, the wait and what the mailbox held', async () => {
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Welcome', text: 'x' })
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'carol@example.com', subject: 'Invoice', text: 'y' })
    const client = catcher.client({ pollIntervalMs: 50 })
    const started = Date.now()
    const err = await client.waitForEmail({ to: 'alice@example.com', subject: 'Password Reset', timeoutMs: 400 }).catch((e) => e)
    const waited = Date.now() - started
    expect(err).toBeInstanceOf(MailWaitTimeoutError)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(errorKindOf(err)).toBe('timeout')
    expect(err.message).toContain('to "alice@example.com", subject "Password Reset"')
    expect(err.message).toContain('within 400 ms')
    expect(err.message).toContain('The mailbox holds 2 mails, none matching')
    expect(err.message).toContain('"Invoice" from app@example.com to carol@example.com')
    expect(err.mailboxTotal).toBe(2)
    expect(waited).toBeGreaterThanOrEqual(400)
  })

  it("at the timeout, the step's issue suggests checking the mail, not the step timeout", async () => {
    expect(new MailWaitTimeoutError({ to: 'a@example.com' }, 10, 'x').suggestion).toMatch(/^No mail matching the filter arrived/)
    const runner = createRunner({ plugins: [[mailPlugin, { pollIntervalMs: 50 }]] })
    try {
      const j = journey('mail_never_sent', {
        requires: ['mail'],
        steps: [step('wait_for_mail', ({ ports, signal }) => ports.require<MailPort>('mail').waitForEmail({ to: 'alice@example.com', timeoutMs: 200, signal }))],
      })
      const [issue] = (await runner.run(j)).journeys[0]!.issues
      expect(issue).toMatchObject({ step: 'wait_for_mail', kind: 'timeout' })
      expect(issue!.error).toContain('no mail matching to "alice@example.com" arrived within 200 ms')
      // Where the app may have gone wrong, and which timeout to raise: not the step's, which it did not reach.
      expect(issue!.suggestion).toMatch(/check that the app sent it at all .* and that it went to the address and with the subject the filter names/)
      expect(issue!.suggestion).toContain("raise waitForEmail's `timeoutMs`")
      expect(issue!.suggestion).not.toMatch(/step timeout/)
    } finally {
      await runner.close()
    }
  })

  // A mail API that never answers (a look cut short by the wait's end): whether the app sent the mail is
  // unknown, and the issue still sent the user to check that the app sent it.
  it('when no look reached the mail API, the issue suggests starting it, not checking what the app sent', async () => {
    const silent = await startSilentServer()
    const runner = createRunner({ plugins: [[mailPlugin, { mode: 'mailpit', url: silent.url, pollIntervalMs: 50 }]] })
    try {
      const j = journey('mail_api_down', {
        requires: ['mail'],
        steps: [step('wait_for_mail', ({ ports, signal }) => ports.require<MailPort>('mail').waitForEmail({ to: 'alice@example.com', timeoutMs: 200, signal }))],
      })
      const [issue] = (await runner.run(j)).journeys[0]!.issues
      expect(issue!.error).toContain('The last look failed: no answer within')
      expect(issue!.suggestion).toMatch(/^No look at the mailbox reached the mail server's API/)
      expect(issue!.suggestion).toContain('plugins[N].url')
      expect(issue!.suggestion).not.toMatch(/check that the app sent it/)
    } finally {
      await runner.close()
      await silent.close()
    }
  })

  // Nothing listening (the mail server not started, a wrong port): the wait went on for its whole timeout
  // although no mail could reach a server that is not there. A refusal ends it at once. The wait here is
  // longer than the test's own timeout, so a wait that sits it out fails the test.
  it('a mail API that refuses connections fails the wait at once, naming the url key to fix', async () => {
    const runner = createRunner({ plugins: [[mailPlugin, { mode: 'mailpit', url: `http://127.0.0.1:${CLOSED_PORT}`, pollIntervalMs: 50 }]] })
    try {
      const j = journey('mail_api_down', {
        requires: ['mail'],
        steps: [
          step('wait_for_mail', ({ ports, signal }) => ports.require<MailPort>('mail').waitForEmail({ to: 'alice@example.com', timeoutMs: 600_000, signal }), {
            timeout: 600_000,
          }),
        ],
      })
      const [issue] = (await runner.run(j)).journeys[0]!.issues
      expect(issue).toMatchObject({ step: 'wait_for_mail', kind: 'connection-refused' })
      expect(issue!.error).toMatch(/^plugins\[0\]\.url: GET .*ECONNREFUSED/)
      expect(issue!.suggestion).toBe(
        "Nothing is listening at plugins[0].url (the mail server's API): start the mail server (or `venomqa mail-catcher`), or fix plugins[0].url.",
      )
    } finally {
      await runner.close()
    }
  })

  it('refuses a filter key given with nothing in it: as a substring it would match every mail', async () => {
    // The only mail is someone else's: `to: user.email` with the email unset must not find it.
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'other@example.com', subject: 'Welcome', text: 'x' })
    const client = catcher.client({ pollIntervalMs: 50 })
    for (const filter of [{ to: '' }, { to: '  ' }, { to: undefined, subject: 'Welcome' }, { to: 'other@example.com', subject: '' }, { from: null as unknown as string }]) {
      const err = await client.waitForEmail({ ...filter, timeoutMs: 200 }).catch((e) => e)
      expect(err, JSON.stringify(filter)).toMatchObject({ code: 'E_MAIL_FILTER' })
      expect(err.message).toMatch(/^the mail filter's "(to|from|subject)" is (""|" {2}"|undefined|null): it would match every mail; give what to look for, or leave "\1" out$/)
      await expect(client.list(filter)).rejects.toMatchObject({ code: 'E_MAIL_FILTER' })
    }
    // Left out, a key matches anything, as documented; a RegExp subject is a subject.
    expect((await client.waitForEmail({ subject: /welcome/i, timeoutMs: 200 })).subject).toBe('Welcome')
  })

  it('says the mailbox is empty and where the app should send, with a RegExp subject', async () => {
    const client = catcher.client()
    const err = await client.waitForEmail({ subject: /reset/i, timeoutMs: 150 }).catch((e) => e)
    expect(err.message).toContain('subject /reset/i')
    expect(err.message).toContain(`The mailbox is empty: is the app sending to ${catcher.smtpUrl}?`)
  })

  for (const [dialect, make] of [
    ['mailhog', (url: string) => new MailHogClient({ url, pollIntervalMs: 50 })],
    ['mailpit', (url: string) => new MailpitClient({ url, pollIntervalMs: 50 })],
  ] as const) {
    it(`${dialect}: the timeout message counts the mails seen through the API`, async () => {
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Welcome', text: 'x' })
      const client = make(catcher.apiUrl)
      try {
        const err = await client.waitForEmail({ from: 'nobody@example.com', timeoutMs: 300 }).catch((e) => e)
        expect(err).toBeInstanceOf(MailWaitTimeoutError)
        expect(err.message).toMatch(new RegExp(`Looked \\d+ times at ${catcher.apiUrl} \\(${dialect} API\\)`))
        expect(err.message).toContain('The mailbox holds 1 mail, none matching; newest: "Welcome" from app@example.com to bob@example.com')
      } finally {
        await client.close()
      }
    })
  }

  it('never prints the password of the SMTP URL in the timeout message', async () => {
    for (const Client of [MailHogClient, MailpitClient]) {
      const client = new Client({ url: catcher.apiUrl, smtp: 'smtp://app:S3cretPW@127.0.0.1:1025', pollIntervalMs: 50 })
      try {
        const err = await client.waitForEmail({ to: 'x@example.com', timeoutMs: 150 }).catch((e) => e)
        expect(err).toBeInstanceOf(MailWaitTimeoutError)
        expect(err.message).not.toContain('S3cretPW')
        expect(err.message).toContain('The mailbox is empty: is the app sending to smtp://app:***@127.0.0.1:1025?')
      } finally {
        await client.close()
      }
    }
  })

  it('with no `smtp` given, does not name a guessed SMTP address as where the app should send', async () => {
    // The catcher's API answers for MailHog and Mailpit, but its SMTP is not on 1025: a hint naming
    // smtp://127.0.0.1:1025 sent the user to check a port nothing listens on.
    for (const Client of [MailHogClient, MailpitClient]) {
      const client = new Client({ url: catcher.apiUrl, pollIntervalMs: 50 })
      try {
        const err = await client.waitForEmail({ to: 'x@example.com', timeoutMs: 150 }).catch((e) => e)
        expect(err).toBeInstanceOf(MailWaitTimeoutError)
        expect(err.message).not.toContain('smtp://127.0.0.1:1025')
        expect(err.message).toContain(
          `The mailbox is empty: is the app sending to the SMTP port of the server at ${catcher.apiUrl}? (\`smtp\` is not set, so which port is not known here; MailHog and Mailpit take SMTP on 1025 by default, \`venomqa mail-catcher\` on the port it printed)`,
        )
      } finally {
        await client.close()
      }
    }
  })

  it('while nothing listens, fails at the first refused look with the transport error, not a timeout', async () => {
    const client = new MailpitClient({ url: 'http://127.0.0.1:1', pollIntervalMs: 50 })
    try {
      const err = await client.waitForEmail({ to: 'a@example.com', timeoutMs: 600_000 }).catch((e) => e)
      expect(err).not.toBeInstanceOf(TimeoutError)
      expect(errorKindOf(err)).toBe('connection-refused')
      expect(err.message).toMatch(/^GET .*ECONNREFUSED/)
      expect(err.suggestion).toBe("Nothing is listening at the mail server's API URL: start the mail server (or `venomqa mail-catcher`), or fix its url.")
    } finally {
      await client.close()
    }
  })

  it('against a server that takes the request and never answers: gives up at its timeout, or when its signal aborts, saying why', async () => {
    // Not a mail API: a socket that says nothing. Each look waited the client's own request timeout
    // (10 s): a wait of 400 ms took 10 s, and failed with "code.includes is not a function". Here that
    // timeout outlasts the test: a wait (or a close) that waited for a look would fail at the test's timeout.
    const silent = await startSilentServer()
    const url = silent.url
    const clients = [new MailpitClient({ url, requestTimeoutMs: NEVER_MS }), new MailHogClient({ url, requestTimeoutMs: NEVER_MS }), new MailpitClient({ url, requestTimeoutMs: 300 })]
    try {
      for (const client of clients.slice(0, 2)) {
        const err = await client.waitForEmail({ to: 'x@example.com', timeoutMs: 400 }).catch((e) => e)
        expect(err).toBeInstanceOf(MailWaitTimeoutError)
        expect(err.message).toMatch(/The last look failed: no answer within \d+ ms$/)
        const ac = new AbortController()
        setTimeout(() => ac.abort(), 100)
        const aborted = await client.waitForEmail({ to: 'x@example.com', timeoutMs: 30_000, signal: ac.signal }).catch((e) => e)
        expect(aborted).toBeInstanceOf(AbortedError)
      }
      // A request of its own past requestTimeoutMs says it timed out: not a TypeError from reading the abort's numeric code.
      const err = await clients[2]!.list({ to: 'x@example.com' }).catch((e) => e)
      expect(errorKindOf(err)).toBe('timeout')
      expect(err.message).not.toMatch(/is not a function/)
      // The looks the waits gave up on are still in flight: closing ends them instead of waiting out their
      // request timeout (10 s by default), which held the run's end as long. The server sees them go.
      expect(silent.openSockets()).toBeGreaterThan(0)
      await Promise.all(clients.map((c) => c.close()))
      await waitUntil(() => silent.openSockets() === 0, 'the server to see every look given up on end')
      // Sending through it as an SMTP server: given up after requestTimeoutMs, before a sender whose own is
      // 5 s (nodemailer's own waits were 2 and 10 minutes, longer than the test).
      const smtp = `smtp://127.0.0.1:${silent.port}`
      const quick = new MailpitClient({ url, smtp, requestTimeoutMs: 300 })
      const reference = new MailpitClient({ url, smtp, requestTimeoutMs: 5000 })
      clients.push(quick, reference)
      const mail = { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }
      const sent = await settlesFirst(() => quick.send(mail), () => reference.send(mail))
      expect(sent.first).toBe(true)
      expect(sent.settled).toMatchObject({ code: 'E_MAIL_SEND' })
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await silent.close()
    }
  }, 20_000)

  it('returns at once when a matching mail is already there, and wakes on arrival in-process', async () => {
    // No look after the first before the test's timeout: only the arrival event can wake the wait at all.
    const client = catcher.client({ pollIntervalMs: NEVER_MS })
    const waiting = client.waitForEmail({ to: 'alice@example.com', timeoutMs: NEVER_MS })
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'alice@example.com', subject: 'Hi', text: 'x' })
    const mail = await waiting
    expect(mail.subject).toBe('Hi')
    expect((await client.waitForEmail({ to: 'alice@example.com', timeoutMs: 1 })).subject).toBe('Hi')
  })

  it('stops when its signal aborts', async () => {
    const client = catcher.client()
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 100)
    // Its own timeout outlasts the test: a wait that did not stop at the abort would fail at the test's.
    const err = await client.waitForEmail({ subject: 'never', timeoutMs: NEVER_MS, signal: ac.signal }).catch((e) => e)
    expect(err).toBeInstanceOf(AbortedError)
  })
})
