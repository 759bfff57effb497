import { PLUGIN_API_VERSION, type Reporter, type RunResult, definePlugin } from '@venomqa/core'
import { renderHtml } from './html'
import { type HtmlReportOptions, resolveHtmlOptions } from './options'

export { renderHtml, escapeHtml, jsonForScript } from './html'
export { buildPageModel } from './build-model'
export { resolveHtmlOptions, DEFAULT_MAX_BODY_CHARS, DEFAULT_TITLE } from './options'
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

const plugin = definePlugin<HtmlReportOptions>({
  name: '@venomqa/reporter-html',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(api) {
    const pluginOptions = userOptions(api.options as Record<string, unknown>, 'plugins.reporter-html')
    api.addReporter('html', ({ options }) => htmlReporter({ ...pluginOptions, ...userOptions(options, 'reporters.html') }))
  },
})

/**
 * Check options (a ConfigError names the bad key) and keep only the keys that were set, so options given
 * later (reporter, then report context) override earlier ones without erasing them with defaults.
 */
function userOptions(options: Record<string, unknown> | undefined, where: string): HtmlReportOptions {
  if (!options) return {}
  resolveHtmlOptions(options, where)
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as HtmlReportOptions
}

export default plugin
