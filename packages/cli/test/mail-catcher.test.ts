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

  /**
   * A project whose config lists the mail plugin beside plugins that read variables of their own
   * (`${DATABASE_URL}`), as a project that runs against a database does; its node_modules is
   * examples/journeys', which has all three installed.
   */
  function projectWith(plugins: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-mail-cmd-'))
    fs.symlinkSync(path.join(REPO_ROOT, 'examples/journeys/node_modules'), path.join(dir, 'node_modules'), 'dir')
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'mail-cmd', private: true, type: 'module' }))
    fs.writeFileSync(path.join(dir, 'venomqa.config.mjs'), `export default { baseUrl: '\${API_URL}', plugins: ${plugins} }\n`)
    return dir
  }
  /** The environment of a shell that has none of the project's variables set. */
  const withoutVariables = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: '' }
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'API_URL', 'SMTP_PORT']) delete env[name]
    return env
  }

  it("starts when a variable only another plugin's entry reads is unset, with the ports of its own entry", async () => {
    // It stopped at once: `plugins[0][1].url: environment variable DATABASE_URL is not set`, exit 2, as if the
    // catcher needed the database. `venomqa list` tolerates the same unset variables.
    const smtp = await freePort()
    const http = await freePort()
    const dir = projectWith(
      `[['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }], ['@venomqa/adapter-redis', { url: '\${REDIS_URL}', prefix: 'app:' }], ['@venomqa/adapter-mailhog', { smtpPort: ${smtp}, httpPort: ${http} }]]`,
    )
    const child = spawn(process.execPath, [bin, 'mail-catcher'], { cwd: dir, env: withoutVariables(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    try {
      await waitForHttp(`http://127.0.0.1:${http}/api/v2/messages`, 15_000, child)
      expect(await canConnect('127.0.0.1', smtp)).toBe(true)
    } catch (err) {
      throw new Error(`${(err as Error).message}; it said: ${out}`)
    } finally {
      child.kill('SIGTERM')
      const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))))
      fs.rmSync(dir, { recursive: true, force: true })
      expect(code, out).toBe(0)
    }
    expect(out).not.toContain('DATABASE_URL')
  })

  it("an unset variable in the mail plugin's own entry is still told, and only that one", () => {
    const dir = projectWith(`[['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }], ['@venomqa/adapter-mailhog', { smtpPort: '\${SMTP_PORT}' }]]`)
    try {
      const res = spawnSync(process.execPath, [bin, 'mail-catcher'], { cwd: dir, encoding: 'utf8', env: withoutVariables(), timeout: 20_000 })
      expect(res.status, res.stderr).toBe(2)
      expect(res.stderr).toBe('venomqa: venomqa.config.mjs: plugins[1][1].smtpPort: environment variable SMTP_PORT is not set (set it, or give a default: ${SMTP_PORT:-value})\n')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
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
