// Preloaded with `node --import` in startup.test.ts: records every module the process loads into the file
// named by VENOMQA_TRACE_FILE, so a test can see what `venomqa --help` loaded. ES modules are seen by a
// resolve hook; CommonJS files (commander and jiti are required, not imported) by Node's CJS resolver.
import { appendFileSync } from 'node:fs'
import { createRequire, register } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const file = process.env.VENOMQA_TRACE_FILE ?? ''
const hooks = `
import { appendFileSync } from 'node:fs'
const file = ${JSON.stringify(file)}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (file) appendFileSync(file, result.url + '\\n')
  return result
}
`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)

const Module = createRequire(import.meta.url)('node:module')
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const resolved = resolveFilename.apply(this, args)
  if (file && path.isAbsolute(resolved)) appendFileSync(file, `${pathToFileURL(resolved).href}\n`)
  return resolved
}
