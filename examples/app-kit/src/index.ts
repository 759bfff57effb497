export { type Handler, HttpError, type RouteContext, type RouteResult, Router, invalid, notFound, readJson, sendJson } from './http'
export { hashPassword, newToken, verifyPassword } from './passwords'
export { type JsonServerOptions, createJsonServer, listen, stopListening } from './server'
export { type AppMain, runMain } from './main'
