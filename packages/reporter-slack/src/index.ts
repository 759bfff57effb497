import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { type SlackReporterOptions, checkSlackOptions } from './options'
import { slackReporter } from './reporter'

export { buildSlackPayload, failuresOf, type Failure } from './payload'
export { sendToSlack, parseRetryAfter, SlackDeliveryError, type SendOptions, type SendResult } from './send'
export { slackReporter, deliverToSlack, SLACK_WEBHOOK_ENV, type SlackDelivery } from './reporter'
export { checkSlackOptions, resolveSlackOptions, SLACK_DEFAULTS, type SlackReporterOptions } from './options'
export { LIMITS as SLACK_LIMITS, escapeMrkdwn, type SlackPayload, type Block } from './block-kit'

const plugin = definePlugin<SlackReporterOptions>({
  name: '@venomqa/reporter-slack',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(api) {
    const pluginOptions = checkSlackOptions((api.options ?? {}) as Record<string, unknown>, 'plugins.reporter-slack')
    api.addReporter('slack', ({ options }) => slackReporter({ ...pluginOptions, ...checkSlackOptions(options ?? {}, 'reporters.slack') }))
  },
})

export default plugin
