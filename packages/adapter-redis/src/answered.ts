import type { Redis } from 'ioredis'

/**
 * The clients whose server answered a PING of ours. The adapter's connections make no ready check (see
 * openClient), and ioredis then calls a connection ready once it has sent AUTH and SELECT, before any
 * answer: "ready" says nothing of the server, a PING's answer does (see whenAnswering).
 */
const answered = new WeakSet<Redis>()

export function markAnswered(redis: Redis): void {
  answered.add(redis)
}

/** Whether the server of this client ever answered a PING of ours. */
export function hasAnswered(redis: Redis): boolean {
  return answered.has(redis)
}
