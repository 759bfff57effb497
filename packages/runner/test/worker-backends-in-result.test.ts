/**
 * A run on several workers lists every worker's state backends in its result, not only the run's own: the
 * console's State line, the JSON and the other reports are made from that list.
 */
import { PassThrough } from 'node:stream'
import { journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner, memoryPorts, memoryState, memoryWorkers } from '../src/index'
import { renderMarkdown } from '../src/reporters/markdown'

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

describe('a run on workers', () => {
  it("lists each worker's state backends in its result and the console's State line says them", async () => {
    const store = memoryState({ notes: [] as string[] }, 'store')
    const out = capture()
    const consoleReporter = createConsoleReporter({ stream: out.stream })
    const runner = createRunner({
      // No HTTP in these journeys.
      baseUrl: 'http://127.0.0.1:1',
      plugins: [memoryPorts()],
      stateBackends: [store],
      ports: { store },
      workers: 3,
      workerSetup: memoryWorkers(),
      reporters: [consoleReporter],
    })
    try {
      const journeys = Array.from({ length: 3 }, (_, i) => journey(`j${i}`, { steps: [step('noop', () => {})] }))
      const result = await runner.run(journeys)
      expect(result.status).toBe('passed')
      // Each worker's copies named with their worker, as every worker setup names its backends
      // (`postgres:app_w1`, `redis:w1`): a rollback line on a worker says whose copy it put back.
      expect(result.backends).toEqual([
        { name: 'memory-ports', mechanism: 'snapshot', parallelSafe: false },
        { name: 'store', mechanism: 'memory', parallelSafe: false },
        { name: 'memory-ports:w1', mechanism: 'snapshot', parallelSafe: false, worker: 1 },
        { name: 'store:w1', mechanism: 'memory', parallelSafe: false, worker: 1 },
        { name: 'memory-ports:w2', mechanism: 'snapshot', parallelSafe: false, worker: 2 },
        { name: 'store:w2', mechanism: 'memory', parallelSafe: false, worker: 2 },
      ])
      expect(await consoleReporter.render!(result, {} as never)).toMatch(
        /^State {5}memory-ports \(snapshot\), store \(memory\), memory-ports:w1 \(snapshot\), store:w1 \(memory\), memory-ports:w2 \(snapshot\), store:w2 \(memory\)$/m,
      )
      expect(renderMarkdown(result)).toContain('store (memory), memory-ports:w1 (snapshot, worker 1), store:w1 (memory, worker 1), memory-ports:w2 (snapshot, worker 2)')
    } finally {
      await runner.close()
    }
  })
})
