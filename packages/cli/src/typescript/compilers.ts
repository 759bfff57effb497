/**
 * sucrase and acorn, bundled by tsup.config.ts into one CommonJS file, dist/compilers.cjs, which
 * compile.ts requires when a TypeScript file changed since the last run. From the package, Node found and
 * loaded sucrase's 60-odd CommonJS modules one at a time; one file takes half the time (about 60 ms less
 * for the first run after each change, and for every run of a new project).
 */
export { transform } from 'sucrase'
export { parse } from 'acorn'
