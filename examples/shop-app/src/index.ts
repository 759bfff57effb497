export { OPENAPI_PATH, createShopApp, type ShopApp, type ShopAppOptions } from './app'
export { BUG_IDS, type BugId, DETERMINISTIC_BUGS, NONDETERMINISTIC_BUGS, parseBugs } from './bugs'
export { TABLES } from './db'
export { COUPON } from './routes/orders'
