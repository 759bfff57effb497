import { createRequire } from 'node:module'

type Elasticsearch = typeof import('@elastic/elasticsearch')

let loaded: Elasticsearch | undefined

/**
 * `@elastic/elasticsearch`, required when the plugin first needs it (its search port is made, or a given
 * `client` option is checked), not when the plugin is imported. Loading the client takes about 100 ms, which
 * every run and every `venomqa plugins` or `doctor` with the plugin configured paid before anything ran.
 * Its exports map gives `import` and `require` the one CommonJS file: this is the instance an app's own
 * `import { Client }` gets, so `instanceof` holds across the two.
 */
export function elasticsearch(): Elasticsearch {
  loaded ??= createRequire(import.meta.url)('@elastic/elasticsearch') as Elasticsearch
  return loaded
}
