/**
 * The plugin's drivers are required when first used, not when it is imported: undici (a remote server's
 * API), smtp-server (the embedded catcher), nodemailer (send), mailparser and libmime (reading mail) took
 * about 100 ms to load, which every run that configured the plugin paid at start-up. Runs on the built package (CI builds before the tests), each
 * case in a fresh process.
 */
import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { expect, it } from 'vitest'

const DIST = path.join(import.meta.dirname, '../dist/index.js')
const DRIVERS = ['undici', 'smtp-server', 'nodemailer', 'mailparser', 'libmime']

/** Which of the drivers Node has loaded once `after` ran, in a fresh process that imported the plugin as `mod`. */
function driversLoadedAfter(after: string): string[] {
  const { modules } = modulesLoadedBy(DIST, after)
  return DRIVERS.filter((name) => modules.some(fromPackage(name)))
}

it('importing the plugin loads none of its drivers', () => {
  expect(driversLoadedAfter('')).toEqual([])
})

it('each driver is loaded by what needs it: libmime by decoding a header, undici by a remote client', () => {
  const decoded = `if (mod.decodeEncodedWords('=?UTF-8?B?SMOpbGxv?=') !== 'H\\u00e9llo') throw new Error('not decoded')`
  expect(driversLoadedAfter(decoded)).toEqual(['libmime'])
  expect(driversLoadedAfter(`await new mod.MailHogClient({ url: 'http://127.0.0.1:9' }).close()`)).toContain('undici')
})
