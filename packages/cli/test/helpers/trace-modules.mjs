// Preloaded with `node --import` in startup.test.ts: records every module the process loads into the file
// named by VENOMQA_TRACE_FILE, so a test can see what `venomqa --help` loaded. ES modules are seen by a
// resolve hook; CommonJS files (jiti is required, not imported) by Node's CJS resolver; Node's own modules,
// however they were loaded, at exit as `builtin:<name>` (from process.moduleLoadList).
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

process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `builtin:${m.slice('NativeModule '.length)}`)
  if (file) appendFileSync(file, `${builtins.join('\n')}\n`)
})
