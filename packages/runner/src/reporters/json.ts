import type { RedactOptions, Reporter, ReporterFactory, RunResult } from '@venomqa/core'
import { redactRun } from './redact-run'

/** The results model itself (schemaVersion inside), pretty-printed: what `venomqa report` reads back. */
export function renderJson(run: RunResult, redact?: RedactOptions): string {
  return `${JSON.stringify(redactRun(run, redact), null, 2)}\n`
}

export const jsonReporter: ReporterFactory = ({ options }) => createJsonReporter(options as { redact?: RedactOptions })

export function createJsonReporter(options: { redact?: RedactOptions } = {}): Reporter {
  return {
    name: 'json',
    defaultFile: 'venomqa-results.json',
    render: (run) => renderJson(run, options.redact),
  }
}
