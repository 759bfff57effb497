/**
 * A WireMock base URL with `user:password@`: fetch refuses a URL with credentials, so every call failed,
 * and each message printed the password, twice. Such a URL is refused at once, masked. No server is
 * needed: nothing is sent.
 */
import { UserError } from '@venomqa/core'
import { expect, it } from 'vitest'
import { WireMockAdmin, WireMockPort, WireMockState } from '../src'

const PASSWORD = 'S3cret@PW'
/** The URL spelling: `@` percent-encoded, as a password with one must be. */
const IN_URL = 'S3cret%40PW'

function refusal(make: () => unknown): Error {
  try {
    make()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a refusal')
}

it('a URL with user:password@ is refused by the admin client, the port and the state backend, naming url, never the password', () => {
  const url = `http://admin:${IN_URL}@127.0.0.1:8080`
  for (const make of [() => new WireMockAdmin(url), () => new WireMockPort({ url }), () => new WireMockState({ url })]) {
    const err = refusal(make)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).where).toBe('url')
    expect(err.message).toContain('has user:password@, which no admin call can send')
    expect(err.message).not.toContain(IN_URL)
    expect(err.message).not.toContain(PASSWORD)
  }
})

it("a URL that is not WireMock's base URL is refused without showing its password", () => {
  const err = refusal(() => new WireMockPort({ url: `ftp://admin:${IN_URL}@127.0.0.1:8080` }))
  expect(err).toBeInstanceOf(UserError)
  expect(err.message).toContain('"url" must be WireMock\'s base URL')
  expect(err.message).not.toContain(IN_URL)
  expect(err.message).not.toContain(PASSWORD)
})
