import { PLUGIN_API_VERSION, type Reporter, type RunResult, definePlugin } from '@venomqa/core'
import { renderHtml } from './html'
import { type HtmlReportOptions, htmlReportOptions, resolveHtmlOptions, withoutUndefined } from './options'

export { renderHtml, escapeHtml, jsonForScript } from './html'
export { buildPageModel } from './build-model'
export { resolveHtmlOptions, htmlReportOptions, DEFAULT_MAX_BODY_CHARS, DEFAULT_TITLE } from './options'
export type { HtmlReportOptions } from './options'
export type * from './page-model'

export const DEFAULT_HTML_FILE = 'venomqa-report.html'

/**
 * The `html` reporter: renders the finished run to one HTML file. The caller writes it atomically to the
 * file the user named (`--reporter html:report.html`) or to `venomqa-report.html`.
 */
export function htmlReporter(options: HtmlReportOptions = {}): Reporter {
  const base = userOptions(options as Record<string, unknown>, 'html reporter options')
  return {
    name: 'html',
    defaultFile: DEFAULT_HTML_FILE,
    render(run: RunResult, ctx) {
      return renderHtml(run, { ...base, ...userOptions(ctx?.options, 'reporters.html') })
    },
  }
}

const plugin = definePlugin({
  name: '@venomqa/reporter-html',
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: ['html'],
  options: htmlReportOptions,
  // A reporter and no state backend: declared, so a parallel run is refused (or not) before any plugin sets up.
  stateBackends: () => [],
  setup(api) {
    const pluginOptions = withoutUndefined(api.options)
    api.addReporter('html', ({ options, where }) => htmlReporter({ ...pluginOptions, ...userOptions(options, where ?? 'reporters.html') }))
  },
})

/**
 * Check options (one ConfigError names every wrong key) and keep only the keys that were set, so options
 * given later (reporter, then report context) override earlier ones without erasing them with defaults.
 */
function userOptions(options: Record<string, unknown> | undefined, where: string): HtmlReportOptions {
  if (!options) return {}
  resolveHtmlOptions(options, where)
  return withoutUndefined(options)
}

export default plugin
