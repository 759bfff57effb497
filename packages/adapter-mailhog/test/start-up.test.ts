/**
 * The plugin's drivers are required when first used, not when it is imported: undici (a remote server's
 * API), nodemailer (send), mailparser and libmime (reading mail) took about 100 ms to load, which every run
 * that configured the plugin paid at start-up. Runs on the built package (CI builds before the tests), each
 * case in a fresh process.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, it } from 'vitest'

const DIST = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href
const DRIVERS = ['undici', 'nodemailer', 'mailparser', 'libmime']

/** Which of the drivers Node has loaded once `after` ran, in a fresh process that imported the plugin. */
function driversLoadedAfter(after: string): string[] {
  const script = `const mail = await import(${JSON.stringify(DIST)}); ${after}; const { createRequire } = await import('node:module'); console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))`
  const files = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim().split('\n').pop()!) as string[]
  return DRIVERS.filter((name) => files.some((f) => f.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)))
}

it('importing the plugin loads none of its drivers', () => {
  expect(driversLoadedAfter('')).toEqual([])
})

it('each driver is loaded by what needs it: libmime by decoding a header, undici by a remote client', () => {
  const decoded = `if (mail.decodeEncodedWords('=?UTF-8?B?SMOpbGxv?=') !== 'H\\u00e9llo') throw new Error('not decoded')`
  expect(driversLoadedAfter(decoded)).toEqual(['libmime'])
  expect(driversLoadedAfter(`await new mail.MailHogClient({ url: 'http://127.0.0.1:9' }).close()`)).toContain('undici')
})
