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
      expect(result.backends).toEqual([
        { name: 'memory-ports', mechanism: 'snapshot', parallelSafe: false },
        { name: 'store', mechanism: 'memory', parallelSafe: false },
        { name: 'memory-ports', mechanism: 'snapshot', parallelSafe: false, worker: 1 },
        { name: 'store', mechanism: 'memory', parallelSafe: false, worker: 1 },
        { name: 'memory-ports', mechanism: 'snapshot', parallelSafe: false, worker: 2 },
        { name: 'store', mechanism: 'memory', parallelSafe: false, worker: 2 },
      ])
      expect(await consoleReporter.render!(result, {} as never)).toMatch(/^State {5}memory-ports \(snapshot\) on workers 0, 1, 2, store \(memory\) on workers 0, 1, 2$/m)
      expect(renderMarkdown(result)).toContain('store (memory), memory-ports (snapshot, worker 1), store (memory, worker 1), memory-ports (snapshot, worker 2)')
    } finally {
      await runner.close()
    }
  })
})
