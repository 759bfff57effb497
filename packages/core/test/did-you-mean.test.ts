import { describe, expect, it } from 'vitest'
import { didYouMean } from '../src/did-you-mean'

describe('didYouMean', () => {
  it('gives the known name a typo was meant to be: a letter off, two swapped, the case, a missing unit', () => {
    expect(didYouMean('tiemout', ['timeout', 'retries'])).toBe('timeout')
    expect(didYouMean('baseURL', ['baseUrl', 'headers'])).toBe('baseUrl')
    expect(didYouMean('upstreamTimeout', ['upstreamTimeoutMs', 'upstream'])).toBe('upstreamTimeoutMs')
    // Two letters swapped are one slip, also in a short word.
    expect(didYouMean('dsf', ['bfs', 'dfs'])).toBe('dfs')
    expect(didYouMean('jsno', ['console', 'json', 'junit'])).toBe('json')
  })

  it('gives none for a word that is just as near to anything: two letters off a three-letter word is another word', () => {
    // `ttl` was told "did you mean url?": two of its three letters changed.
    expect(didYouMean('ttl', ['url', 'prefix', 'db'])).toBeUndefined()
    expect(didYouMean('zzz', ['url', 'tls'])).toBeUndefined()
    expect(didYouMean('mechanism', ['upstream', 'listen'])).toBeUndefined()
  })
})
