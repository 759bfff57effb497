import { type StateBackend, action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src/index'

// No API: actions that only count in the context, and a state backend of the user's own that keeps
// nothing, so each worker has a backend that rolls back and observes under its own name.
function memoryBackend(name: string): StateBackend {
  return {
    name,
    mechanism: 'memory',
    parallelSafe: true,
    connect: async () => {},
    checkpoint: async () => {},
    rollback: async () => {},
    release: async () => {},
    observe: async () => ({ rows: 0 }),
    disconnect: async () => {},
  }
}

const counter = (name: string) => action(name, ({ ctx }) => void ctx.set(name, true), { maxPerPath: 1 })
const wide = exploration('wide', { actions: ['a', 'b', 'c', 'd'].map(counter), depth: 2, seed: 7, dedupe: false })

it('on two workers, observe timings are kept under each worker backend name, as rollback timings are', async () => {
  const runner = createRunner({
    stateBackends: [memoryBackend('memory:app')],
    workerSetup: { create: async (index) => ({ baseUrl: 'http://127.0.0.1:1', stateBackends: [memoryBackend(`memory:app_w${index}`)] }) },
  })
  try {
    const r = await explore(wide, { runner, root: process.cwd(), emitDir: false, workers: 2 })
    expect(r.workers!.every((w) => w.transitions > 0)).toBe(true)
    expect(Object.keys(r.timings.rollback)).toEqual(expect.arrayContaining(['memory:app', 'memory:app_w1']))
    expect(Object.keys(r.timings.observe).sort()).toEqual(['memory:app', 'memory:app_w1'])
  } finally {
    await runner.close()
  }
})

it('on two workers, timings of one name on both (the context, a backend named alike) say both workers, not one', async () => {
  // Pooled under the bare name, the context's count was both workers' with nothing saying so.
  const runner = createRunner({
    stateBackends: [memoryBackend('memory')],
    workerSetup: { create: async () => ({ baseUrl: 'http://127.0.0.1:1', stateBackends: [memoryBackend('memory')] }) },
  })
  try {
    const r = await explore(wide, { runner, root: process.cwd(), emitDir: false, workers: 2 })
    expect(r.workers!.every((w) => w.transitions > 0)).toBe(true)
    expect(Object.keys(r.timings.rollback).sort()).toEqual(['context on workers 0, 1', 'memory on workers 0, 1'])
    expect(Object.keys(r.timings.observe)).toEqual(['memory on workers 0, 1'])
  } finally {
    await runner.close()
  }
})

it('on one worker, timings keep the bare names', async () => {
  const runner = createRunner({ stateBackends: [memoryBackend('memory')] })
  try {
    const r = await explore(wide, { runner, root: process.cwd(), emitDir: false })
    expect(Object.keys(r.timings.rollback).sort()).toEqual(['context', 'memory'])
  } finally {
    await runner.close()
  }
})
