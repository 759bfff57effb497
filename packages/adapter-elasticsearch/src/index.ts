import { elasticsearchPlugin } from './plugin'

export { ElasticsearchSearch, SearchError, type ElasticsearchSearchOptions, type RefreshMode } from './search'
export { elasticsearchPlugin, type ElasticsearchPluginOptions } from './plugin'
export default elasticsearchPlugin
