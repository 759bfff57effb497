/**
 * http-control's connect is one GET of the app's state: a signal that aborts (the run stopped waiting)
 * ends it at once, where it waited out its own timeout. A silent server stands in for an app that hangs.
 */
import { abortedAgainstSilentServer, startSilentServer } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { httpControlState } from '../src/index'

it('an aborted connect ends at once with the signal reason, not at its own timeout', async () => {
  const { settled, reason } = await abortedAgainstSilentServer(({ url }, signal) => httpControlState({ url, timeoutMs: 60_000 }).connect({ signal }))
  expect(settled).toBe(reason)
})

it('without a signal, a server that does not answer still fails at the timeout, naming the call', async () => {
  const silent = await startSilentServer()
  try {
    const backend = httpControlState({ url: silent.url, timeoutMs: 200 })
    await expect(backend.connect()).rejects.toThrow(`GET ${silent.url}/__venomqa/state failed`)
  } finally {
    await silent.close()
  }
})
