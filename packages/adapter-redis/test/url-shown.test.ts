/**
 * How a message shows the URL of a Redis client: its user named and its password `***`, as core shows
 * every URL (`redis://app:***@host:6379/0`), never the password, and not with the user and password
 * dropped (`redis://host:6379/0`), which hid which account was used. No server: the clients never connect.
 */
import { ConfigError } from '@venomqa/core'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { RedisCache } from '../src'

/** The message of giving both a client and a `db` of another DB, which names the client's URL. */
function clientShownAs(url: string): string {
  const client = new Redis(url, { lazyConnect: true })
  try {
    new RedisCache({ redis: client, db: 9, prefix: 'app:' })
    return 'no error'
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return /the client is on (\S+?),/.exec((err as Error).message)?.[1] ?? (err as Error).message
  } finally {
    client.disconnect()
  }
}

it("shows a client's user and masks its password, percent-encoded as the URL gave them", () => {
  expect(clientShownAs('redis://app:S3cret-pw@127.0.0.1:6379/3')).toBe('redis://app:***@127.0.0.1:6379/3')
  expect(clientShownAs('redis://:S3cret-pw@127.0.0.1:6379/3')).toBe('redis://:***@127.0.0.1:6379/3')
  expect(clientShownAs('redis://ada%40corp:p%40ss%2Fw0rd@127.0.0.1:6379/3')).toBe('redis://ada%40corp:***@127.0.0.1:6379/3')
  expect(clientShownAs('rediss://app:S3cret-pw@127.0.0.1:6380/3')).toBe('rediss://app:***@127.0.0.1:6380/3')
  expect(clientShownAs('redis://127.0.0.1:6379/3')).toBe('redis://127.0.0.1:6379/3')
})
