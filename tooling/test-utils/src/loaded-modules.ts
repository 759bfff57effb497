import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Every module a fresh process loads when it imports `entry` (a file) and then runs `after`, which sees the
 * imported module as `mod` (`await mod.createConnectionPool().close()`): the ES modules through a resolve hook
 * registered first, the CommonJS ones from the require cache. For tests of what an import costs (a package
 * that must not load zod, a driver loaded only when used); a fresh process, so that nothing the test file
 * itself loaded counts. What `after` prints on stdout is returned as `output`.
 */
export function modulesLoadedBy(entry: string, after = ''): { modules: string[]; output: string } {
  const script = `
    import { createRequire, register } from 'node:module'
    register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); process.stdout.write("\\\\nLOADED " + r.url + "\\\\n"); return r }'))
    const mod = await import(process.argv[1])
    ${after}
    process.stdout.write('\\nREQUIRED ' + JSON.stringify(Object.keys(createRequire(import.meta.url).cache)) + '\\n')`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(entry).href], { encoding: 'utf8' })
  const esm = [...out.matchAll(/^LOADED (.*)$/gm)].map((m) => m[1]!)
  const cjs = JSON.parse(/^REQUIRED (.*)$/m.exec(out)![1]!) as string[]
  const output = out.replace(/^(LOADED|REQUIRED) .*$/gm, '').trim()
  return { modules: [...new Set([...esm.map((url) => (url.startsWith('file:') ? new URL(url).pathname : url)), ...cjs])], output }
}

/** Whether one of `modules` belongs to the npm package `name` (`zod`, `bullmq`), wherever pnpm put it. */
export const fromPackage = (name: string) => (file: string) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)
