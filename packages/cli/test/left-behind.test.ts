/** What a second Ctrl-C says is left, from where the run had got to: LeftBehind driven by the hooks the runner fires. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { workerDatabaseMade, workerSetupMade } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LeftBehind } from '../src/commands/left-behind'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-left-behind-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

// The hooks take the events' fields these need; the rest of an event is left out.
type Hooks = Record<string, (event: unknown) => void>
const journey = (name: string) => ({ journey: { name } })
const checkpoint = (name: string) => ({ journey: 'checkout', path: 'main', name, durationMs: 1, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 1 }] })

describe('LeftBehind', () => {
  it('while setting up: no file was written, and closing what was set up did not happen', () => {
    const left = new LeftBehind(dir, false)
    left.outputs = [path.join(dir, 'results.json')]
    expect(left.lines()).toEqual([
      'no results or report file was written',
      // The backends are not known yet: what one may leave.
      expect.stringMatching(/^setting up did not finish, nor did closing what was set up: a state backend may keep what it set up in the system under test until the next run connects \(/),
    ])
  })

  it('a journey repeated on two workers is not put back while one of its runs is under way', () => {
    const left = new LeftBehind(dir, true)
    const hooks = left.reporter.hooks as Hooks
    left.stage = 'running'
    hooks.journeyStart!(journey('checkout'))
    hooks.journeyStart!(journey('checkout'))
    hooks.checkpoint!(checkpoint('cart'))
    hooks.journeyEnd!(journey('checkout'))
    expect(left.lines()[0]).toBe(
      `journey "checkout" was not put back to its checkpoint "cart" (postgres): what it wrote since is still in the app's data, and the next run starts from it`,
    )
    expect(left.lines()).toContain("the workers' databases and apps may still be there")
    // A name built from data is escaped and masked, as the console prints it.
    hooks.journeyStart!(journey('sync\u001b[2J token=sk-abc123XYZ'))
    hooks.checkpoint!({ ...checkpoint('base'), journey: 'sync\u001b[2J token=sk-abc123XYZ' })
    const line = left.lines()[1]!
    expect(line).toMatch(/^journey "sync.+\[2J token=\[REDACTED\]" was not put back to its checkpoint "base"/)
    expect(line).not.toContain('\u001b')
    hooks.journeyEnd!(journey('sync\u001b[2J token=sk-abc123XYZ'))
    hooks.rollback!({ journey: 'checkout', path: 'main', checkpoint: 'cart', durationMs: 1, backends: [], reason: 'interrupt' })
    expect(left.lines().some((line) => line.startsWith('journey'))).toBe(false)
  })

  it('a backend that undoes what the run left itself (a proxy) leaves nothing in the app\'s data, nor tracking tables', () => {
    const left = new LeftBehind(dir, false)
    const hooks = left.reporter.hooks as Hooks
    left.backends = [{ name: 'pg-proxy:shop', undoesOpenCheckpointsWhenLetGo: true }]
    left.stage = 'running'
    hooks.journeyStart!(journey('checkout'))
    hooks.checkpoint!({ ...checkpoint('cart'), backends: [{ backend: 'pg-proxy:shop', mechanism: 'proxy', durationMs: 1 }] })
    expect(left.lines()).toEqual([
      'journey "checkout" was not put back to its checkpoint "cart" by the run, but pg-proxy:shop undoes it itself once this process ends, so the next run does not start from it',
      'closing did not finish: a server a plugin started may still run',
    ])
    // Beside a backend that does not: that one's part stays, and so does its tracking.
    left.backends = [{ name: 'pg-proxy:shop', undoesOpenCheckpointsWhenLetGo: true }, { name: 'redis' }]
    hooks.journeyStart!(journey('sync'))
    hooks.checkpoint!({ ...checkpoint('base'), journey: 'sync', backends: ['pg-proxy:shop', 'redis'].map((backend) => ({ backend, mechanism: 'x', durationMs: 1 })) })
    expect(left.lines()).toEqual([
      expect.stringContaining('by the run, but pg-proxy:shop undoes it itself'),
      `journey "sync" was not put back to its checkpoint "base" (redis): what it wrote since is still in the app's data, and the next run starts from it; pg-proxy:shop undoes its part itself once this process ends`,
      // One that does not say what it leaves may leave what it set up.
      'closing did not finish: redis may keep what it set up in the system under test until the next run connects; a server a plugin started may still run',
    ])
  })

  it('a journey quit while it was being put back names only the backends that had not put their part back', () => {
    // The interrupted journey's rollback goes backend after backend; a quit in the middle named them all,
    // those whose part was back already among them (a user then looked for writes that were gone).
    const left = new LeftBehind(dir, false)
    const hooks = left.reporter.hooks as Hooks
    const names = ['postgres:app', 'redis', 'mail-catcher', 'wiremock']
    left.backends = names.map((name) => ({ name, leftWhenQuit: false }))
    left.stage = 'running'
    hooks.journeyStart!(journey('ctrl_c'))
    hooks.checkpoint!({ ...checkpoint('cp'), journey: 'ctrl_c', backends: names.map((backend) => ({ backend, mechanism: 'x', durationMs: 1 })) })
    const progress = { journey: 'ctrl_c', checkpoint: 'cp', reason: 'interrupt' as const }
    left.onPutBack({ ...progress, done: [] })
    expect(left.lines()[0]).toBe(
      `journey "ctrl_c" was not put back to its checkpoint "cp" (postgres:app, redis, mail-catcher, wiremock): what it wrote since is still in the app's data, and the next run starts from it`,
    )
    left.onPutBack({ ...progress, done: ['postgres:app', 'redis', 'mail-catcher'] })
    expect(left.lines()).toEqual([
      `journey "ctrl_c" was put back to its checkpoint "cp" in postgres:app, redis, mail-catcher only, not in wiremock: what it wrote there since is still in the app's data, and the next run starts from it`,
      'closing did not finish: a server a plugin started may still run',
    ])
    // Every part back, the rollback's hook not come yet: nothing of it stays.
    left.onPutBack({ ...progress, done: names })
    expect(left.lines()).toEqual(['closing did not finish: a server a plugin started may still run'])
  })

  it('a journey whose put-back failed is still said not put back after it ended, with the backends that had not put their part back', () => {
    const left = new LeftBehind(dir, false)
    const hooks = left.reporter.hooks as Hooks
    left.backends = [{ name: 'postgres', leftWhenQuit: false }, { name: 'wiremock', leftWhenQuit: false }]
    left.stage = 'running'
    hooks.journeyStart!(journey('checkout'))
    hooks.checkpoint!({ ...checkpoint('cart'), backends: ['postgres', 'wiremock'].map((backend) => ({ backend, mechanism: 'x', durationMs: 1 })) })
    left.onPutBack({ journey: 'checkout', checkpoint: 'cart', reason: 'interrupt', done: ['postgres'] })
    left.onPutBack({ journey: 'checkout', checkpoint: 'cart', reason: 'interrupt', done: ['postgres'], failed: true })
    hooks.journeyEnd!(journey('checkout'))
    const line = `journey "checkout" was put back to its checkpoint "cart" in postgres only, not in wiremock: what it wrote there since is still in the app's data, and the next run starts from it`
    expect(left.lines()[0]).toBe(line)
    left.stage = 'closing'
    expect(left.lines()[0]).toBe(line)
    // A journey that ended put back is gone from the list, as before.
    hooks.journeyStart!(journey('other'))
    hooks.checkpoint!({ ...checkpoint('x'), journey: 'other' })
    hooks.rollback!({ journey: 'other', path: 'main', checkpoint: 'x', durationMs: 1, backends: [], reason: 'interrupt' })
    hooks.journeyEnd!(journey('other'))
    expect(left.lines().filter((l) => l.startsWith('journey'))).toEqual([line])
  })

  it('what closing would have removed is each backend\'s own words; one that leaves nothing is not named', () => {
    const left = new LeftBehind(dir, false)
    left.backends = [
      { name: 'postgres:shop', leftWhenQuit: "keeps its tracking in the database (schema _venomqa, with triggers on the app's tables)" },
      { name: 'redis', leftWhenQuit: false },
      { name: 'kv\u001b[2J', leftWhenQuit: 'keeps token=sk-abc123XYZ' },
    ]
    left.stage = 'running'
    expect(left.lines()).toEqual([
      "closing did not finish: postgres:shop keeps its tracking in the database (schema _venomqa, with triggers on the app's tables) until the next run connects; kv\\x1b[2J keeps token=[REDACTED] until the next run connects; a server a plugin started may still run",
    ])
    left.backends = [{ name: 'redis', leftWhenQuit: false }]
    expect(left.lines()).toEqual(['closing did not finish: a server a plugin started may still run'])
  })

  it('names the worker databases not dropped yet, in order, with the statements that drop them', () => {
    const left = new LeftBehind(dir, true)
    left.stage = 'running'
    const dropped = [
      workerDatabaseMade({ name: 'shop_w10', drop: 'DROP DATABASE IF EXISTS "shop_w10" WITH (FORCE)' }),
      workerDatabaseMade({ name: 'shop_w2', drop: 'DROP DATABASE IF EXISTS `shop_w2`' }),
    ]
    try {
      expect(left.lines().slice(-2)).toEqual([
        'the worker databases "shop_w2", "shop_w10" are still there (a later run drops one only if it makes that same worker again): drop them with DROP DATABASE IF EXISTS `shop_w2`; DROP DATABASE IF EXISTS "shop_w10" WITH (FORCE)',
        "the workers' apps may still be there",
      ])
      dropped[0]!()
      expect(left.lines().at(-2)).toBe(
        'the worker database "shop_w2" is still there (a later run drops one only if it makes that same worker again): drop it with DROP DATABASE IF EXISTS `shop_w2`',
      )
    } finally {
      for (const drop of dropped) drop()
    }
    expect(left.lines().at(-1)).toBe("the workers' databases and apps may still be there")
  })

  it('names what else worker setups made (Redis keys) in a line of its own kind, after the databases', () => {
    const left = new LeftBehind(dir, true)
    left.stage = 'closing'
    const removeKeys = (w: number) => `redis-cli -n 14 --scan --pattern 'w${w}:app:*' | xargs redis-cli -n 14 del`
    const removed = [
      workerSetupMade({ kind: 'Redis keys', name: 'w10:app:*', where: 'DB 14', remove: removeKeys(10) }),
      workerSetupMade({ kind: 'Redis keys', name: 'w2:app:*', where: 'DB 14', remove: removeKeys(2) }),
      workerSetupMade({ kind: 'database', name: 'shop_w2', remove: 'DROP DATABASE IF EXISTS `shop_w2`' }),
    ]
    try {
      expect(left.lines().slice(-3)).toEqual([
        'the worker database "shop_w2" is still there (a later run drops one only if it makes that same worker again): drop it with DROP DATABASE IF EXISTS `shop_w2`',
        `the worker Redis keys "w2:app:*" (DB 14), "w10:app:*" (DB 14) are still there (a later run removes them only if it makes that same worker again): remove them with ${removeKeys(2)}; ${removeKeys(10)}`,
        "the workers' apps may still be there",
      ])
      removed[2]!()
      removed[0]!()
      // Keys are several things already: "are" and "them", even for one worker's.
      expect(left.lines().at(-2)).toBe(
        `the worker Redis keys "w2:app:*" (DB 14) are still there (a later run removes them only if it makes that same worker again): remove them with ${removeKeys(2)}`,
      )
    } finally {
      for (const remove of removed) remove()
    }
    expect(left.lines().at(-1)).toBe("the workers' databases and apps may still be there")
  })

  it('names the files not written yet, and once closed only what finishing writes', async () => {
    const left = new LeftBehind(dir, false)
    const written = path.join(dir, 'junit.xml')
    await writeFile(written, '<testsuites/>')
    left.outputs = [path.join(dir, 'results.json'), written]
    left.stage = 'reporting'
    expect(left.lines()[0]).toBe('not written: results.json')
    left.stage = 'finishing'
    expect(left.lines()).toEqual(['the reports and results were written; a problem closing found may be missing from them, and `--last-failed` has no record of this run'])
  })
})
