/**
 * The whole-run redaction lives in core, so every reporter (the built-in ones here, HTML, Slack, a
 * plugin's) masks a run with the same code; free text goes through core's redactText, which knows the
 * `name: value` forms of log lines and error messages.
 */
export { redactRun, redactText as redactFreeText } from '@venomqa/core'
