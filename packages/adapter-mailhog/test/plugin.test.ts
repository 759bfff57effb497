import net from 'node:net'
import { ConfigError, PLUGIN_API_VERSION, type MailPort, errorKindOf, isPlugin } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { CLOSED_PORT, freePort, startSilentServer } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import mailPlugin, { CatcherMailClient, MailHogClient, MailpitClient, startMailCatcher } from '../src'
import { accepts, deliver, settlesFirst } from './helpers'

describe('the mail plugin', () => {
  afterEach(() => {
    delete process.env.VENOMQA_SMTP_URL
    delete process.env.VENOMQA_MAIL_API_URL
  })

  it('is a plugin for this plugin API', () => {
    expect(isPlugin(mailPlugin)).toBe(true)
    expect(mailPlugin).toMatchObject({ name: '@venomqa/adapter-mailhog', apiVersion: PLUGIN_API_VERSION })
  })

  it('embedded (the default): starts a catcher, registers port, backend and health check, stops it on close', async () => {
    const runner = createRunner({ plugins: [mailPlugin] })
    await runner.init()
    const mail = runner.registry.ports.get('mail') as CatcherMailClient
    expect(mail).toBeInstanceOf(CatcherMailClient)
    expect(runner.registry.stateBackends.map((b) => [b.name, b.mechanism, b.parallelSafe])).toEqual([['mail-catcher', 'memory', false]])
    const [checkName, check] = [...runner.registry.healthChecks][0]!
    expect(checkName).toMatch(/^mail catcher \(smtp:\/\/127\.0\.0\.1:\d+, API http:\/\/127\.0\.0\.1:\d+\)$/)
    expect(await check()).toBe(true)

    const smtpUrl = process.env.VENOMQA_SMTP_URL!
    const apiUrl = process.env.VENOMQA_MAIL_API_URL!
    expect(smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/)
    await deliver(smtpUrl, { from: 'app@example.com', to: 'a@example.com', subject: 'via env', text: 'x' })
    expect((await mail.waitForEmail({ subject: 'via env', timeoutMs: 2000 })).to).toEqual(['a@example.com'])
    const smtpPort = Number(new URL(smtpUrl).port)
    const httpPort = Number(new URL(apiUrl).port)
    expect(await accepts(smtpPort)).toBe(true)
    expect(await accepts(httpPort)).toBe(true)

    expect(await runner.close()).toEqual([])
    expect(await accepts(smtpPort)).toBe(false)
    expect(await accepts(httpPort)).toBe(false)
    expect(await check()).toBe('the mail catcher is closed')
    expect(process.env.VENOMQA_SMTP_URL).toBeUndefined()
    expect(process.env.VENOMQA_MAIL_API_URL).toBeUndefined()
  })

  it('embedded with fixed ports, so an app configured beforehand can be pointed at it', async () => {
    const [smtpPort, httpPort] = [await freePort(), await freePort()]
    const runner = createRunner({ plugins: [[mailPlugin, { smtpPort, httpPort, portName: 'inbox' }]] })
    try {
      await runner.init()
      expect(process.env.VENOMQA_SMTP_URL).toBe(`smtp://127.0.0.1:${smtpPort}`)
      expect(process.env.VENOMQA_MAIL_API_URL).toBe(`http://127.0.0.1:${httpPort}`)
      expect(runner.registry.ports.has('inbox')).toBe(true)
      expect(runner.registry.stateBackends[0]!.name).toBe('mail-catcher:inbox')
    } finally {
      await runner.close()
    }
    expect(await accepts(smtpPort)).toBe(false)
  })

  it('a taken SMTP port is a clear plugin error, and leaves nothing listening', async () => {
    const blocker = net.createServer()
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as net.AddressInfo).port)))
    const httpPort = await freePort()
    try {
      const runner = createRunner({ plugins: [[mailPlugin, { smtpPort: port, httpPort }]] })
      const err = await runner.init().catch((e) => e)
      // The option's mistake, named where it was written, as the schema names the others.
      expect(err).toBeInstanceOf(ConfigError)
      expect(err.where).toBe('plugins[0].smtpPort')
      expect(err.message).toMatch(new RegExp(`cannot start the SMTP server: port ${port} on 127\\.0\\.0\\.1 is already in use`))
      await runner.close()
      expect(await accepts(httpPort)).toBe(false)
      // and the other way round: SMTP gets up, HTTP cannot, SMTP is closed again
      const smtpPort = await freePort()
      const second = await startMailCatcher({ smtpPort, httpPort: port }).catch((e) => e)
      expect(second.message).toMatch(/cannot start the HTTP server/)
      expect(await accepts(smtpPort)).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it("mode mailhog / mailpit: the health check says why a server is unusable (nothing listening, not a mail API), as doctor shows it", async () => {
    const catcher = await startMailCatcher()
    try {
      for (const mode of ['mailhog', 'mailpit'] as const) {
        for (const [url, reason] of [
          // Nothing listening: the catcher that starts one is named.
          [`http://127.0.0.1:${CLOSED_PORT}`, /ECONNREFUSED.*\(is the mail server running\? `npx venomqa mail-catcher` starts one on this machine\)/],
          [`${catcher.apiUrl}/not-here`, /answered 404/],
        ] as const) {
          const runner = createRunner({ plugins: [[mailPlugin, { mode, url }]] })
          await runner.init()
          const said = await [...runner.registry.healthChecks.values()][0]!()
          expect(said, `${mode} at ${url}`).toEqual(expect.stringMatching(reason))
          await runner.close()
        }
      }
    } finally {
      await catcher.close()
    }
  })

  it('send() sends cc and bcc, which the catcher finds by `to`, and refuses a field it would not send', async () => {
    const catcher = await startMailCatcher()
    try {
      for (const Client of [MailHogClient, MailpitClient]) {
        const client = new Client({ url: catcher.apiUrl, smtp: catcher.smtpUrl })
        const subject = `cc and bcc via ${Client.name}`
        await client.send({ from: 'qa@example.com', to: 'a@example.com', cc: 'copy@example.com', bcc: ['hidden@example.com'], subject, text: 'x' })
        expect((await client.list({ to: 'copy@example.com', subject })).map((m) => m.cc)).toEqual([['copy@example.com']])
        expect((await client.list({ to: 'hidden@example.com', subject })).length).toBe(1)
        await expect(client.send({ from: 'qa@example.com', to: 'a@example.com', subject: 'x', replyTo: 'r@example.com' } as never)).rejects.toMatchObject({
          code: 'E_MAIL',
          message: 'mail.send: a field a mail cannot be sent with: "replyTo"; it takes from, to, cc, bcc, subject, text, html, attachments',
        })
        await client.close()
      }
    } finally {
      await catcher.close()
    }
  })

  it('mode mailhog / mailpit: a client of the running server, with rollback on request', async () => {
    const catcher = await startMailCatcher()
    try {
      for (const [mode, Client] of [['mailhog', MailHogClient], ['mailpit', MailpitClient]] as const) {
        const runner = createRunner({ plugins: [[mailPlugin, { mode, url: catcher.apiUrl, smtp: catcher.smtpUrl, rollback: true }]] })
        await runner.init()
        const mail = runner.registry.ports.get('mail') as MailPort
        expect(mail).toBeInstanceOf(Client)
        expect(runner.registry.stateBackends.map((b) => [b.name, b.mechanism])).toEqual([[`${mode}:mail`, 'delete-newer']])
        expect(await [...runner.registry.healthChecks.values()][0]!()).toBe(true)
        await mail.send({ from: 'qa@example.com', to: 'a@example.com', subject: `via ${mode}`, text: 'x' })
        expect((await mail.getLatest())?.subject).toBe(`via ${mode}`)
        await runner.close()
      }
      // without `rollback`, a remote mailbox takes no part in checkpoints
      const runner = createRunner({ plugins: [[mailPlugin, { mode: 'mailpit', url: catcher.apiUrl }]] })
      await runner.init()
      expect(runner.registry.stateBackends).toEqual([])
      await runner.close()
    } finally {
      await catcher.close()
    }
  })

  it('mistakes in options are config errors that name plugins[N].key', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ mode: 'postfix' }, `plugins[0].mode: expected 'embedded', 'mailhog' or 'mailpit', got "postfix"`],
      [{ mode: 'mailpit', url: 'localhost:8025' }, 'plugins[0].url: expected an http(s):// URL, got "localhost:8025"'],
      [{ mode: 'mailhog', smtp: 'http://x' }, 'plugins[0].smtp: expected an smtp:// or smtps:// URL, got "http://x"'],
      [{ smtpPort: 70000 }, 'plugins[0].smtpPort: expected a port from 0 to 65535, got 70000'],
      [{ url: 'http://x' }, "plugins[0].url: is for mode 'mailhog' or 'mailpit'; the embedded catcher does not use it"],
      [{ mode: 'mailpit', smtpPort: 1025 }, "plugins[0].smtpPort: is for mode 'embedded'"],
      [{ smtp_port: 1025 }, 'plugins[0].smtp_port: unknown option'],
      [{ pollInterval: 50 }, 'plugins[0].pollInterval: renamed to pollIntervalMs (milliseconds)'],
      [{ requestTimeoutMs: 0 }, 'plugins[0].requestTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 0'],
      [{ mode: 'mailpit', requestTimeoutMs: 1.5 }, 'plugins[0].requestTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 1.5'],
      [{ requestTimeoutMs: '5000' }, 'plugins[0].requestTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "5000"'],
      [{ pollIntervalMs: 0.5 }, 'plugins[0].pollIntervalMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 0.5'],
      [{ defaultTimeoutMs: 2_147_483_648 }, 'plugins[0].defaultTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648'],
      [{ requestTimeout: 5000 }, 'plugins[0].requestTimeout: renamed to requestTimeoutMs (milliseconds)'],
      [{ mode: 'mailpit', tls: { ca: 42 } }, 'plugins[0].tls.ca: expected PEM text, a file path, a Buffer, or a list of them, got 42'],
      [{ mode: 'mailpit', tls: { ca: ['-----BEGIN CERTIFICATE-----', 42] } }, 'plugins[0].tls.ca[1]: expected PEM text, a file path or a Buffer, got 42'],
    ]
    for (const [options, message] of cases) {
      const runner = createRunner({ plugins: [[mailPlugin, options]] })
      const err = await runner.init().catch((e) => e)
      expect(err, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect(err.message).toContain(message)
      await runner.close()
    }
    // Every problem at once: an option of the other mode is named beside a wrong value, not after it is fixed.
    const several = createRunner({ plugins: [[mailPlugin, { url: 'http://x', auth: { username: 'u', password: 7 }, smtpPort: 70000 }]] })
    const all = await several.init().catch((e) => e)
    await several.close()
    expect(all).toBeInstanceOf(ConfigError)
    for (const part of ['plugins[0].auth.password: expected string, got a hidden value', 'plugins[0].smtpPort: expected a port', "plugins[0].url: is for mode 'mailhog' or 'mailpit'", "plugins[0].auth: is for mode 'mailhog' or 'mailpit'"])
      expect(all.message).toContain(part)
    // Checked in setup, where the project root is known: still a config error placed at the option's whole path.
    const runner = createRunner({ plugins: [mailPlugin, [mailPlugin, { mode: 'mailpit', portName: 'remote', tls: { ca: 'missing-ca.pem' } }]] })
    const err = await runner.init().catch((e) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toMatch(/option "tls.ca": cannot read .*missing-ca\.pem/)
    expect(err.where).toBe('plugins[1].tls.ca')
    await runner.close()
    expect(process.env.VENOMQA_SMTP_URL).toBeUndefined()
  })

  it('passes requestTimeoutMs to the client: a server that never answers is given up on after it, in both modes', async () => {
    const silent = await startSilentServer()
    const runner = createRunner({ plugins: [[mailPlugin, { mode: 'mailpit', url: silent.url, smtp: `smtp://127.0.0.1:${silent.port}`, requestTimeoutMs: 300 }]] })
    try {
      await runner.init()
      const mail = runner.registry.ports.get('mail') as MailPort
      // Without it, each of these waited the default 10 s: so long that a client given 5 s, asked first,
      // gives up first (see settlesFirst).
      const reference = new MailpitClient({ url: silent.url, smtp: `smtp://127.0.0.1:${silent.port}`, requestTimeoutMs: 5000 })
      const message = { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }
      try {
        const listed = await settlesFirst(() => mail.list({ to: 'x@example.com' }), () => reference.list({ to: 'x@example.com' }))
        expect(listed.first).toBe(true)
        expect(errorKindOf(listed.settled)).toBe('timeout')
        const sent = await settlesFirst(() => mail.send(message), () => reference.send(message))
        expect(sent.first).toBe(true)
        expect(sent.settled).toMatchObject({ code: 'E_MAIL_SEND' })
      } finally {
        await reference.close()
      }
    } finally {
      await runner.close()
      await silent.close()
    }
    const embedded = createRunner({ plugins: [[mailPlugin, { requestTimeoutMs: 5000 }]] })
    await embedded.init()
    await embedded.close()
  })

  it("`venomqa mail-catcher` listens where the config's entry says by default, and refuses arguments it would ignore", async () => {
    const runner = createRunner({ plugins: [[mailPlugin, { smtpPort: 47026, httpPort: 47027, host: '127.0.0.2' }]] })
    const { command } = (await runner.commands()).get('mail-catcher')!
    expect(command.options).toMatchObject([{ default: '47026' }, { default: '47027' }, { default: '127.0.0.2' }])
    const err = await Promise.resolve(command.run({ options: {}, args: ['1026'], stdout: { write: () => true }, stderr: { write: () => true }, cwd: process.cwd() } as never)).catch((e) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toBe('venomqa mail-catcher takes no arguments, got "1026": give the ports as --smtp-port and --http-port')
    // One port for both is said as such, not as a port another catcher holds.
    const same = await startMailCatcher({ smtpPort: 47030, httpPort: 47030 }).catch((e) => e)
    expect(same).toMatchObject({ where: 'httpPort', message: 'mail catcher: the SMTP and HTTP ports are both 47030: give them different ones (or 0 for a free one)' })
    await runner.close()
  })

  it('adds `venomqa mail-catcher` through its commands hook, without setting anything up', async () => {
    const runner = createRunner({ plugins: [mailPlugin] })
    const commands = await runner.commands()
    expect([...commands.keys()]).toEqual(['mail-catcher'])
    expect(commands.get('mail-catcher')).toMatchObject({ plugin: '@venomqa/adapter-mailhog', command: { options: [{ flags: '--smtp-port <port>', default: '1025' }, { flags: '--http-port <port>', default: '8025' }, { flags: '--host <host>', default: '127.0.0.1' }] } })
    // commands() sets nothing up: no catcher was started, so no address was published.
    expect(process.env.VENOMQA_SMTP_URL).toBeUndefined()
    expect(runner.registry.ports.size).toBe(0)
  })
})
