import { elasticsearchPlugin } from './plugin'

export { ElasticsearchSearch, SearchError, type ElasticsearchSearchOptions, type RefreshMode } from './search'
export { elasticsearchPlugin, elasticsearchPluginOptions, type ElasticsearchPluginOptions } from './plugin'
export default elasticsearchPlugin
