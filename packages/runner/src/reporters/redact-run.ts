/**
 * The whole-run redaction lives in core, so every reporter (the built-in ones here, HTML, Slack, a
 * plugin's) masks a run with the same code; free text goes through core's redactText, which knows the
 * `name: value` forms of log lines and error messages.
 */
export { redactRun, redactText as redactFreeText } from '@venomqa/core'

/**
 * A built-in reporter that masks what it prints itself (the console: a live run's summary needs the
 * journeys' issues, not every step redacted again). writeReports hands it the run as it is; every other
 * reporter, a plugin's above all, gets the redacted copy. The mark is a symbol this package does not
 * export: a plugin cannot opt out of redaction.
 */
const REDACTS_ITSELF = Symbol('venomqa.redactsItself')

export function redactingItself<T extends object>(reporter: T): T {
  Object.defineProperty(reporter, REDACTS_ITSELF, { value: true })
  return reporter
}

export function redactsItself(reporter: object): boolean {
  return REDACTS_ITSELF in reporter
}
