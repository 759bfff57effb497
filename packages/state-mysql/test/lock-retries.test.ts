/**
 * The retries of a lock only tried (MariaDB's lock_wait_timeout = 0) around the statements that take a
 * tracked table's metadata lock. No server: the conflicts are the driver's error codes, given in order.
 */
import { describe, expect, it } from 'vitest'
import { retryLockConflicts } from '../src/snapshot'

const conflict = () => Object.assign(new Error('Lock wait timeout exceeded; try restarting transaction'), { code: 'ER_LOCK_WAIT_TIMEOUT' })

/** An attempt that meets `conflicts` lock conflicts, then succeeds; counts its tries. */
function attemptAfter(conflicts: number) {
  const tries = { n: 0 }
  const attempt = async () => {
    tries.n++
    if (tries.n <= conflicts) throw conflict()
    return 'done'
  }
  return { tries, attempt }
}
const gaveUp = async () => new Error('gave up')

describe('retryLockConflicts', () => {
  it('tries again a conflict met past the deadline: a short hold of the server is no transaction of the app', async () => {
    // The statements before used up the deadline (a busy machine), and the one try met a short hold.
    const { tries, attempt } = attemptAfter(1)
    await expect(retryLockConflicts(Date.now() - 1, attempt, gaveUp, 3)).resolves.toBe('done')
    expect(tries.n).toBe(2)
  })

  it('gives up past the deadline once it has tried the least number of times', async () => {
    const { tries, attempt } = attemptAfter(Number.POSITIVE_INFINITY)
    await expect(retryLockConflicts(Date.now() - 1, attempt, gaveUp, 3)).rejects.toThrow('gave up')
    expect(tries.n).toBe(3)
  })

  it('a lock that waits (one try is the whole wait) is tried once past the deadline', async () => {
    const { tries, attempt } = attemptAfter(Number.POSITIVE_INFINITY)
    await expect(retryLockConflicts(Date.now() - 1, attempt, gaveUp, 1)).rejects.toThrow('gave up')
    expect(tries.n).toBe(1)
  })

  it('keeps trying until the deadline, then gives up, when a transaction holds the table all along', async () => {
    const { tries, attempt } = attemptAfter(Number.POSITIVE_INFINITY)
    const started = Date.now()
    await expect(retryLockConflicts(started + 200, attempt, gaveUp, 3)).rejects.toThrow('gave up')
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(tries.n).toBeGreaterThan(3)
  })

  it('a failure that is no lock conflict ends it at once', async () => {
    const attempt = async () => {
      throw Object.assign(new Error('no such table'), { code: 'ER_NO_SUCH_TABLE' })
    }
    await expect(retryLockConflicts(Date.now() + 10_000, attempt, gaveUp, 3)).rejects.toThrow('no such table')
  })
})
