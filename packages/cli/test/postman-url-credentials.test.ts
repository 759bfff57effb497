/**
 * A Postman collection's URL with a user and password (`https://ada:pw@host/...`): the journey written from
 * it reads the password from the environment and keeps the rest as written, the user name too, as every
 * message shows such a URL (`ada:***@host`).
 */
import { describe, expect, it } from 'vitest'
import { credentialSpans } from '../src/postman/secrets'

describe('credentialSpans of a URL with credentials', () => {
  it('cuts out the password alone, named as one', () => {
    expect(credentialSpans('https://ada:pa55w0rd@api.example.test/x')).toEqual([
      { text: 'https://ada:', secret: false },
      { text: 'pa55w0rd', secret: true, label: 'password' },
      { text: '@api.example.test/x', secret: false },
    ])
  })

  it('cuts out each credential of a URL that holds a password and a secret query parameter', () => {
    expect(credentialSpans('https://ada:pa55w0rd@api.example.test/x?api_key=k-0123456789')).toEqual([
      { text: 'https://ada:', secret: false },
      { text: 'pa55w0rd', secret: true, label: 'password' },
      { text: '@api.example.test/x?api_key=', secret: false },
      { text: 'k-0123456789', secret: true, label: 'api_key' },
    ])
  })

  it('takes a user name alone for the credential, as a token is often written there', () => {
    expect(credentialSpans('https://0a1b2c3d4e5f60718293@github.com/org/repo.git')).toEqual([
      { text: 'https://', secret: false },
      { text: '0a1b2c3d4e5f60718293', secret: true },
      { text: '@github.com/org/repo.git', secret: false },
    ])
  })
})
