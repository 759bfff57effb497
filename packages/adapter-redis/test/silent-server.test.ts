/**
 * A server that accepts the connection and never answers (a wrong port, a stopped process whose socket
 * lingers): every call fails within seconds, naming where, instead of waiting for ever.
 */
import { type AddressInfo, type Socket, createServer } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisCache, RedisState } from '../src'

const sockets: Socket[] = []
const server = createServer((socket) => {
  sockets.push(socket)
})
let url = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `redis://127.0.0.1:${(server.address() as AddressInfo).port}/13`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** The call's outcome, or 'still waiting' after `ms`: well past the adapter's own deadlines. */
async function outcome(call: Promise<unknown>, ms = 15_000): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const waited = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms)
  })
  try {
    return await Promise.race([call.then(() => 'answered', (err: Error) => `failed: ${err.message}`), waited])
  } finally {
    clearTimeout(timer)
  }
}

it('a cache call fails instead of hanging', async () => {
  const cache = new RedisCache({ url, prefix: 'app:' })
  try {
    expect(await outcome(cache.get('cart'))).toMatch(/^failed: cache get "cart" failed on redis:\/\/127\.0\.0\.1:\d+\/13: .*did not answer/)
  } finally {
    await cache.close()
  }
}, 60_000)

it('a checkpoint of a state backend used without connect() fails instead of hanging', async () => {
  const state = new RedisState({ url, prefix: 'app:' })
  try {
    expect(await outcome(state.checkpoint('cp'))).toMatch(/^failed: state backend "redis": checkpoint "cp" failed \(redis:\/\/127\.0\.0\.1:\d+\/13\): .*did not answer/)
  } finally {
    await state.disconnect()
  }
}, 60_000)
