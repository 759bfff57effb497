import { createRequire } from 'node:module'
import { setTimeout as delay } from 'node:timers/promises'
import { KnownSecrets, VenomError, errorMessage, redactText, secretsOfUrl } from '@venomqa/core'
import type * as Undici from 'undici'
import type { SlackPayload } from './block-kit'
import { SLACK_DEFAULTS, isHttpUrl } from './options'

export interface SendOptions {
  webhookUrl: string
  /** Attempts in all. Default 4. */
  maxAttempts?: number
  /** First backoff in ms, doubled each attempt, with jitter. Default 1000. */
  retryBaseDelayMs?: number
  /** Longest Retry-After honoured; longer gives up. Default 30 000. */
  maxRetryAfterMs?: number
  /** Per-request timeout. Default 10 000. */
  timeoutMs?: number
  /** Told before each wait, e.g. to log it. */
  onRetry?(info: { attempt: number; waitMs: number; reason: string }): void
}

export interface SendResult {
  status: number
  attempts: number
}

/** The webhook did not take the message. Its text names the host only: a webhook URL is a secret. */
export class SlackDeliveryError extends VenomError {
  readonly attempts: number
  readonly status?: number
  constructor(message: string, details: { attempts: number; status?: number; cause?: unknown }) {
    super('E_SLACK', message, { cause: details.cause })
    this.attempts = details.attempts
    this.status = details.status
  }
}

const MAX_BACKOFF_MS = 30_000

let undici: typeof Undici | undefined
/**
 * undici, required when a message is sent, not when the reporter is loaded: its index takes about 90 ms
 * to load, which every run that named the reporter paid before its first step, also a run with no
 * webhook URL, which sends nothing. Required, not imported: undici is CommonJS, and an import has Node
 * scan its files for export names first.
 */
function loadUndici(): typeof Undici {
  undici ??= createRequire(import.meta.url)('undici') as typeof Undici
  return undici
}

/** Retry-After is delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value
  if (v === undefined || v.trim() === '') return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function backoff(attempt: number, base: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1))
  // Half fixed, half random: spread out, but never a zero wait after a 5xx.
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}

function transportReason(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string } }
  if (e?.name === 'TimeoutError') return 'no answer before the timeout'
  const code = e?.code ?? e?.cause?.code
  const message = errorMessage(err)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}

/**
 * The webhook URL is a credential (its path is the token): an endpoint that quotes the URL it was called
 * at (a relay, a proxy, a mock) must not put it in a warning. Its first path segment (`services`,
 * `hooks`) names the kind of endpoint, not the token, and stays.
 */
function webhookMask(webhookUrl: string): (text: string) => string {
  const url = new URL(webhookUrl)
  const secrets = new KnownSecrets()
  const path = `${url.pathname}${url.search}`
  secrets.add([webhookUrl, url.href, path, path.slice(1), ...url.pathname.split('/').slice(2), ...secretsOfUrl(webhookUrl)])
  return (text) => secrets.mask(redactText(text))
}

/**
 * POST a payload to a Slack incoming webhook. Retries 429 (waiting what Retry-After says) and 5xx and
 * network errors with exponential backoff, up to maxAttempts in all; other answers fail at once.
 * Throws SlackDeliveryError when the message was not posted.
 */
export async function sendToSlack(payload: SlackPayload, options: SendOptions): Promise<SendResult> {
  const maxAttempts = options.maxAttempts ?? SLACK_DEFAULTS.maxAttempts
  const base = options.retryBaseDelayMs ?? SLACK_DEFAULTS.retryBaseDelayMs
  const maxRetryAfterMs = options.maxRetryAfterMs ?? SLACK_DEFAULTS.maxRetryAfterMs
  const timeoutMs = options.timeoutMs ?? SLACK_DEFAULTS.timeoutMs
  if (!isHttpUrl(options.webhookUrl)) throw new SlackDeliveryError('the webhook URL is not an http(s) URL', { attempts: 0 })
  const host = new URL(options.webhookUrl).host
  const hideWebhook = webhookMask(options.webhookUrl)
  const body = JSON.stringify(payload)
  const { Agent, request } = loadUndici()
  // Its own connection pool, closed at the end, so no idle socket keeps the process alive after the run.
  const agent = new Agent({ keepAliveTimeout: 1000 })
  try {
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined
      let reason: string
      let retryAfterMs: number | undefined
      let cause: unknown
      try {
        const res = await request(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs),
        })
        // Masked before it is cut: a cut through the webhook's path would leave its first characters.
        const text = hideWebhook((await res.body.text()).trim())
        if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, attempts: attempt }
        status = res.statusCode
        reason = `HTTP ${status}${text ? ` "${text.slice(0, 200)}"` : ''}`
        retryAfterMs = parseRetryAfter(res.headers['retry-after'])
      } catch (err) {
        cause = err
        reason = hideWebhook(transportReason(err))
      }
      const retryable = status === undefined || status === 429 || status >= 500
      if (!retryable) throw new SlackDeliveryError(`${host} refused the message: ${reason}`, { attempts: attempt, status, cause })
      if (attempt >= maxAttempts)
        throw new SlackDeliveryError(`${host} did not take the message after ${attempt} attempt${attempt === 1 ? '' : 's'}; last: ${reason}`, { attempts: attempt, status, cause })
      let waitMs = backoff(attempt, base)
      if (status === 429 && retryAfterMs !== undefined) {
        if (retryAfterMs > maxRetryAfterMs)
          throw new SlackDeliveryError(
            `${host} is rate limiting and asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, longer than the ${Math.round(maxRetryAfterMs / 1000)} s this reporter waits (maxRetryAfterMs)`,
            { attempts: attempt, status },
          )
        waitMs = retryAfterMs
      }
      options.onRetry?.({ attempt, waitMs, reason })
      await delay(waitMs)
    }
  } finally {
    await agent.close()
  }
}
