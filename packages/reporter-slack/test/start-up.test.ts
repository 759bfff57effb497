/**
 * undici is loaded when a message is sent, not when the reporter is imported or made: its index takes about
 * 90 ms to load, which every run naming the reporter paid before its first step, also a run with no webhook
 * URL, which sends nothing. Runs on the built package (CI builds before the tests), each case in a fresh
 * process. The webhook is a server on this machine, in a process of its own: the checked process is run
 * synchronously, so a server in this one could not answer it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'

const DIST = path.join(import.meta.dirname, '../dist/index.js')
const isUndici = fromPackage('undici')

let webhook: ChildProcess | undefined
let webhookUrl: string
beforeAll(async () => {
  const script = `
    const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')) })
    s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port + '/services/T0/B0/secret'))`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  webhook = child
  webhookUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (d) => resolve(String(d).trim()))
  })
})
afterAll(() => {
  webhook?.kill()
})

it('importing the reporter, checking its options and making it loads no undici', () => {
  const { modules, output } = modulesLoadedBy(
    DIST,
    `const options = mod.parseSlackOptions({ title: 'nightly', onlyOnFailure: true })
     const reporter = mod.slackReporter(options)
     process.stdout.write(reporter.name + ' ' + options.title)`,
  )
  expect(output).toBe('slack nightly')
  expect(modules.filter(isUndici)).toEqual([])
})

it('sending a message loads undici, and the webhook gets it (the check can fail)', () => {
  const { modules, output } = modulesLoadedBy(DIST, `const r = await mod.sendToSlack({ text: 'hi' }, { webhookUrl: ${JSON.stringify(webhookUrl)} }); process.stdout.write(String(r.status))`)
  expect(output).toBe('200')
  expect(modules.filter(isUndici).length).toBeGreaterThan(0)
})
