import { ConfigError } from '@venomqa/core'

/** An option that counts something (workers, repetitions, connections): a whole number of 1 or more. */
export function requireCount(key: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${key} must be a whole number of 1 or more, got ${String(n)}`, { where: key })
}
