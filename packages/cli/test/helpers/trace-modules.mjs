// Preloaded with `node --import` in startup.test.ts: records every module URL the ESM loader resolves
// into the file named by VENOMQA_TRACE_FILE, so a test can see what `venomqa --help` loaded.
import { register } from 'node:module'

const hooks = `
import { appendFileSync } from 'node:fs'
const file = ${JSON.stringify(process.env.VENOMQA_TRACE_FILE ?? '')}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (file) appendFileSync(file, result.url + '\\n')
  return result
}
`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
