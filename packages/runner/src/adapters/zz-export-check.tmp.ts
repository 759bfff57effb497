export * from '../index'
export * from './index'
export * from '../fixture-cache'
export * from '../circuit-breaker'
