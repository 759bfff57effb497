export const UPGRADE_PRICE = { amount: 500, currency: 'usd' } as const
const TIMEOUT_MS = 5000

export type ChargeResult = { ok: true } | { ok: false; providerStatus: number | null; reason: string }

/** POST {paymentUrl}/v1/charges; only a 201 counts as paid. */
export async function chargeUpgrade(paymentUrl: string, userId: number): Promise<ChargeResult> {
  const url = `${paymentUrl.replace(/\/+$/, '')}/v1/charges`
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...UPGRADE_PRICE, userId }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
  } catch (err) {
    const e = err as Error
    const reason = e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : `${e.message}${e.cause ? `: ${(e.cause as Error).message}` : ''}`
    return { ok: false, providerStatus: null, reason }
  }
  // Drain the body so the keep-alive connection goes back to the pool.
  await res.arrayBuffer().catch(() => {})
  return res.status === 201 ? { ok: true } : { ok: false, providerStatus: res.status, reason: `payment provider answered ${res.status}` }
}
