import { PLUGIN_API_VERSION, PluginError, definePlugin } from '@venomqa/core'
import { ElasticsearchSearch, type ElasticsearchSearchOptions } from './search'

export type ElasticsearchPluginOptions = ElasticsearchSearchOptions & {
  /** The port name. Default 'search'. */
  portName?: string
}

const NAME = '@venomqa/adapter-elasticsearch'

/**
 * Registers an Elasticsearch SearchPort as `search`, a health check for `venomqa doctor`, and closes the
 * client when the run ends.
 *
 *   plugins: [['elasticsearch', { node: 'http://localhost:9200', indexPrefix: 'qa-' }]]
 */
export const elasticsearchPlugin = definePlugin<ElasticsearchPluginOptions>({
  name: NAME,
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(api) {
    const options = checkOptions(api.options ?? {})
    let search: ElasticsearchSearch
    try {
      search = new ElasticsearchSearch(options)
    } catch (err) {
      throw new PluginError(NAME, `plugin "${NAME}": ${(err as Error).message}`, { cause: err })
    }
    api.addPort(options.portName ?? 'search', search)
    api.addHealthCheck('elasticsearch', () => search.healthCheck())
    api.onClose(() => search.close())
  },
})

/** Options may come from YAML: name the one that is wrong. */
function checkOptions(o: ElasticsearchPluginOptions): ElasticsearchPluginOptions {
  const fail = (key: string, expected: string): never => {
    throw new PluginError(NAME, `plugin "${NAME}": option "${key}" must be ${expected}, got ${JSON.stringify((o as Record<string, unknown>)[key])}`)
  }
  if (!o.client && o.node === undefined && !o.clientOptions?.node && !o.clientOptions?.nodes && !o.clientOptions?.cloud)
    throw new PluginError(NAME, `plugin "${NAME}": option "node" is required (e.g. { node: "http://localhost:9200" })`)
  if (o.node !== undefined) {
    const nodes = Array.isArray(o.node) ? o.node : [o.node]
    for (const n of nodes) {
      const url = typeof n === 'string' ? n : n instanceof URL ? n.href : (n as { url?: URL | string })?.url?.toString()
      if (!url || !/^https?:\/\/[^/]/.test(url)) fail('node', 'an http:// or https:// URL (e.g. "http://localhost:9200")')
    }
  }
  if (o.indexPrefix !== undefined && (typeof o.indexPrefix !== 'string' || o.indexPrefix !== o.indexPrefix.toLowerCase()))
    fail('indexPrefix', 'a lowercase string (Elasticsearch index names are lowercase)')
  if (o.refresh !== undefined && o.refresh !== true && o.refresh !== false && o.refresh !== 'wait_for') fail('refresh', 'true, false or "wait_for"')
  if (o.requestTimeout !== undefined && !(typeof o.requestTimeout === 'number' && o.requestTimeout > 0)) fail('requestTimeout', 'a number of ms greater than 0')
  if (o.portName !== undefined && (typeof o.portName !== 'string' || o.portName === '')) fail('portName', 'a non-empty string')
  return o
}
