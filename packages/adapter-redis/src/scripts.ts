import type { Redis } from 'ioredis'

/**
 * Server-side scripts that DUMP or RESTORE a batch of keys in one command. Against a pipeline of one
 * command per key they cut client work about threefold, and each batch is atomic: the app never sees
 * half of one.
 */

/** KEYS: the keys. Reply: dump1, pttl1, dump2, pttl2, ... (dump false for a key that is gone). */
const DUMP = `
local out = {}
for i, key in ipairs(KEYS) do
  out[2 * i - 1] = redis.call('DUMP', key) or false
  out[2 * i] = redis.call('PTTL', key)
end
return out`

/**
 * KEYS: the keys. ARGV: ttl1, dump1, ttl2, dump2, ... where ttl -1 means: delete the key, 0 no expiry,
 * else ms. Reply: for every key that failed, its index (1-based) and the error.
 */
const RESTORE = `
local failed = {}
for i, key in ipairs(KEYS) do
  local ttl = tonumber(ARGV[2 * i - 1])
  local ok
  if ttl < 0 then
    ok = redis.pcall('UNLINK', key)
  else
    ok = redis.pcall('RESTORE', key, ttl, ARGV[2 * i], 'REPLACE')
  end
  if type(ok) == 'table' and ok.err then
    failed[#failed + 1] = i
    failed[#failed + 1] = ok.err
  end
end
return failed`

/** A key as DUMP saved it, and when it expires (performance.now() ms), or undefined when it never does. */
export interface DumpedKey {
  dump: Buffer
  expiresAt: number | undefined
}

/**
 * DUMP and PTTL of each key, in one atomic batch; undefined for a key gone between SCAN and DUMP
 * (deleted or expired: not part of the state). The TTLs are read after the batch is sent, so a restored
 * TTL errs on the short side, by one round trip.
 */
export async function dumpBatch(redis: Redis, keys: Buffer[]): Promise<(DumpedKey | undefined)[]> {
  const sentAt = performance.now()
  const reply = (await redis.callBuffer('EVAL', [DUMP, keys.length, ...keys])) as (Buffer | number | null)[]
  return keys.map((_, i) => {
    const dump = (reply[2 * i] as Buffer | null) ?? null
    const pttl = Number(reply[2 * i + 1])
    if (dump === null || pttl === -2) return undefined
    return { dump, expiresAt: expiresAtOf(pttl, sentAt) }
  })
}

/**
 * When a key whose PTTL read `pttl` at `sentAt` expires: -1 is no expiry. 0 is a key in its last
 * millisecond, which expires (treating it as "no expiry" restored it to live for ever).
 */
export function expiresAtOf(pttl: number, sentAt: number): number | undefined {
  return pttl >= 0 ? sentAt + pttl : undefined
}

/**
 * The restore op for a saved key at `now`: with the time it has left, or a delete when that has run out
 * since it was dumped (it stays absent, as it would be had the path never run).
 */
export function restoreOpOf(key: Buffer, saved: DumpedKey, now: number): { key: Buffer; ttl: number; dump?: Buffer } {
  if (saved.expiresAt === undefined) return { key, ttl: 0, dump: saved.dump }
  const left = Math.floor(saved.expiresAt - now)
  return left > 0 ? { key, ttl: left, dump: saved.dump } : { key, ttl: -1 }
}

/**
 * Bytes of dumped values per RESTORE call. The server closes the connection of a client whose one command
 * is larger than its query buffer limit (`client-query-buffer-limit`, 1 GB by default), and the rollback
 * with it: 2,000 keys of a megabyte each would be. A key larger than this goes in a call of its own.
 */
export const RESTORE_BATCH_BYTES = 64 * 1024 * 1024

/** Restore ops in calls of at most `maxKeys` keys and `maxBytes` of keys and dumped values (one op at least). */
export function restoreBatches<T extends { key: Buffer; saved?: { dump: Buffer } }>(ops: readonly T[], maxKeys: number, maxBytes = RESTORE_BATCH_BYTES): T[][] {
  const out: T[][] = []
  let batch: T[] = []
  let bytes = 0
  for (const op of ops) {
    const size = op.key.length + (op.saved?.dump.length ?? 0)
    if (batch.length && (batch.length >= maxKeys || bytes + size > maxBytes)) {
      out.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(op)
    bytes += size
  }
  if (batch.length) out.push(batch)
  return out
}

/** One op per key: delete it (ttl -1) or restore it with ttl ms (0: no expiry). Returns the failures. */
export async function restoreBatch(redis: Redis, ops: { key: Buffer; ttl: number; dump?: Buffer }[]): Promise<{ key: Buffer; error: string }[]> {
  const args: (Buffer | string | number)[] = [RESTORE, ops.length, ...ops.map((o) => o.key)]
  for (const op of ops) args.push(String(op.ttl), op.dump ?? '')
  const reply = (await redis.call('EVAL', args)) as (number | string)[]
  const failures: { key: Buffer; error: string }[] = []
  for (let i = 0; i < reply.length; i += 2) failures.push({ key: ops[Number(reply[i]) - 1]!.key, error: String(reply[i + 1]) })
  return failures
}
