import type { ReporterFactory } from '@venomqa/core'
import { consoleReporter } from './console'
import { jsonReporter } from './json'
import { junitReporter } from './junit'
import { markdownReporter } from './markdown'

export { consoleReporter, createConsoleReporter, type ConsoleReporterOptions } from './console'
export { jsonReporter, createJsonReporter, renderJson } from './json'
export { junitReporter, createJUnitReporter, renderJUnit } from './junit'
export { markdownReporter, createMarkdownReporter, renderMarkdown } from './markdown'
export { redactRun } from './redact-run'
export { atomicWriteFile, writeReports, type ReporterTarget, type WriteReportsContext, type WriteReportsResult } from './write'
export { formatDuration } from './format'

/** The reporters every run can name without a plugin. */
export const builtinReporters: Readonly<Record<'console' | 'json' | 'junit' | 'markdown', ReporterFactory>> = {
  console: consoleReporter,
  json: jsonReporter,
  junit: junitReporter,
  markdown: markdownReporter,
}
