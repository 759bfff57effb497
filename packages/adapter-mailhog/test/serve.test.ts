import { ConfigError } from '@venomqa/core'
import { freePort } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { type MailCatcher, parseServeArgs, serveMailCatcher } from '../src'
import { accepts, deliver } from './helpers'

describe('serveMailCatcher (the catcher as a foreground service)', () => {
  it('parses its flags, and names a mistake', () => {
    expect(parseServeArgs(['--smtp-port', '2525', '--http-port=8026', '--host', '0.0.0.0'])).toEqual({ smtpPort: 2525, httpPort: 8026, host: '0.0.0.0' })
    expect(() => parseServeArgs(['--smtp-port', 'x'])).toThrow(ConfigError)
    expect(() => parseServeArgs(['--smtp-port'])).toThrow(/--smtp-port needs a value/)
    expect(() => parseServeArgs(['--port', '1'])).toThrow(/unknown option --port/)
  })

  it('listens until stopped, prints both URLs, and frees the ports', async () => {
    const [smtpPort, httpPort] = [await freePort(), await freePort()]
    const ac = new AbortController()
    let out = ''
    let catcher: MailCatcher | undefined
    const done = serveMailCatcher(['--smtp-port', String(smtpPort), '--http-port', String(httpPort)], {
      stdout: { write: (t: string) => (out += t) },
      signal: ac.signal,
      onReady: (c) => (catcher = c),
    })
    await expect.poll(() => catcher).toBeDefined()
    expect(out).toContain(`SMTP smtp://127.0.0.1:${smtpPort}`)
    expect(out).toContain(`API  http://127.0.0.1:${httpPort}`)
    await deliver(catcher!.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'served', text: 'x' })
    const list = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/messages`)).json()) as { total: number }
    expect(list.total).toBe(1)
    ac.abort()
    await done
    expect(out).toContain('mail catcher stopped')
    expect(await accepts(smtpPort)).toBe(false)
    expect(await accepts(httpPort)).toBe(false)
  })
})
