import { StateError } from '@venomqa/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type MailCatcher, MailHogClient, MailpitClient, RemoteMailboxState, startMailCatcher } from '../src'
import { deliver } from './helpers'

const mail = (subject: string) => ({ from: 'app@example.com', to: 'alice@example.com', subject, text: subject })

describe('mail in checkpoints', () => {
  let catcher: MailCatcher
  beforeAll(async () => {
    catcher = await startMailCatcher()
  })
  afterAll(() => catcher.close())
  beforeEach(() => catcher.clear())

  const subjects = () => catcher.messages().map((m) => m.subject)

  describe('the catcher backend (mechanism memory)', () => {
    it('rollback removes mail received after the checkpoint and brings back mail deleted since', async () => {
      const state = catcher.stateBackend()
      // leftWhenQuit false: a run quit before it closed leaves nothing of it (its checkpoints are in memory),
      // so the quit's "closing did not finish" line does not name it.
      expect(state).toMatchObject({ name: 'mail-catcher', mechanism: 'memory', parallelSafe: false, leftWhenQuit: false })
      await state.connect()
      await deliver(catcher.smtpUrl, mail('before'))
      await state.checkpoint('cp')
      await deliver(catcher.smtpUrl, mail('after 1'))
      await deliver(catcher.smtpUrl, mail('after 2'))
      expect(subjects()).toEqual(['after 2', 'after 1', 'before'])
      await state.rollback('cp')
      expect(subjects()).toEqual(['before'])
      // the same checkpoint serves the next path too
      catcher.clear()
      expect(subjects()).toEqual([])
      await state.rollback('cp')
      expect(subjects()).toEqual(['before'])
      expect(await state.observe()).toMatchObject({ messages: 1 })
      await state.release('cp')
      await expect(state.rollback('cp')).rejects.toBeInstanceOf(StateError)
      await state.disconnect()
    })

    it('restores the Mailpit read flag too, and the API shows the rolled-back mailbox', async () => {
      const state = catcher.stateBackend()
      await deliver(catcher.smtpUrl, mail('kept'))
      await state.checkpoint('cp')
      const id = catcher.store.latest()!.mailpitId
      await fetch(`${catcher.apiUrl}/api/v1/message/${id}`) // marks it read
      await deliver(catcher.smtpUrl, mail('gone'))
      await state.rollback('cp')
      const list = (await (await fetch(`${catcher.apiUrl}/api/v1/messages`)).json()) as any
      expect(list).toMatchObject({ total: 1, unread: 1 })
      expect(list.messages[0]).toMatchObject({ Subject: 'kept', Read: false })
      const v2 = (await (await fetch(`${catcher.apiUrl}/api/v2/messages`)).json()) as any
      expect(v2.total).toBe(1)
    })

    it('nested checkpoints: rolling back to an outer one forgets the inner', async () => {
      const state = catcher.stateBackend()
      await state.checkpoint('outer')
      await deliver(catcher.smtpUrl, mail('one'))
      await state.checkpoint('inner')
      await deliver(catcher.smtpUrl, mail('two'))
      await state.rollback('inner')
      expect(subjects()).toEqual(['one'])
      await state.rollback('outer')
      expect(subjects()).toEqual([])
      await expect(state.rollback('inner')).rejects.toThrow('no checkpoint "inner" (open: outer)')
      // Taking an open name again replaces it: the rollback goes to the new one.
      await deliver(catcher.smtpUrl, mail('three'))
      await state.checkpoint('outer')
      await deliver(catcher.smtpUrl, mail('four'))
      await state.rollback('outer')
      expect(subjects()).toEqual(['three'])
      expect(state.checkpoints).toEqual(['outer'])
    })
  })

  for (const [dialect, make] of [
    ['mailhog', (url: string) => new MailHogClient({ url })],
    ['mailpit', (url: string) => new MailpitClient({ url })],
  ] as const) {
    it(`a remote ${dialect} (mechanism delete-newer): rollback deletes what arrived after the checkpoint`, async () => {
      const client = make(catcher.apiUrl)
      const state = new RemoteMailboxState(client, dialect)
      try {
        // Its checkpoints are the ids it noted, in memory: nothing set up on the server stays after a quit.
        expect(state).toMatchObject({ mechanism: 'delete-newer', parallelSafe: false, leftWhenQuit: false })
        await state.connect()
        await deliver(catcher.smtpUrl, mail('before'))
        await state.checkpoint('cp')
        await deliver(catcher.smtpUrl, mail('after'))
        expect((await client.list()).map((m) => m.subject)).toEqual(['after', 'before'])
        await state.rollback('cp')
        expect((await client.list()).map((m) => m.subject)).toEqual(['before'])
        expect(await state.observe()).toEqual({ messages: 1 })
      } finally {
        await state.disconnect()
        await client.close()
      }
    })

    it(`a remote ${dialect}: rollback deletes every mail that arrived, also past the client's maxMessages`, async () => {
      // maxMessages bounds what list() reads; the ids a rollback compares must all be read.
      const client = dialect === 'mailhog' ? new MailHogClient({ url: catcher.apiUrl, maxMessages: 2 }) : new MailpitClient({ url: catcher.apiUrl, maxMessages: 2 })
      const all = new MailpitClient({ url: catcher.apiUrl })
      const state = new RemoteMailboxState(client, dialect)
      try {
        await state.connect()
        await deliver(catcher.smtpUrl, mail('before'))
        await state.checkpoint('cp')
        for (const n of ['a1', 'a2', 'a3', 'a4']) await deliver(catcher.smtpUrl, mail(n))
        expect(await all.list()).toHaveLength(5)
        await state.rollback('cp')
        expect((await all.list()).map((m) => m.subject)).toEqual(['before'])
      } finally {
        await state.disconnect()
        await Promise.all([client.close(), all.close()])
      }
    })
  }

  it('a remote mailbox that cannot be read fails the checkpoint with a StateError', async () => {
    const client = new MailpitClient({ url: 'http://127.0.0.1:1' })
    const state = new RemoteMailboxState(client, 'mailpit')
    try {
      const err = await state.checkpoint('cp').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(/state backend "mailpit": checkpoint: cannot list the mailbox at http:\/\/127\.0\.0\.1:1/)
    } finally {
      await client.close()
    }
  })
})
