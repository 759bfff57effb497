import { escapeControlChars, plural, statesText } from '@venomqa/core'

interface Progress {
  transitions: number
  states: number
  transitionsPerSecond: number
  violations: number
}

export interface ProgressPrinter {
  update(progress: Progress): void
  /** Clear the live line before anything else is printed. */
  done(): void
}

/**
 * Exploration progress: on a TTY (outside CI) one line redrawn in place, at most ten times a second;
 * elsewhere a plain line every `plainEveryMs`, so a CI log shows the search is alive without a flood.
 */
export function progressPrinter(stream: NodeJS.WritableStream, name: string, options: { live: boolean; dedupe: boolean; plainEveryMs?: number }): ProgressPrinter {
  const label = escapeControlChars(name)
  const everyMs = options.live ? 100 : (options.plainEveryMs ?? 5000)
  let last = Number.NEGATIVE_INFINITY
  let shown = false
  const text = (p: Progress) =>
    `explore ${label}: ${plural(p.transitions, 'transition')}, ${statesText(p.states, options.dedupe)}, ${p.transitionsPerSecond.toFixed(1)}/s, ${plural(p.violations, 'violation')} so far`
  return {
    update(p) {
      const now = performance.now()
      if (now - last < everyMs) return
      last = now
      if (options.live) {
        stream.write(`\r\x1b[2K${text(p)}`)
        shown = true
      } else stream.write(`venomqa: ${text(p)}\n`)
    },
    done() {
      if (shown) stream.write('\r\x1b[2K')
      shown = false
    },
  }
}

export function isLiveTerminal(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI
  return !!(stream as NodeJS.WriteStream).isTTY && !(ci && ci !== 'false' && ci !== '0')
}
