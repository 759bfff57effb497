export { ControllableClock, type ClockSnapshot } from './controllable-clock'
export { TaskPool, type TaskPoolOptions } from './task-pool'
export { LocalStorage } from './local-storage'
export { MemoryCache, type MemoryCacheOptions } from './memory-cache'
export { MemoryMail, type MemoryMailOptions, type IncomingEmail } from './memory-mail'
export { MemoryQueue, type MemoryQueueOptions, type JobContext, type JobProcessor } from './memory-queue'
export {
  memoryPorts,
  memoryPortsState,
  memoryPortsOptions,
  MEMORY_PORT_NAMES,
  type MemoryPortName,
  type MemoryPortsOptions,
  type MemoryAdapters,
} from './memory-ports'
