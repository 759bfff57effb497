import { assertStatus, journey, step } from '@venomqa/core'

// The flaky endpoint fails a number of times per key: one key per run, the same for every attempt.
const runKey = `${process.pid}-${Date.now()}`

/** Retries that really re-run, and timeouts that really abort. */
export default journey('resilience', {
  description: 'A flaky endpoint recovered by step retries; slow endpoints under timeouts',
  tags: ['resilience'],
  steps: [
    // The endpoint fails twice per key; `retry: false` turns off the HTTP client's own retries so that
    // the step's retries do the work.
    step(
      'flaky_until_third_try',
      async ({ http, attempt, log }) => {
        log.info(`attempt ${attempt}`)
        return http.get(`/api/flaky?key=step-${runKey}&failures=2`, { retry: false })
      },
      { retries: 3, retryDelay: 50 },
    ),
    // The HTTP client retries idempotent requests on 502/503/504 by itself, with backoff and jitter.
    step('client_retries_get', ({ http }) => http.get(`/api/flaky?key=client-${runKey}&failures=1`)),
    step('fast_enough', async ({ http }) => assertStatus(await http.get('/api/slow?ms=50'), 200), { timeout: 2000 }),
    // A request that would take 5 s is aborted at 300 ms: the step fails as it should, and the test
    // passes because that is the expected outcome here.
    step(
      'abort_slow_request',
      async ({ http }) => {
        try {
          await http.get('/api/slow?ms=5000', { timeout: 300 })
        } catch (err) {
          if ((err as { code?: string }).code === 'E_TIMEOUT') return
          throw err
        }
        throw new Error('the slow request was not aborted')
      },
      { timeout: 2000 },
    ),
  ],
})
