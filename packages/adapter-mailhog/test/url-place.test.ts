/**
 * A mail server address that is wrong shows only when it is first used: nothing listens there, no such
 * host, no mail API at that path. The error names the config entry's key (`plugins[1].url`), as the
 * schema names the other mistakes, in the health check, the port's calls, the state backend's connect and
 * a send.
 */
import { type MailPort, type StateBackend, StateError, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { CLOSED_PORT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mailPlugin, { type MailCatcher, startMailCatcher } from '../src'

describe('a wrong mail server address, found on first use', () => {
  let catcher: MailCatcher
  beforeAll(async () => {
    catcher = await startMailCatcher()
  })
  afterAll(async () => {
    await catcher?.close()
  })

  /** A runner whose second entry is the plugin at `url`; the first is a good one, so the index tells them apart. */
  async function secondEntryAt(mode: 'mailhog' | 'mailpit', url: string, smtp?: string) {
    const runner = createRunner({
      plugins: [
        [mailPlugin, { mode, url: catcher.apiUrl, portName: 'good' }],
        [mailPlugin, { mode, url, rollback: true, ...(smtp ? { smtp } : {}) }],
      ],
    })
    await runner.init()
    // The second entry's check is the one registered last.
    const [, check] = [...runner.registry.healthChecks].at(-1)!
    const mail = runner.registry.ports.get('mail') as MailPort
    const backend = runner.registry.stateBackends.find((b) => b.name === `${mode}:mail`) as StateBackend
    return { runner, check, mail, backend }
  }

  for (const mode of ['mailhog', 'mailpit'] as const) {
    for (const [what, url] of [
      ['nothing listens there', `http://127.0.0.1:${CLOSED_PORT}`],
      ['no such host', 'http://no-such-host.invalid:8025'],
      ['no mail API at that path', () => `${catcher.apiUrl}/not-here`],
    ] as const) {
      it(`${mode}, ${what}: the health check, the port and the backend's connect name plugins[1].url`, async () => {
        const { runner, check, mail, backend } = await secondEntryAt(mode, typeof url === 'function' ? url() : url)
        try {
          expect(await check()).toEqual(expect.stringMatching(/^plugins\[1\]\.url: /))
          const listed = await mail.list().catch((e: Error) => e)
          expect(listed).toBeInstanceOf(Error)
          expect((listed as Error).message).toMatch(/^plugins\[1\]\.url: GET /)
          const connected = await backend.connect().catch((e: Error) => e)
          expect(connected).toBeInstanceOf(StateError)
          expect((connected as Error).message).toMatch(new RegExp(`^state backend "${mode}:mail": plugins\\[1\\]\\.url: connect: cannot list the mailbox at `))
          // Said once: the place is not repeated further on in the line.
          expect((connected as Error).message.split('plugins[1].url').length).toBe(2)
        } finally {
          await runner.close()
        }
      })
    }

    it(`${mode}: a step whose mail API is not there is told to start the mail server or fix plugins[1].url, not the base URL`, async () => {
      // The issue's suggestion was the base URL's ("start the API, or fix baseUrl / --base-url"), under an
      // error that rightly named plugins[1].url.
      for (const [url, suggestion] of [
        [`http://127.0.0.1:${CLOSED_PORT}`, 'Nothing is listening at plugins[1].url (the mail server\'s API): start the mail server (or `venomqa mail-catcher`), or fix plugins[1].url.'],
        ['http://no-such-host.invalid:8025', 'The host of plugins[1].url (the mail server\'s API) does not resolve: fix plugins[1].url.'],
      ] as const) {
        // No rollback: its connect would stop the journey first, as a state backend's failure.
        const runner = createRunner({ plugins: [[mailPlugin, { mode, url: catcher.apiUrl, portName: 'good' }], [mailPlugin, { mode, url }]] })
        try {
          const run = await runner.run(journey('reads_mail', { steps: [step('list', async ({ ports }) => void (await ports.mail!.list()))] }))
          const [issue] = run.journeys[0]!.issues
          expect(issue?.error).toMatch(/^plugins\[1\]\.url: GET /)
          expect(issue?.suggestion).toBe(suggestion)
        } finally {
          await runner.close()
        }
      }
    })

    it(`${mode}: a send that finds no SMTP server names plugins[1].smtp; the API's good address is not blamed`, async () => {
      const { runner, mail, check } = await secondEntryAt(mode, catcher.apiUrl, `smtp://127.0.0.1:${CLOSED_PORT}`)
      try {
        const sent = await mail.send({ from: 'qa@example.com', to: 'a@example.com', subject: 's', text: 't' }).catch((e: Error) => e)
        expect((sent as Error).message).toMatch(/^plugins\[1\]\.smtp: sending mail through smtp:\/\/127\.0\.0\.1:1 failed: .*ECONNREFUSED/)
        expect(await check()).toBe(true)
      } finally {
        await runner.close()
      }
    })
  }
})
