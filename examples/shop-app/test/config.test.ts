import { spawnSync } from 'node:child_process'
import { SHOP_APP_SERVER } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '@venomqa/example-app-kit'
import { BUG_IDS, DETERMINISTIC_BUGS, parseBugs } from '../src/bugs'
import { assertFreshBuild } from './support'

describe('SHOP_BUGS', () => {
  it('is every deterministic bug when unset, empty or `all`, and nothing for `none`', () => {
    for (const raw of [undefined, '', 'all', ' all ']) expect([...parseBugs(raw)], String(raw)).toEqual([...DETERMINISTIC_BUGS])
    expect(parseBugs('none').size).toBe(0)
    expect(parseBugs('all').has('flaky_stock')).toBe(false)
  })

  it('takes a comma list of ids, `all` included', () => {
    expect([...parseBugs('double_release, flaky_stock')]).toEqual(['double_release', 'flaky_stock'])
    expect([...parseBugs('all,flaky_stock')]).toEqual([...BUG_IDS])
  })

  it('refuses an unknown id or `none` mixed with ids, naming what it knows', () => {
    expect(() => parseBugs('double_relase')).toThrow(ConfigurationError)
    expect(() => parseBugs('double_relase')).toThrow(/unknown bug "double_relase".*double_release/)
    expect(() => parseBugs('none,double_release')).toThrow(/cannot be combined/)
  })

  it('the server exits 2 with one line on a bad SHOP_BUGS or DATABASE_URL, before touching any database', () => {
    assertFreshBuild()
    const start = (env: Record<string, string>) =>
      spawnSync(process.execPath, [SHOP_APP_SERVER], { env: { ...process.env, PORT: '0', ...env }, encoding: 'utf8', timeout: 10_000 })
    const badBugs = start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', SHOP_BUGS: 'nope' })
    expect(badBugs.status).toBe(2)
    expect(badBugs.stderr.trim()).toMatch(/^shop-app: SHOP_BUGS: unknown bug "nope"/)
    const badUrl = start({ DATABASE_URL: 'mysql://root@127.0.0.1/shop' })
    expect(badUrl.status).toBe(2)
    expect(badUrl.stderr.trim()).toMatch(/^shop-app: DATABASE_URL must be a postgres:\/\/ URL/)
  })
})
