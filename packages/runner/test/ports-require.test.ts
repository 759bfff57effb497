/** `ports.require(name)` for a port that is not there: the near miss of a typo, and the ports there are. */
import { VenomError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { makePorts } from '../src/runner'

const refusal = (fn: () => unknown): VenomError => {
  try {
    fn()
  } catch (err) {
    return err as VenomError
  }
  throw new Error('expected a refusal')
}

describe('ports.require of a port that is not registered', () => {
  const ports = makePorts(new Map<string, unknown>([['queue', {}], ['cache', {}]]))

  it('names the registered port a typo is near, and the ports there are', () => {
    const err = refusal(() => ports.require('quue'))
    expect(err.code).toBe('E_PORT_MISSING')
    expect(err.message).toBe('no "quue" port is registered: did you mean "queue"? (registered: queue, cache)')
  })

  it('names a known port that is near but not registered with what provides it', () => {
    expect(refusal(() => ports.require('maill')).message).toBe(
      'no "maill" port is registered (registered: queue, cache): did you mean "mail"? "mail" comes from @venomqa/adapter-mailhog, or \'memory\' (in-memory ports).',
    )
  })

  it('with nothing near, lists the ports there are and says to add the plugin, as before', () => {
    expect(refusal(() => ports.require('payments')).message).toBe('no "payments" port is registered (registered: queue, cache); add the adapter plugin that provides it')
    expect(refusal(() => makePorts(new Map()).require('payments')).message).toBe('no "payments" port is registered (registered: none); add the adapter plugin that provides it')
  })
})
