/**
 * A WireMock the user started with `--root-dir` and stub files of their own: checkpoints, rollbacks and
 * resets must never touch those files. DELETE /__admin/mappings, which they used, makes WireMock delete the
 * files under mappings/ as well: the rollback passed, and after a restart the user's stubs were gone.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WireMockPort, WireMockState, findWireMockJar, freePort } from '../src'
import { describeWithJava, send } from './helpers'

const describeJava = describeWithJava()

describeJava("a WireMock with the user's own stub files", () => {
  let root = ''
  let java: ChildProcess | undefined
  let baseUrl = ''
  const userFile = () => path.join(root, 'mappings', 'keep.json')

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'venomqa-wiremock-user-'))
    mkdirSync(path.join(root, 'mappings'))
    writeFileSync(userFile(), JSON.stringify({ request: { method: 'GET', url: '/keep' }, response: { status: 200, body: 'kept' } }))
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    java = spawn('java', ['-jar', findWireMockJar(), '--port', String(port), '--bind-address', '127.0.0.1', '--root-dir', root, '--disable-banner'], { stdio: 'ignore' })
    for (let i = 0; ; i++) {
      if ((await send(`${baseUrl}/keep`).catch(() => undefined))?.text === 'kept') break
      if (i > 600 || java.exitCode !== null) throw new Error(`WireMock on ${baseUrl} did not start`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 90_000)
  afterAll(async () => {
    if (java && java.exitCode === null) {
      const exited = new Promise((r) => java!.once('exit', r))
      java.kill('SIGTERM')
      await exited
    }
    rmSync(root, { recursive: true, force: true })
  })

  it('a rollback and a reset leave the files on disk; a stub a path made persistent goes with its file', async () => {
    const mock = new WireMockPort({ url: baseUrl })
    const state = new WireMockState(mock.admin)
    await state.connect()
    await state.checkpoint('cp')
    await mock.stub({ method: 'GET', path: '/added', body: 'added' })
    // A stub the path saves to disk (persistent) is part of what the path did: the rollback removes its file.
    await mock.admin.call('POST', 'mappings', { persistent: true, request: { method: 'GET', url: '/saved' }, response: { status: 200, body: 'saved' } })
    expect(readdirSync(path.join(root, 'mappings'))).toHaveLength(2)
    await state.rollback('cp')
    expect(existsSync(userFile())).toBe(true)
    expect(readdirSync(path.join(root, 'mappings'))).toEqual(['keep.json'])
    expect((await send(`${baseUrl}/keep`)).text).toBe('kept')
    expect((await send(`${baseUrl}/added`)).status).toBe(404)
    // Reset removes every stub from the server, still not the user's file.
    await mock.reset()
    expect((await send(`${baseUrl}/keep`)).status).toBe(404)
    expect(existsSync(userFile())).toBe(true)
    // WireMock loads the file again when asked to, as at a restart.
    await mock.admin.call('POST', 'mappings/reset')
    expect((await send(`${baseUrl}/keep`)).text).toBe('kept')
    await state.disconnect()
  }, 30_000)
})
