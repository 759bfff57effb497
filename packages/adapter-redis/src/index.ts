export { default, default as redisPlugin, PLUGIN_NAME, redisPluginOptions, resolveOptions, type RedisPluginOptions } from './plugin'
export { RedisCache, type RedisCacheOptions } from './cache'
export { BullQueue, toJobStatus, type BullQueueOptions } from './queue'
export { RedisState, type RedisStateOptions } from './state'
export { DEFAULT_REDIS_URL, type ConnectionOptions } from './connection'
export { redisWorkers, type RedisWorkersOptions, type RedisWorkerResources } from './workers'
// Where users import a worker setup, they find the function that composes it with others.
export { composeWorkers, startAppProcess, type WorkerApp } from '@venomqa/core'
