import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

// Where a journey's requests go on a worker lane. Two servers in this process: only which one answers is
// checked, not any state, so nothing needs a process of its own.
const hits: string[] = []
const servers: http.Server[] = []
let runUrl = ''
let journeyUrl = ''

async function serve(name: string): Promise<string> {
  const server = http.createServer((req, res) => {
    hits.push(`${name} ${req.url}`)
    res.end('{}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  runUrl = await serve('run')
  journeyUrl = await serve('journey')
})
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve))
})

describe("a journey's own baseUrl on worker lanes", () => {
  it('is kept by every worker, as on the first: it was the run\'s on workers 1 and up', async () => {
    hits.length = 0
    const own = (name: string) => journey(name, { baseUrl: journeyUrl, steps: [step('s', ({ http }) => http.get(`/${name}`))] })
    const runner = createRunner({ baseUrl: runUrl, workers: 2 })
    const run = await runner.run([own('j1'), own('j2'), own('j3')])
    await runner.close()
    expect(run.journeys.map((j) => j.status)).toEqual(['passed', 'passed', 'passed'])
    expect(new Set(run.journeys.map((j) => j.worker ?? 0)).size).toBe(2)
    expect(hits.sort()).toEqual(['journey /j1', 'journey /j2', 'journey /j3'])
  })

  it('is kept by the lanes of parallel paths', async () => {
    hits.length = 0
    const runner = createRunner({ baseUrl: runUrl, parallelPaths: 2 })
    const paths = [path('p1', [step('s', ({ http }) => http.get('/p1'))]), path('p2', [step('s', ({ http }) => http.get('/p2'))])]
    const run = await runner.run(journey('jp', { baseUrl: journeyUrl, steps: [checkpoint('c'), branch('c', paths)] }))
    await runner.close()
    expect(run.status).toBe('passed')
    expect(hits.sort()).toEqual(['journey /p1', 'journey /p2'])
  })
})
