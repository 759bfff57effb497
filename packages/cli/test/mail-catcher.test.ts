/** `venomqa mail-catcher` runs the embedded catcher from the user's project until Ctrl-C or SIGTERM. */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { REPO_ROOT, canConnect, freePort, waitForHttp } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'

const bin = path.join(REPO_ROOT, 'packages/cli/dist/bin.js')

describe('venomqa mail-catcher', () => {
  it('serves SMTP and the MailHog API until Ctrl-C, then frees both ports', async () => {
    const smtp = await freePort()
    const http = await freePort()
    // examples/journeys has @venomqa/adapter-mailhog installed, as a user's project would.
    const child = spawn(process.execPath, [bin, 'mail-catcher', '--smtp-port', String(smtp), '--http-port', String(http)], {
      cwd: path.join(REPO_ROOT, 'examples/journeys'),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    try {
      await waitForHttp(`http://127.0.0.1:${http}/api/v2/messages`, 15_000, child)
      const list = (await (await fetch(`http://127.0.0.1:${http}/api/v2/messages`)).json()) as { total: number }
      expect(list.total).toBe(0)
      expect(await canConnect('127.0.0.1', smtp)).toBe(true)
      expect(out).toContain(`smtp://127.0.0.1:${smtp}`)
    } finally {
      // SIGTERM, not SIGINT: a shell that runs the suite as a background job makes its children ignore
      // SIGINT. The catcher stops the same way on both.
      child.kill('SIGTERM')
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))))
    clearTimeout(killer)
    expect(code, out).toBe(0)
    expect(await canConnect('127.0.0.1', smtp)).toBe(false)
    expect(await canConnect('127.0.0.1', http)).toBe(false)
  })

  it('names the package to install when the adapter is missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-nomail-'))
    try {
      // No NODE_PATH: pnpm sets one that would find the workspace's copy from anywhere.
      const res = spawnSync(process.execPath, [bin, 'mail-catcher'], { cwd: empty, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' }, timeout: 20_000 })
      expect(res.status).toBe(2)
      expect(res.stderr).toContain('npm install -D @venomqa/adapter-mailhog')
      expect(res.stderr).not.toMatch(/\n\s+at /)
    } finally {
      fs.rmSync(empty, { recursive: true, force: true })
    }
  })
})
