/**
 * The runner's own plugin option schemas (memory, http-control): zod/mini, bundled into the runner's build,
 * with the messages of the plugin contract. Checking them loads no module of the zod package: the whole of
 * zod cost a run that configured either plugin about 50 ms of start-up.
 */
import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { memoryPorts, memoryPortsOptions } from '../src/adapters/memory-ports'
import { checkPluginEntries } from '../src/plugin-entries'
import { httpControlOptions, httpControlPlugin, httpControlState } from '../src/state/http-control'

describe("the runner's option schemas", () => {
  it('are Standard Schemas with the messages of the plugin contract', () => {
    expect(memoryPortsOptions['~standard'].vendor).toBe('zod')
    expect(httpControlOptions.safeParse({ url: 'ftp://x' }).error?.issues[0]?.message).toBe('expected an http:// or https:// URL')
    expect(() => memoryPorts({ ports: ['nope' as 'cache'] })).toThrow('memoryPorts().ports[0]: expected one of cache, mail, queue, storage, time, concurrency, got "nope"')
    expect(() => memoryPorts({ maxWorkers: 1.5 })).toThrow('memoryPorts().maxWorkers: expected a whole number of 1 or more, got 1.5')
    expect(() => memoryPorts({ freezeTime: 'soon' })).toThrow('memoryPorts().freezeTime: expected true, false or a date (e.g. "2024-01-01T00:00:00Z"), got "soon"')
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', timeoutMs: -1 })).toThrow('httpControlState().timeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -1')
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', timeoutMs: 2.5 })).toThrow('httpControlState().timeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5')
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', timeoutMs: 2_147_483_648 })).toThrow('httpControlState().timeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648')
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', timeout: 5 } as never)).toThrow('httpControlState().timeout: renamed to timeoutMs (milliseconds)')
    // A library default, cut to what is expected, with the value the user gave.
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', prefix: 3 } as never)).toThrow('httpControlState().prefix: expected string, got 3')
  })
})

it("names the config file an entry is written in before its place, and an entry with none by its place alone", async () => {
  const err = await checkPluginEntries([
    { plugin: httpControlPlugin, options: { url: 'ftp://x' }, where: 'plugins[0]', file: 'venomqa.json' },
    { plugin: httpControlPlugin, options: { url: 'ftp://y' }, where: '--plugin http-control?' },
  ]).catch((e: unknown) => e)
  expect((err as Error).message).toBe(
    [
      '2 problems with plugin options:',
      '  - venomqa.json: plugins[0].url: expected an http:// or https:// URL, got "ftp://x"',
      '  - --plugin http-control?url: expected an http:// or https:// URL, got "ftp://y"',
    ].join('\n'),
  )
  expect(err).toMatchObject({ code: 'E_CONFIG', where: 'plugins[0]' })
})

it('the built runner loads no module of the zod package, also when it checks those options, with English messages', () => {
  const { modules, output } = modulesLoadedBy(
    path.join(import.meta.dirname, '../dist/index.js'),
    `mod.memoryPorts({ ports: ['cache'] })
    mod.httpControlState({ url: 'http://127.0.0.1:1' })
    // zod's own message, not a custom one: the build keeps the English locale the schemas set.
    try { mod.httpControlState({ url: 'http://127.0.0.1:1', prefix: 3 }) } catch (err) { console.log(err.message) }`,
  )
  expect(output).toBe('httpControlState().prefix: expected string, got 3')
  expect(modules.some((m) => m.includes(`${path.sep}packages${path.sep}runner${path.sep}dist${path.sep}`))).toBe(true)
  expect(modules.filter(fromPackage('zod'))).toEqual([])
})
