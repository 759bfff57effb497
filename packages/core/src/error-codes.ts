/**
 * Every code a `VenomError` can carry, each with what it means. The list is closed: `VenomError` takes
 * an `ErrorCode`, so a misspelt code does not compile. Each code is documented in docs/cli.md (what a
 * user running journeys meets) or docs/plugins.md (what a plugin, port or state backend raises).
 */
export const ERROR_CODES = {
  // Configuration and the command line
  E_CONFIG: 'the config file, a plugin option or a command-line flag is invalid',
  E_PLUGIN: 'a plugin cannot be found, loaded or set up, or does not fit this version of core',
  E_GREP: 'the --grep pattern is not a valid regular expression',
  E_INIT: '`venomqa init` cannot read the project (package.json is not valid JSON)',
  E_INIT_EXISTS: '`venomqa init` would overwrite existing files and --force was not given',
  E_OUTPUT_EXISTS: '`venomqa generate` or `venomqa import` would overwrite existing files and --force was not given',
  E_IMPORT: 'a file to import (a Postman collection or environment) cannot be read, is not JSON, or is not of a format this version reads',
  E_REPORT_CLASH: 'two reporters (or a reporter, --save and --har) would write the same file, through a link too, or both print to stdout',
  E_OUTPUT_OVER_INPUT: 'a reporter, --save or --har would write over a file the command reads, or over a JavaScript or TypeScript file, a VenomQA config file or package.json',
  E_RESULTS: 'a results file cannot be read, is not JSON, or is not a results file this version reads',
  E_SHARD: 'the --shard value is not i/n with 1 <= i <= n, or a sharded exploration has no fixed seed',
  E_MERGE: '`venomqa merge-reports` was given files that are not all the shards of one split',

  // Journeys and their definition
  E_DEFINITION: 'a journey definition cannot run (bad step, unknown checkpoint, invalid option)',
  E_JOURNEY_LOAD: 'a journey file cannot be loaded (a syntax error, or an import or top-level code that throws)',
  E_DUPLICATE_JOURNEY: 'two journeys have the same name',
  E_NO_JOURNEYS: 'no journey file matches the patterns, or no journey matches the filters',
  E_UNKNOWN_JOURNEY: 'a journey asked for by name does not exist',
  E_ONLY: 'a journey is defined with journey.only while CI is set, and --allow-only was not given',
  E_LAST_RUN: 'the record of the last run (.venomqa/last-run.json) that --last-failed reads is not valid',

  // While a journey runs
  E_ASSERTION: 'an expectation in a step failed',
  E_TIMEOUT: 'a step, hook or journey ran past its deadline and was aborted',
  E_ABORTED: 'the run was interrupted (Ctrl-C, or fail-fast in another worker)',
  E_TRANSPORT: 'an HTTP request failed before a response arrived (refused, reset, DNS, TLS)',
  E_BASE_URL: 'a relative request has no base URL, or the base URL is not an http(s) URL',
  E_HTTP_REQUEST: 'a request cannot be sent as written: a header name or value HTTP forbids (a line break in it), an invalid method, a header the client manages itself (Transfer-Encoding, Upgrade...) or a Content-Length that is not the body\'s',
  E_NOT_JSON: 'a response read as JSON is not JSON',
  E_AUTH: "an auth provider's obtain() returned no token",
  E_CONTEXT_MISSING: 'ctx.require() asked for a key the context does not hold',
  E_CONTEXT_COPY: 'a context value cannot be copied for a checkpoint (a function, a symbol, a class instance)',
  E_FIXTURE: 'a cached fixture is invalid: bad name, setup, TTL, inputs, or a result that is not JSON',
  E_CIRCUIT: 'a circuit breaker has an invalid threshold or recovery time',
  E_CIRCUIT_OPEN: 'a call was refused because its circuit breaker is open',
  E_PORT_MISSING: 'a step asked for a port no plugin provides',
  E_STRAY: 'an error was thrown outside the awaited chain (a timer, a promise nobody awaited)',
  E_STALL: 'a step or hook waits on a promise that nothing can settle any more',
  E_SLACK: 'the Slack webhook did not take the message',

  // Plugins, state backends and ports
  E_STATE: 'a state backend failed to checkpoint or roll back: the state is unknown',
  E_NOT_READY: 'ports were read before runner.init()',
  E_CACHE_KEY: 'a cache key is not a non-empty string',
  E_CACHE_VALUE: 'a cache value cannot be stored as JSON',
  E_CACHE_TTL: 'a cache TTL is not a positive whole number of milliseconds, or is given the old way (a bare number of seconds)',
  E_CACHE_TYPE: 'a cache key holds a Redis value of another type than a string',
  E_CACHE_CLEAR: 'cache clear() would empty the whole Redis database (no prefix, and wholeDb not set)',
  E_QUEUE: 'the in-memory queue was used wrongly (concurrency, handler, job name, data that is not JSON)',
  E_QUEUE_CONFIG: 'the queue cannot use the Redis client it was given',
  E_QUEUE_NAME: 'a queue name is not valid for BullMQ',
  E_QUEUE_CLOSED: 'the queue was used after close()',
  E_QUEUE_JOB: 'a job id is invalid, or the queue has no such job',
  E_QUEUE_OPTIONS: 'job options are invalid (attempts, delayMs)',
  E_REDIS: 'a Redis command or connection failed',
  E_MAIL: 'a mail to send or deliver is missing its sender, recipients or subject',
  E_MAIL_SEND: 'sending mail through SMTP failed, or no SMTP address is set',
  E_MAIL_API: 'the MailHog or Mailpit API answered an error or something that is not JSON',
  E_MAIL_TIMEOUT: 'no matching mail arrived in time',
  E_MAIL_FILTER: 'a mail filter names to, from or subject with nothing in it, which would match every mail',
  E_STORAGE: 'the storage port was given an invalid directory or content',
  E_STORAGE_KEY: 'a storage key is not allowed (empty, `..`, a clash with another key, or outside the storage directory)',
  E_SEARCH: 'an Elasticsearch call failed, or was given no index, a document or a query of the wrong type',
  E_MOCK: 'the mock port was given an invalid WireMock URL or stub',
  E_WIREMOCK: 'WireMock is not reachable, answered an error or refused a stub, or managed WireMock did not start',
  E_TASK: 'the concurrency port was given an invalid task, limit, timeout or task id',
  E_TIME: 'the controllable clock was given an invalid duration, date or callback',
} as const satisfies Record<`E_${string}`, string>

export type ErrorCode = keyof typeof ERROR_CODES
