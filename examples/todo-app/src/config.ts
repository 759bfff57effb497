import { ConfigurationError } from '@venomqa/example-app-kit'

/** Everything the app can be configured with; `optionsFromEnv` maps the environment onto it. */
export interface TodoAppOptions {
  /** postgres://..., mysql://... (or mariadb://...); unset, '' or 'memory' keeps the data in memory. */
  databaseUrl?: string
  /** Enables the GET /api/todos/:id cache and the BullMQ 'todo-events' queue. */
  redisUrl?: string
  /** Prefix of the cache keys (`<prefix>todo:<id>`). Default ''. */
  redisPrefix?: string
  /** BullMQ key prefix. Default 'bull'. */
  bullmqPrefix?: string
  /** Also run the BullMQ worker for 'todo-events' in this process. */
  runWorker?: boolean
  /** smtp://host:port for password-reset mail. */
  smtpUrl?: string
  /** Base URL put in mailed links; default: the URL the app listens on. */
  publicUrl?: string
  /** Payment provider base URL; POST /v1/charges is called on it. */
  paymentUrl?: string
  /** Receiver of POST /webhooks/todo-created. */
  webhookUrl?: string
  /** Open todos a regular user may have. Default 5. */
  todoQuota?: number
  /** Open todos a premium user may have. Default 100. */
  premiumQuota?: number
  /** One log line per request. Off by default so benchmarks do not pay for it. */
  logRequests?: boolean
  /** Where log lines go. Default console. */
  logger?: Pick<Console, 'log' | 'error'>
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`${name} must be a whole number >= 0, got "${raw}"`)
  return n
}

const truthy = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes'
const nonEmpty = (v: string | undefined) => (v ? v : undefined)

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): TodoAppOptions {
  return {
    databaseUrl: nonEmpty(env.DATABASE_URL),
    redisUrl: nonEmpty(env.REDIS_URL),
    redisPrefix: env.REDIS_PREFIX ?? '',
    bullmqPrefix: nonEmpty(env.BULLMQ_PREFIX),
    runWorker: truthy(env.RUN_WORKER),
    smtpUrl: nonEmpty(env.SMTP_URL),
    publicUrl: nonEmpty(env.PUBLIC_URL),
    paymentUrl: nonEmpty(env.PAYMENT_URL),
    webhookUrl: nonEmpty(env.WEBHOOK_URL),
    todoQuota: positiveInt('TODO_QUOTA', env.TODO_QUOTA),
    premiumQuota: positiveInt('PREMIUM_QUOTA', env.PREMIUM_QUOTA),
    logRequests: truthy(env.LOG_REQUESTS),
  }
}
