import { CheckpointStack, type StateBackend, definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { type RunnerOptions, createRunner, memoryPorts } from '../src/index'

// A third-party plugin's state backend (a directory of files the app writes), which no worker setup of
// VenomQA copies. The refusal of parallel work used to tell such a project to add postgresWorkers from
// @venomqa/state-postgres, a package for a database it does not have.
function filesBackend(name: string): StateBackend {
  const stack = new CheckpointStack<string>(name)
  return {
    name,
    mechanism: 'snapshot',
    parallelSafe: false,
    async connect() {},
    checkpoint: (c) => stack.take(c, () => c),
    rollback: (c) => stack.rollback(c, () => {}),
    release: (c) => stack.release(c),
    async disconnect() {},
  }
}
const filesPlugin = definePlugin({ name: 'venomqa-plugin-files', version: '1.0.0', apiVersion: 1, setup: (api) => api.addStateBackend(filesBackend('files')) })
const hooksPlugin = definePlugin({ name: 'venomqa-plugin-hooks', version: '1.0.0', apiVersion: 1, setup: (api) => api.addStateBackend(filesBackend('hooks')) })
// A reporter's plugin has no system to copy: it is not named.
const tapPlugin = definePlugin({ name: 'venomqa-plugin-tap', version: '1.0.0', apiVersion: 1, setup: (api) => api.addReporter('tap', () => ({ name: 'tap', render: () => '' })) })
const journeys = [journey('a', { steps: [step('s', () => {})] }), journey('b', { steps: [step('s', () => {})] })]

async function refusal(plugins: RunnerOptions['plugins'], extra: RunnerOptions = {}): Promise<string> {
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', plugins, ...extra })
  try {
    const err = await runner.run(journeys).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    return err?.message ?? 'no refusal'
  } finally {
    await runner.close()
  }
}

describe('the refusal of parallel work over a third-party state backend', () => {
  it('names a worker part for its backend, not postgresWorkers', async () => {
    const message = await refusal([filesPlugin, tapPlugin], { parallelPaths: 2 })
    expect(message).toContain('state backend "files" (snapshot) is not parallel-safe')
    expect(message).toContain(
      `2. give every worker its own system: add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): a worker part for the state backend no setup of VenomQA copies, "files" (venomqa-plugin-files): its plugin's own if it exports one (see its README), else a WorkerPart of your own that gives each worker a copy and syncs it to the checkpoint ("Any other system"), see docs/parallel.md;`,
    )
    expect(message).not.toContain('postgresWorkers')
    expect(message).not.toContain('venomqa-plugin-tap')
  })

  it('joins the parts of two such backends with composeWorkers', async () => {
    const message = await refusal([filesPlugin, hooksPlugin], { workers: 2 })
    expect(message).toContain(
      'add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): composeWorkers of a worker part for each state backend no setup of VenomQA copies, "files" (venomqa-plugin-files), "hooks" (venomqa-plugin-hooks): ',
    )
    expect(message).not.toContain('postgresWorkers')
  })

  it('names the setup of a plugin VenomQA knows beside the part of a third-party one', async () => {
    const message = await refusal([memoryPorts(), filesPlugin], { parallelPaths: 2 })
    expect(message).toContain('composeWorkers of memoryWorkers from @venomqa/runner and a worker part for the state backend no setup of VenomQA copies, "files" (venomqa-plugin-files): ')
  })
})
