import net from 'node:net'
import { ConfigError } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { freePort } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import mailPlugin, { type MailCatcher, parseServeArgs, serveMailCatcher } from '../src'
import { accepts, deliver } from './helpers'

describe('serveMailCatcher (the catcher as a foreground service)', () => {
  it('parses its flags, and names a mistake', () => {
    expect(parseServeArgs(['--smtp-port', '2525', '--http-port=8026', '--host', '0.0.0.0'])).toEqual({ smtpPort: 2525, httpPort: 8026, host: '0.0.0.0' })
    expect(() => parseServeArgs(['--smtp-port', 'x'])).toThrow(ConfigError)
    expect(() => parseServeArgs(['--smtp-port'])).toThrow(/--smtp-port needs a value/)
    expect(() => parseServeArgs(['--port', '1'])).toThrow(/unknown option --port/)
    // Not a random port (Number('') is 0) nor port 25 (Number('0x19')): a mistake named by its flag.
    for (const value of ['', ' ', '0x19', '1e3'])
      expect(() => parseServeArgs([`--smtp-port=${value}`]), JSON.stringify(value)).toThrow(`--smtp-port must be a port from 0 to 65535, got "${value}"`)
  })

  it('`venomqa mail-catcher`: a port it cannot listen on, or an address the machine lacks, is named by its flag', async () => {
    const command = (await createRunner({ plugins: [mailPlugin] }).commands()).get('mail-catcher')!.command
    const run = async (options: Record<string, string>) => {
      try {
        await command.run({ options, args: [], stdout: { write: () => true }, stderr: { write: () => true }, cwd: process.cwd() } as never)
      } catch (err) {
        return err as ConfigError
      }
    }
    const [blocker, taken] = await listenInRange()
    try {
      const free = await freeInRange(taken)
      for (const [options, where, what] of [
        [{ smtpPort: String(taken), httpPort: String(free) }, '--smtp-port', `cannot start the SMTP server: port ${taken} on 127.0.0.1 is already in use`],
        [{ smtpPort: String(free), httpPort: String(taken) }, '--http-port', `cannot start the HTTP server: port ${taken} on 127.0.0.1 is already in use`],
        [{ smtpPort: String(free), httpPort: '0', host: '10.255.255.1' }, '--host', 'cannot start the SMTP server'],
        // One port for both, named at the second flag.
        [{ smtpPort: String(free), httpPort: String(free) }, '--http-port', `the SMTP and HTTP ports are both ${free}`],
      ] as const) {
        const err = await run(options)
        expect(err, JSON.stringify(options)).toBeInstanceOf(ConfigError)
        expect(err!.message).toContain(what)
        expect(err!.where).toBe(where)
      }
      expect(await accepts(free)).toBe(false)
    } finally {
      blocker.close()
    }
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

/** A server on a port of 47600-47699 (the range these tests may take), and its port. */
async function listenInRange(): Promise<[net.Server, number]> {
  for (let port = 47600; port < 47700; port++) {
    const server = net.createServer()
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (ok) return [server, port]
  }
  throw new Error('no free port in 47600-47699')
}

/** A port of 47600-47699 that is free now, other than `not`. */
async function freeInRange(not: number): Promise<number> {
  const [server, port] = await listenInRange()
  if (port === not) throw new Error('listenInRange gave a taken port')
  await new Promise((resolve) => server.close(resolve))
  return port
}
