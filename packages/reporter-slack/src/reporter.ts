import path from 'node:path'
import { type ReportContext, type Reporter, type RunResult, atomicWriteFile, errorMessage } from '@venomqa/core'
import type { SlackPayload } from './block-kit'
import { type SlackReporterOptions, parseSlackOptions, resolveSlackOptions } from './options'
import { buildSlackPayload } from './payload'
import { sendToSlack } from './send'

export const SLACK_WEBHOOK_ENV = 'SLACK_WEBHOOK_URL'

export interface SlackDelivery {
  /** What happened, for callers that want to know (deliver itself only warns). */
  outcome: 'sent' | 'skipped' | 'saved-only' | 'failed'
  payload?: SlackPayload
  attempts?: number
}

/**
 * Build, save and send the message. Never throws: a problem (no URL, webhook down, bad file path) becomes
 * one warning through ctx.warn, so a Slack outage never changes the run's exit code.
 */
export async function deliverToSlack(run: RunResult, options: SlackReporterOptions, ctx: ReportContext): Promise<SlackDelivery> {
  let stage = 'building the message'
  try {
    const o = resolveSlackOptions({ ...options, ...parseSlackOptions(ctx.options ?? {}) })
    const failed = run.status !== 'passed' || !!run.interrupted
    if (o.onlyOnFailure && !failed) return { outcome: 'skipped' }
    const payload = buildSlackPayload(run, o)

    const saveTo = o.saveTo ?? ctx.target
    if (saveTo) {
      stage = `saving the payload to ${saveTo}`
      // Core's writer, the one every report goes through: a reader sees the old payload or the new one.
      const file = path.resolve(ctx.cwd ?? process.cwd(), saveTo)
      await atomicWriteFile(file, `${JSON.stringify(payload, null, 2)}\n`)
      ctx.wrote?.(file)
    }

    const webhookUrl = o.webhookUrl || process.env[SLACK_WEBHOOK_ENV]
    if (!webhookUrl) {
      if (!saveTo) ctx.warn(`no webhook URL, nothing sent (set the ${SLACK_WEBHOOK_ENV} environment variable or the webhookUrl option)`)
      return { outcome: saveTo ? 'saved-only' : 'failed', payload }
    }
    stage = 'posting to Slack'
    const sent = await sendToSlack(payload, { ...o, webhookUrl })
    // The host only: the rest of a webhook URL is its secret.
    ctx.delivered?.(`Slack (${new URL(webhookUrl).host}${sent.attempts > 1 ? `, after ${sent.attempts} attempts` : ''})`)
    return { outcome: 'sent', payload, attempts: sent.attempts }
  } catch (err) {
    ctx.warn(`${stage} failed: ${errorMessage(err)}`)
    return { outcome: 'failed' }
  }
}

/** The `slack` reporter: posts a Block Kit summary of the finished run to an incoming webhook. */
export function slackReporter(options: SlackReporterOptions = {}): Reporter {
  const checked = parseSlackOptions(options as Record<string, unknown>, 'slack reporter options')
  return {
    name: 'slack',
    async deliver(run, ctx) {
      await deliverToSlack(run, checked, ctx)
    },
  }
}
