/**
 * Runner overhead: 500 x (create, read by the new id, delete) = 1,500 dependent requests against a local
 * keep-alive server, as a plain undici loop and as one VenomQA journey, each in its own process, in one
 * run. Prints whole-process time (node start to exit) and the cost per added request, from the
 * difference between N=500 and N=2000 rounds.
 */
import { execFileSync, fork } from 'node:child_process'
import path from 'node:path'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const ROUNDS = Number(process.env.ROUNDS ?? 5)

const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port
    s.close(() => resolve(p))
  })
})
const server = fork(path.join(here, 'server.mjs'), [], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' })
await new Promise((r) => server.once('message', r))
const target = `http://127.0.0.1:${port}`

function runOnce(script: string, n: number): { wallMs: number; innerMs: number } {
  const t0 = performance.now()
  const out = execFileSync(process.execPath, [path.join(here, script)], { env: { ...process.env, TARGET: target, N: String(n) }, encoding: 'utf8' })
  const wallMs = performance.now() - t0
  return { wallMs, innerMs: JSON.parse(out).innerMs }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const results: Record<string, { wall: number[]; inner: number[] }> = {}
// Interleave the variants so that machine noise hits them alike.
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const script of ['raw.mjs', 'venom.mjs'])
    for (const n of [500, 2000]) {
      const res = runOnce(script, n)
      if (r === 0) continue // warm-up (disk cache, JIT of the server)
      const key = `${script}:${n}`
      results[key] ??= { wall: [], inner: [] }
      results[key]!.wall.push(res.wallMs)
      results[key]!.inner.push(res.innerMs)
    }
}
server.kill()

const row = (script: string) => {
  const w500 = median(results[`${script}:500`]!.wall)
  const w2000 = median(results[`${script}:2000`]!.wall)
  const i500 = median(results[`${script}:500`]!.inner)
  const i2000 = median(results[`${script}:2000`]!.inner)
  return { w500, i500, perRequestMs: (i2000 - i500) / 4500, perRequestWallMs: (w2000 - w500) / 4500 }
}
const raw = row('raw.mjs')
const venom = row('venom.mjs')
const f = (x: number, d = 3) => x.toFixed(d)
console.log(`runner-overhead: 1,500 dependent requests (500 x create/read/delete), median of ${ROUNDS} runs, node ${process.version}`)
console.log('')
console.log('| variant      | whole process (s) | in-process (ms) | per added request (ms) |')
console.log('|--------------|-------------------|-----------------|------------------------|')
console.log(`| raw undici   | ${f(raw.w500 / 1000)}             | ${f(raw.i500, 0).padStart(5)}           | ${f(raw.perRequestMs)}                  |`)
console.log(`| VenomQA      | ${f(venom.w500 / 1000)}             | ${f(venom.i500, 0).padStart(5)}           | ${f(venom.perRequestMs)}                  |`)
console.log('')
console.log(`ratio VenomQA / raw, per added request: ${f(venom.perRequestMs / raw.perRequestMs, 2)}x (target <= 1.10x)`)
console.log(`ratio VenomQA / raw, whole process:     ${f(venom.w500 / raw.w500, 2)}x`)
console.log('peers measured on this kind of machine for the same flow (whole process): Pactum 0.58 s, Step CI 2.3 s, Newman 15.6 s')
