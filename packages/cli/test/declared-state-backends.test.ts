/**
 * A plugin's `stateBackends(options)` is read before any plugin is set up, to refuse a parallel run with no
 * workerSetup before setups start servers or connect (Runner.refuseParallelBeforeSetup). A declaration that
 * drifted from what setup registers would refuse a run that is fine, or let through one that is refused
 * later. For every first-party plugin and options that take each of its ways, the declared backends are
 * exactly those its setup registers: set up for real (a managed WireMock and the embedded mail catcher
 * start; the database and Redis URLs are the machine's), then closed.
 */
import path from 'node:path'
import { type Plugin, declaredStateBackends } from '@venomqa/core'
import { checkPluginEntries, createRunner, httpControlPlugin, memoryPorts } from '@venomqa/runner'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { assertBuilt } from './helpers/project'

/** A first-party plugin package as a project installs it: its built entry's default export. */
async function firstParty(pkg: string): Promise<Plugin<any>> {
  return ((await import(path.join(REPO_ROOT, 'packages', pkg, 'dist/index.js'))) as { default: Plugin<any> }).default
}

const PG = 'postgres://postgres@127.0.0.1:5432/vqdecl_declared'
const MYSQL = 'mysql://root@127.0.0.1:3306/vqdecl_declared'
const REDIS = 'redis://127.0.0.1:6379/4'

/** Each plugin (by package, or a built-in) with options sets that take each way its declaration has. */
const CASES: [string, () => Promise<Plugin<any>>, Record<string, unknown>[]][] = [
  [
    '@venomqa/state-postgres',
    () => firstParty('state-postgres'),
    [{ url: PG }, { url: PG, mechanism: 'savepoint' }, { url: PG, mechanism: 'template' }, { connectionString: PG, name: 'orders' }],
  ],
  ['@venomqa/state-mysql', () => firstParty('state-mysql'), [{ url: MYSQL }, { url: MYSQL, mechanism: 'savepoint', name: 'shop' }]],
  [
    '@venomqa/adapter-redis',
    () => firstParty('adapter-redis'),
    [{ url: REDIS, prefix: 'vqdecl:' }, { url: REDIS, state: { prefix: 'vqdecl:', name: 'sessions' } }, { url: REDIS, state: false }],
  ],
  ['@venomqa/pg-proxy', () => firstParty('pg-proxy'), [{ upstream: PG, listen: '127.0.0.1:0' }, { control: 'http://127.0.0.1:9' }, { control: 'http://127.0.0.1:9', name: 'db' }]],
  ['@venomqa/adapter-elasticsearch', () => firstParty('adapter-elasticsearch'), [{ node: 'http://127.0.0.1:9200' }]],
  ['@venomqa/reporter-html', () => firstParty('reporter-html'), [{}]],
  ['@venomqa/reporter-slack', () => firstParty('reporter-slack'), [{}]],
  ['@venomqa/adapter-wiremock', () => firstParty('adapter-wiremock'), [{ managed: true }, { url: 'http://127.0.0.1:9', state: { name: 'stubs' } }, { url: 'http://127.0.0.1:9', state: false }]],
  [
    '@venomqa/adapter-mailhog',
    () => firstParty('adapter-mailhog'),
    [{}, { portName: 'inbox' }, { mode: 'mailpit', url: 'http://127.0.0.1:9', rollback: true }, { mode: 'mailhog', url: 'http://127.0.0.1:9' }],
  ],
  ['memory', async () => memoryPorts(), [{}, { state: false }, { ports: ['cache'] }]],
  // Options given in code count too: config's win over them, in setup and in the declaration alike.
  ['memory, { state: false } in code', async () => memoryPorts({ state: false }), [{}, { state: true }]],
  ['http-control', async () => httpControlPlugin, [{}, { url: 'http://127.0.0.1:9', name: 'app' }]],
]

/** What `plugin` declares with `options` (checked as the runner checks them), and what its setup registers. */
async function declaredAndRegistered(plugin: Plugin<any>, options: Record<string, unknown>) {
  const [checked] = await checkPluginEntries([[plugin, options]])
  const declared = declaredStateBackends(plugin, checked!.options)
  const runner = createRunner({ plugins: [[plugin, options]], baseUrl: 'http://127.0.0.1:9' })
  try {
    await runner.init()
    const registered = runner.registry.stateBackends.map(({ name, mechanism, parallelSafe }) => ({ name, mechanism, parallelSafe }))
    return { declared, registered }
  } finally {
    await runner.close()
  }
}

describe('the state backends a first-party plugin declares are those its setup registers', () => {
  assertBuilt()
  for (const [name, load, optionSets] of CASES)
    it(name, async () => {
      const plugin = await load()
      for (const options of optionSets) {
        const { declared, registered } = await declaredAndRegistered(plugin, options)
        expect(declared, JSON.stringify(options)).toEqual(registered)
      }
    })
})
