import { type JourneyResult, type Plugin, type Reporter, type RunResult, definePlugin, parseOptions, walkSteps } from '@venomqa/core'
import { z } from 'zod'
import { version } from '../package.json'

/** The options, as a zod schema: VenomQA checks them and names `plugins[N].key` in every error. */
export const csvReporterOptions = z.strictObject({
  /** One row per journey (default) or one per step, with its path. */
  rows: z.enum(['journey', 'step'], { error: "expected 'journey' or 'step'" }).optional(),
  /** Field separator. Default ','. */
  delimiter: z.string().length(1, { error: 'expected one character' }).optional(),
  /** File written when `--reporter csv` names none. Default 'venomqa-results.csv'. */
  file: z.string().min(1, { error: 'expected a file path' }).optional(),
})

/** What code may pass to createCsvReporter and renderCsv: the schema's input. */
export type CsvReporterOptions = z.input<typeof csvReporterOptions>

// `status` comes last: a sheet that reads the first six columns by place keeps reading them.
const JOURNEY_COLUMNS = ['journey_name', 'success', 'duration_ms', 'total_steps', 'passed_steps', 'issue_count', 'status']
const STEP_COLUMNS = ['journey_name', 'path', 'step_name', 'status', 'duration_ms', 'attempts', 'http_status']

/**
 * A journey succeeded when it passed in the end: `passed`, or `flaky` (failed, then passed on a retry; it
 * fails the run only under `--fail-on-flaky`, and `status` tells it apart). `failed` and `skipped` did not.
 */
export function journeySucceeded(j: Pick<JourneyResult, 'status'>): boolean {
  return j.status === 'passed' || j.status === 'flaky'
}

/** Quote a field when it holds the delimiter, a quote or a line break (RFC 4180); neutralise formulas. */
export function csvField(value: unknown, delimiter = ','): string {
  let s = value === undefined || value === null ? '' : String(value)
  // A cell starting with = + - @ is run as a formula by spreadsheets: API text must not be.
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`
  return s.includes(delimiter) || /["\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

/** The CSV text for a run: a header row, then one row per journey or per step. */
export function renderCsv(run: RunResult, options: CsvReporterOptions = {}): string {
  const d = options.delimiter ?? ','
  const line = (fields: unknown[]) => fields.map((f) => csvField(f, d)).join(d)
  const rows: string[] = []
  if (options.rows === 'step') {
    rows.push(line(STEP_COLUMNS))
    for (const j of run.journeys)
      for (const { step, path } of walkSteps(j.nodes))
        rows.push(line([j.name, path, step.name, step.status, Math.round(step.durationMs), step.attempts, step.response?.status ?? '']))
  } else {
    rows.push(line(JOURNEY_COLUMNS))
    for (const j of run.journeys)
      rows.push(line([j.name, journeySucceeded(j), Math.round(j.durationMs), j.counts.steps.total, j.counts.steps.passed, j.issues.length, j.status]))
  }
  return `${rows.join('\r\n')}\r\n`
}

export function createCsvReporter(options: CsvReporterOptions = {}): Reporter {
  return {
    name: 'csv',
    defaultFile: options.file ?? 'venomqa-results.csv',
    render: (run) => renderCsv(run, options),
  }
}

/**
 * The plugin: `venomqa run --plugin csv --reporter csv:results.csv`, or in config
 * `plugins: [['csv', { rows: 'step' }]], reporters: ['csv']`.
 */
// Typed with the schema's output: what `api.options` holds once checked, a default filled in.
const csvPlugin: Plugin<z.output<typeof csvReporterOptions>> = definePlugin({
  name: 'venomqa-plugin-csv',
  version,
  options: csvReporterOptions,
  // The plugin API this code was written against, as a literal: importing PLUGIN_API_VERSION would make
  // the plugin claim whatever API the installed core speaks, and the check could never refuse it.
  apiVersion: 1,
  // Every reporter setup adds: read before any plugin is set up, so a misspelt `csv` is refused at once.
  reporters: ['csv'],
  setup(api) {
    // Per-reporter options (`{ name: 'csv', options }`) are checked the same way, and win.
    api.addReporter('csv', ({ options }) => createCsvReporter({ ...api.options, ...parseOptions(csvReporterOptions, options, 'reporters.csv') }))
  },
})

export default csvPlugin
