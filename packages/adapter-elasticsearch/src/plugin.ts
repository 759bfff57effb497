import { PLUGIN_API_VERSION, PluginError, definePlugin, TIMER_MS_EXPECTED, isTimerMs } from '@venomqa/core'
import type { Client } from '@elastic/elasticsearch'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { elasticsearch } from './driver'
import { ElasticsearchSearch, type ElasticsearchSearchOptions } from './search'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

const isHttpNode = (n: unknown) => {
  const url = typeof n === 'string' ? n : n instanceof URL ? n.href : (n as { url?: URL | string } | null)?.url?.toString()
  return !!url && /^https?:\/\/[^/]/.test(url)
}
/** What the client library checks itself (tls, its own options), passed through as given. */
const passThrough = () => z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null, { error: 'expected an object' })

/** The options of the Elasticsearch plugin. */
export const elasticsearchPluginOptions = z
  .strictObject({
    /** `http://localhost:9200`, or several nodes. Required unless `client` or `clientOptions` names the cluster. */
    node: z.optional(
      z.custom<string | string[] | URL | Record<string, unknown>>((v) => (Array.isArray(v) ? v.length > 0 && v.every(isHttpNode) : isHttpNode(v)), {
        error: 'expected an http:// or https:// URL (e.g. "http://localhost:9200")',
      }),
    ),
    /**
     * The client's own three forms, checked here: it does not check them, and a wrong shape
     * (`{ user, pass }`, `{ username }` alone) sent no credentials at all, silently.
     */
    auth: z.optional(
      z.union(
        [
          z.strictObject({ username: z.string().check(z.minLength(1)), password: z.string() }),
          z.strictObject({
            apiKey: z.union([z.string().check(z.minLength(1)), z.strictObject({ id: z.string().check(z.minLength(1)), api_key: z.string().check(z.minLength(1)) })]),
          }),
          z.strictObject({ bearer: z.string().check(z.minLength(1)) }),
        ],
        { error: 'expected { username, password }, { apiKey } or { bearer }' },
      ),
    ),
    tls: z.optional(passThrough()),
    /** Prepended to every index name, to keep test runs apart. Lowercase, as index names are. */
    indexPrefix: z.optional(
      z.string().check(z.refine((p) => p === p.toLowerCase(), { error: 'expected a lowercase string (Elasticsearch index names are lowercase)' })),
    ),
    refresh: z.optional(z.union([z.boolean(), z.literal('wait_for')], { error: 'expected true, false or "wait_for"' })),
    /** Per request, ms. Default 30 000. */
    requestTimeoutMs: z.optional(z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))),
    requestTimeout: z.optional(z.unknown().check(z.refine(() => false, { error: 'renamed to requestTimeoutMs (milliseconds)' }))),
    clientOptions: z.optional(passThrough()),
    // A Client given here was made by the app's own import, so checking it loads nothing new.
    client: z.optional(z.custom<Client>((v) => v instanceof elasticsearch().Client, { error: 'expected an @elastic/elasticsearch Client' })),
    /** The port name. Default 'search'. */
    portName: z._default(z.string().check(z.minLength(1, { error: 'expected a non-empty string' })), 'search'),
  })
  .check(
    z.refine((o) => o.client || o.node !== undefined || o.clientOptions?.node || o.clientOptions?.nodes || o.clientOptions?.cloud, {
      error: 'is required (e.g. { node: "http://localhost:9200" })',
      path: ['node'],
      // Also when another option is wrong: every problem at once, not this one after the others are fixed.
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    }),
  )

export type ElasticsearchPluginOptions = z.input<typeof elasticsearchPluginOptions>

const NAME = '@venomqa/adapter-elasticsearch'

/**
 * Registers an Elasticsearch SearchPort as `search`, a health check for `venomqa doctor`, and closes the
 * client when the run ends.
 *
 *   plugins: [['elasticsearch', { node: 'http://localhost:9200', indexPrefix: 'qa-' }]]
 */
export const elasticsearchPlugin = definePlugin({
  name: NAME,
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: elasticsearchPluginOptions,
  // A port and no state backend: declared, so a parallel run is refused (or not) before any plugin sets up.
  stateBackends: () => [],
  setup(api) {
    const options = api.options
    let search: ElasticsearchSearch
    try {
      // The client library checks tls and its own options itself.
      search = new ElasticsearchSearch(options as ElasticsearchSearchOptions)
    } catch (err) {
      throw new PluginError(NAME, `plugin "${NAME}": ${(err as Error).message}`, { cause: err })
    }
    api.addPort(options.portName, search)
    api.addHealthCheck('elasticsearch', () => search.healthCheck())
    api.onClose(() => search.close())
  },
})
