/**
 * Parallel paths on mail catcher workers: each worker has its own catcher and its own instance of a small
 * app that sends mail over SMTP. At each sync the worker's mailbox becomes a copy of the main one's at the
 * checkpoint. Every path checks it starts with exactly the checkpoint's mail, empties the mailbox, has the
 * app send its own, and sees only that.
 */
import { ConfigError, type MailPort, assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, startNodeProcess, expectBranchOnWorkers } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MailCatcher, mailCatcherWorkers, startMailCatcher } from '../src'
import { accepts } from './helpers'

const APP = new URL('./fixtures/mailer-app.mjs', import.meta.url).pathname
const startApp = (smtpUrl: string) => startNodeProcess(APP, { env: { SMTP_URL: smtpUrl } })
const subjects = async (mail: MailPort) => (await mail.list()).map((m) => m.subject)

function parallelJourney(run: number) {
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('starts_with_checkpoint_mail', async ({ ports }) => {
        const mail = ports.require<MailPort>('mail')
        assertEqual(await subjects(mail), [`welcome-${run}`], `mail at the start of p${i}`)
        await mail.deleteAll()
      }),
      step('app_sends_its_own', async ({ http, ports }) => {
        assertStatus(await http.post('/send', { json: { to: `p${i}@example.test`, subject: `p${i}` } }), 202)
        await ports.require<MailPort>('mail').waitForEmail({ subject: `p${i}`, timeoutMs: 10_000 })
        assertEqual(await subjects(ports.require<MailPort>('mail')), [`p${i}`], `mail seen by p${i}`)
      }),
    ]),
  )
  return journey(`mail_parallel_${run}`, {
    requires: ['mail'],
    steps: [
      step('welcome_mail', async ({ http, ports }) => {
        const mail = ports.require<MailPort>('mail')
        await mail.deleteAll()
        assertStatus(await http.post('/send', { json: { to: 'a@example.test', subject: `welcome-${run}` } }), 202)
        await mail.waitForEmail({ subject: `welcome-${run}`, timeoutMs: 10_000 })
      }),
      checkpoint('welcomed'),
      branch('welcomed', paths),
      step('main_line_back_at_checkpoint', async ({ ports }) => {
        assertEqual(await subjects(ports.require<MailPort>('mail')), [`welcome-${run}`], 'mail after the branch')
      }),
    ],
  })
}

describe('mailCatcherWorkers', () => {
  let catcher: MailCatcher
  let app: RunningProcess
  beforeAll(async () => {
    catcher = await startMailCatcher()
    app = await startApp(catcher.smtpUrl)
  })
  afterAll(async () => {
    await app?.stop()
    await catcher?.close()
  })

  it('runs 8 paths on 4 workers, each catcher holding the checkpoint mail plus its own, 10 times over', async () => {
    const smtpUrls: string[] = []
    const runner = createRunner({
      baseUrl: app.url,
      // The catcher is found through the run's mail port.
      ports: { mail: catcher.client() },
      stateBackends: [catcher.stateBackend()],
      parallelPaths: 4,
      workerSetup: mailCatcherWorkers({
        async startApp(_index, smtpUrl) {
          smtpUrls.push(smtpUrl)
          const w = await startApp(smtpUrl)
          return { baseUrl: w.url, close: () => w.stop() }
        },
      }),
    })
    try {
      // Ten runs of eight paths, each run syncing every worker: the suite's time budget, where twenty ran before.
      for (let run = 0; run < 10; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    expect(new Set(smtpUrls).size).toBe(3)
    // The workers' catchers are closed with the run.
    for (const url of smtpUrls) expect(await accepts(Number(new URL(url).port))).toBe(false)
  }, 120_000)

  it("gives each worker's mail port the main port's timings: a wait there gives up when one on the main line would", async () => {
    // A worker's client was made with none: its waits ran to the default timeout whatever the plugin said.
    const runner = createRunner({
      baseUrl: app.url,
      ports: { mail: catcher.client({ defaultTimeoutMs: 300, pollIntervalMs: 20 }) },
      stateBackends: [catcher.stateBackend()],
      parallelPaths: 2,
      stepTimeout: 5_000,
      workerSetup: mailCatcherWorkers({
        async startApp(_index, smtpUrl) {
          const w = await startApp(smtpUrl)
          return { baseUrl: w.url, close: () => w.stop() }
        },
      }),
    })
    const wait = (name: string) => path(name, [step('wait', ({ ports }) => ports.require<MailPort>('mail').waitForEmail({ subject: 'never sent' }))])
    try {
      const run = await runner.run(journey('waits', { steps: [checkpoint('c'), branch('c', [wait('a'), wait('b')])] }))
      const errors = run.journeys[0]!.issues.filter((i) => i.step === 'wait').map((i) => i.error)
      expect(errors).toHaveLength(2)
      for (const error of errors) expect(error).toMatch(/arrived within 300 ms/)
    } finally {
      await runner.close()
    }
  }, 30_000)

  it('refuses to copy from a mail port that is not the embedded catcher', async () => {
    const runner = createRunner({
      baseUrl: app.url,
      ports: { mail: { list: async () => [] } },
      parallelPaths: 2,
      workerSetup: mailCatcherWorkers({ startApp: async () => ({ baseUrl: app.url }) }),
    })
    // A mistake of the config: refused before the journey starts, as every config mistake is (exit 2).
    const refused = await runner.run(journey('x', { steps: [checkpoint('c'), branch('c', [path('a', [step('s', () => {})]), path('b', [step('t', () => {})])])] })).catch((e: unknown) => e)
    await runner.close()
    expect(refused).toBeInstanceOf(ConfigError)
    expect((refused as Error).message).toMatch(/mailCatcherWorkers: the run's "mail" port is not the embedded mail catcher \(a MailHog or Mailpit server cannot be copied\)/)
  })

  it('says so too when the remote server is also the run\'s state backend, rather than ask for the part that is already there', async () => {
    // What the plugin registers in mode 'mailpit' with rollback: a port and a backend that cannot be shared.
    const remote = { name: 'mailpit:mail', mechanism: 'delete-newer', parallelSafe: false, async connect() {}, async checkpoint() {}, async rollback() {}, async release() {}, async disconnect() {} }
    const runner = createRunner({
      baseUrl: app.url,
      ports: { mail: { list: async () => [] } },
      stateBackends: [remote],
      parallelPaths: 2,
      workerSetup: mailCatcherWorkers({ startApp: async () => ({ baseUrl: app.url }) }),
    })
    const refused = await runner.run(journey('x', { steps: [checkpoint('c'), branch('c', [path('a', [step('s', () => {})]), path('b', [step('t', () => {})])])] })).catch((e: unknown) => e)
    await runner.close()
    expect(refused).toBeInstanceOf(ConfigError)
    const errors = (refused as Error).message
    expect(errors).toMatch(/a MailHog or Mailpit server cannot be copied/)
    expect(errors).not.toMatch(/would be shared by every worker/)
  })
})
