import { REDACTED, type RedactOptions, type RunResult, redactBody, redactHeaders, redactText } from '@venomqa/core'

/**
 * A copy of a run with every secret masked, whatever produced it. The runner already redacts what it
 * records; reporters run this again because a results file may come from anywhere (an older version, a
 * plugin, a hand-edited file) and a leaked token in a CI artifact cannot be taken back.
 *
 * Only `headers` and `body` values go through key-based redaction: the result model's own keys
 * (`passed`, `tokens` in counts...) are not secrets and must keep their values.
 */
export { redactFreeText }

export function redactRun(run: RunResult, options?: RedactOptions): RunResult {
  return walk(run, options) as RunResult
}

/**
 * `password=...` or `token: ...` inside free text (log lines, error messages), which core's redactText
 * only catches at the start of a form body or query.
 */
const KEY_VALUE_SECRET = /\b((?:password|passwd|passphrase|secret|client_secret|token|access_token|refresh_token|api[-_]?key)"?\s*[=:]\s*"?)[^\s&"',;]+/gi

function redactFreeText(text: string): string {
  return redactText(text).replace(KEY_VALUE_SECRET, (_m, prefix: string) => `${prefix}${REDACTED}`)
}

function walk(value: unknown, options: RedactOptions | undefined): unknown {
  if (typeof value === 'string') return redactFreeText(value)
  if (Array.isArray(value)) return value.map((v) => walk(v, options))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'headers' && v && typeof v === 'object' && !Array.isArray(v))
        out[key] = redactHeaders(v as Record<string, string>, options)
      else if (key === 'body') out[key] = redactBody(v, options)
      else out[key] = walk(v, options)
    }
    return out
  }
  return value
}
