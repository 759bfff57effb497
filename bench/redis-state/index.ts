/**
 * Redis state backend: checkpoint (SCAN, then DUMP + PTTL by a server-side script per batch of keys) and
 * rollback (UNLINK the extras, RESTORE ... REPLACE the saved keys, also by script) for growing key
 * counts, against writing the same keys with one pipeline, and against DUMPing keys one round trip at a
 * time. Uses Redis DB 2 only, emptied before and after.
 */
import { RedisState } from '@venomqa/adapter-redis'

const URL = process.env.REDIS_BENCH_URL ?? 'redis://127.0.0.1:6379/2'
// A second backend's client does the seeding, so the bench needs no Redis client of its own.
const helper = new RedisState({ url: URL, wholeDb: true, name: 'helper' })
const raw = helper.redis
const ms = (t0: number) => performance.now() - t0
const fmt = (n: number) => n.toFixed(1).padStart(8)

async function seed(n: number): Promise<number> {
  await raw.flushdb()
  const t0 = performance.now()
  const p = raw.pipeline()
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) p.hset(`h:${i}`, { a: String(i), b: 'x'.repeat(40) })
    else if (i % 5 === 0) p.set(`s:${i}`, 'v'.repeat(64), 'EX', 3600)
    else p.set(`s:${i}`, JSON.stringify({ id: i, title: `todo ${i}`, done: false }))
  }
  await p.exec()
  return ms(t0)
}

async function mutate(n: number): Promise<void> {
  const p = raw.pipeline()
  for (let i = 1; i < n; i += 3) p.del(`s:${i}`)
  for (let i = 0; i < n / 5; i++) p.set(`new:${i}`, '1')
  await p.exec()
}

const state = new RedisState({ url: URL, wholeDb: true, name: 'bench' })
await state.connect()
console.log(`redis-state bench on ${URL}`)
console.log('   keys   seed(ms)  checkpoint  rollback   checkpoint/seed  rollback/seed')
for (const n of [1_000, 10_000, 50_000]) {
  const seedMs = await seed(n)
  let t0 = performance.now()
  await state.checkpoint(`n${n}`)
  const cpMs = ms(t0)
  await mutate(n)
  t0 = performance.now()
  await state.rollback(`n${n}`)
  const rbMs = ms(t0)
  const size = await raw.dbsize()
  if (size !== n) throw new Error(`rollback left ${size} keys, expected ${n}`)
  await state.release(`n${n}`)
  console.log(
    `${String(n).padStart(7)} ${fmt(seedMs)}   ${fmt(cpMs)}  ${fmt(rbMs)}   ${(cpMs / seedMs).toFixed(2).padStart(12)}x  ${(rbMs / seedMs).toFixed(2).padStart(12)}x`,
  )
}

// One DUMP per round trip, as a naive implementation would do it.
await seed(10_000)
let t0 = performance.now()
await state.checkpoint('pipelined')
const pipelined = ms(t0)
t0 = performance.now()
for (const key of await raw.keys('*')) {
  await raw.dumpBuffer(key)
  await raw.pttl(key)
}
const naive = ms(t0)
console.log(
  `10k keys: batched checkpoint ${pipelined.toFixed(1)} ms vs one round trip per key ${naive.toFixed(1)} ms: ${(naive / pipelined).toFixed(1)}x faster`,
)

await raw.flushdb()
await state.disconnect()
await helper.disconnect()
