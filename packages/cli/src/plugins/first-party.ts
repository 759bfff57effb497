import { existsSync } from 'node:fs'
import path from 'node:path'
import { nodeModulesDirs, pluginCandidates } from './resolve'

/**
 * VenomQA's own plugin packages: the only names a message may tell the user to install. A name made up
 * from what the user typed (`venomqa-plugin-mysql`, `@venomqa/adapter-postgres`) may not exist, and
 * anyone could publish a package under it. Kept in step with the workspace's packages that carry the
 * `venomqa-plugin` keyword by test/first-party-plugins.test.ts.
 */
export const FIRST_PARTY_PLUGINS: readonly string[] = [
  '@venomqa/adapter-elasticsearch',
  '@venomqa/adapter-mailhog',
  '@venomqa/adapter-redis',
  '@venomqa/adapter-wiremock',
  '@venomqa/pg-proxy',
  '@venomqa/reporter-html',
  '@venomqa/reporter-slack',
  '@venomqa/state-mysql',
  '@venomqa/state-postgres',
]

/**
 * VenomQA's own packages that are no plugins: what journeys, explorations and configs import (`@venomqa/core`;
 * `@venomqa/openapi`, which the module `venomqa explore --openapi` writes beside its regression journeys
 * imports). Kept in step with the workspace by test/first-party-plugins.test.ts, as the plugins are.
 */
export const FIRST_PARTY_LIBRARIES: readonly string[] = ['@venomqa/cli', '@venomqa/core', '@venomqa/explore', '@venomqa/openapi', '@venomqa/runner']

/**
 * The package a module specifier names when it is VenomQA's own (`@venomqa/core/testing` names
 * `@venomqa/core`), else undefined.
 */
export function firstPartyPackageOf(specifier: string): string | undefined {
  const name = /^@venomqa\/[^/]+/.exec(specifier)?.[0]
  return name && (FIRST_PARTY_LIBRARIES.includes(name) || FIRST_PARTY_PLUGINS.includes(name)) ? name : undefined
}

/**
 * Whether package `name` is in a node_modules directory that code in `dir` imports from (its own, an
 * ancestor's, NODE_PATH's, as the TypeScript loader looks), as plugins are found. Reads nothing but directories.
 */
export function packageInstalled(name: string, dir: string): boolean {
  return nodeModulesDirs(dir).some((nm) => existsSync(path.join(nm, name, 'package.json')))
}

/** VenomQA's own package a plugin spec stands for (`mysql` is @venomqa/state-mysql), or undefined when there is none. */
export function firstPartyPackageFor(spec: string): string | undefined {
  return pluginCandidates(spec).find((name) => FIRST_PARTY_PLUGINS.includes(name))
}

/**
 * What to do about a plugin `spec` that is not installed: install VenomQA's own package of that name when
 * there is one; else where a third-party plugin of that name would be published, without saying that one
 * exists (nobody checked: the user picks the package, and its publisher).
 */
export function installAdvice(spec: string): string {
  const own = firstPartyPackageFor(spec)
  if (own) return `VenomQA's own plugin of that name is ${own}: npm install -D ${own}`
  const scoped = /^(@[^/]+)\/(.+)$/.exec(spec)
  if (scoped?.[1] === '@venomqa')
    return `VenomQA has no plugin package of that name (its plugins: ${FIRST_PARTY_PLUGINS.join(', ')})`
  const convention = scoped ? `${scoped[1]}/venomqa-plugin-${scoped[2]}` : `venomqa-plugin-${spec}, or @<org>/venomqa-plugin-${spec}`
  return `VenomQA has no plugin of that name (its own: ${FIRST_PARTY_PLUGINS.map(shortName).join(', ')}); a third-party plugin is published as ${convention}: install the one you mean, from a publisher you trust`
}

/** `@venomqa/state-mysql` as a spec names it: `mysql`. */
function shortName(name: string): string {
  return name.slice('@venomqa/'.length).replace(/^(adapter|state|reporter)-/, '')
}
