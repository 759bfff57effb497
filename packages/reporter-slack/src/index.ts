import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { parseSlackOptions, slackReporterOptions } from './options'
import { slackReporter } from './reporter'

export { buildSlackPayload, failuresOf, type Failure } from './payload'
export { sendToSlack, parseRetryAfter, SlackDeliveryError, type SendOptions, type SendResult } from './send'
export { slackReporter, deliverToSlack, SLACK_WEBHOOK_ENV, type SlackDelivery } from './reporter'
export { parseSlackOptions, resolveSlackOptions, slackReporterOptions, SLACK_DEFAULTS, type SlackReporterOptions } from './options'
export { LIMITS as SLACK_LIMITS, escapeMrkdwn, type SlackPayload, type Block } from './block-kit'

const plugin = definePlugin({
  name: '@venomqa/reporter-slack',
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: ['slack'],
  options: slackReporterOptions,
  // A reporter and no state backend: declared, so a parallel run is refused (or not) before any plugin sets up.
  stateBackends: () => [],
  setup(api) {
    const pluginOptions = parseSlackOptions(api.options)
    api.addReporter('slack', ({ options, where }) => slackReporter({ ...pluginOptions, ...parseSlackOptions(options ?? {}, where ?? 'reporters.slack') }))
  },
})

export default plugin
