import { describe, expect, it } from 'vitest'
import { parsePluginFlag } from '../src/plugins/flag'

describe('--plugin name?options', () => {
  it('takes a key with no "=" as true, as a flag; "key=" stays the empty string', () => {
    expect(parsePluginFlag('tap?steps')).toEqual(['tap', { steps: true }])
    expect(parsePluginFlag('tap?steps&out=x.tap&tls.verify')).toEqual(['tap', { steps: true, out: 'x.tap', tls: { verify: true } }])
    expect(parsePluginFlag('tap?steps=')).toEqual(['tap', { steps: '' }])
    expect(parsePluginFlag('tap?steps=false')).toEqual(['tap', { steps: false }])
  })

  it('still reads key=value pairs as a URL query, and skips empty pairs', () => {
    expect(parsePluginFlag('redis?url=redis://127.0.0.1:6379&prefix=a%26b%3Dc&&n=5')).toEqual(['redis', { url: 'redis://127.0.0.1:6379', prefix: 'a&b=c', n: 5 }])
    expect(() => parsePluginFlag('tap?=1')).toThrow('--plugin tap: an option has no name')
  })
})
