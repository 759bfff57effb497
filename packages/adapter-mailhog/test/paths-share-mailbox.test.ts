/**
 * A MailHog or Mailpit mailbox without `rollback: true` takes no part in checkpoints: every path after the
 * first of a branch starts with the mail the paths before it caused, and a waitForEmail there passed on one
 * of theirs, with nothing said. The run now says so once, at the first such path, naming the option.
 */
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterEach, beforeEach, expect, it, describe } from 'vitest'
import mailPlugin, { type MailCatcher, startMailCatcher } from '../src'
import { deliver } from './helpers'

/** Path "a" makes the mail; path "b" makes none, yet its wait finds a's. */
const sharedMailbox = (smtpUrl: string) =>
  journey('welcome_mail', {
    requires: ['mail'],
    steps: [
      checkpoint('start'),
      branch('start', [
        path('a', [step('send', () => deliver(smtpUrl, { from: 'app@example.com', to: 'ann@example.com', subject: 'Welcome', text: 'x' }))]),
        path('b', [step('wait', ({ ports }) => ports.require('mail').waitForEmail({ to: 'ann@example.com', timeoutMs: 300 }))]),
      ]),
    ],
  })

describe('a remote mailbox that takes no part in checkpoints', () => {
  let catcher: MailCatcher
  beforeEach(async () => {
    catcher = await startMailCatcher()
  })
  afterEach(() => catcher.close())

  async function runWith(rollback: boolean): Promise<{ status: string; warnings: string[] }> {
    const warnings: string[] = []
    const runner = createRunner({
      plugins: [[mailPlugin, { mode: 'mailhog', url: catcher.apiUrl, rollback }]],
      logger: { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) },
    })
    try {
      const result = await runner.run(sharedMailbox(catcher.smtpUrl))
      return { status: result.status, warnings }
    } finally {
      await runner.close()
    }
  }

  it('is told once, at the first path that starts with the mail of the paths before it', async () => {
    const { status, warnings } = await runWith(false)
    expect(status).toBe('passed') // b's wait found a's mail: what the warning is about
    expect(warnings.filter((w) => w.includes('rollback'))).toEqual([
      `[@venomqa/adapter-mailhog] the mailbox at ${catcher.apiUrl} takes no part in checkpoints (rollback is off): path "b" of the branch from "start" in journey "welcome_mail" starts with the mail the paths before it caused, and a waitForEmail there can match one of theirs. Set plugins[0].rollback: true for a mailbox only this run uses (venomqa mail-catcher's)`,
    ])
  })

  it('says nothing with rollback: true, where path b starts from an empty box', async () => {
    const { status, warnings } = await runWith(true)
    expect(status).toBe('failed') // b's wait times out: no mail of its own
    expect(warnings.filter((w) => w.includes('rollback'))).toEqual([])
  })
})
