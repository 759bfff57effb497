import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Options } from 'tsup'

/** The version in the package.json of the package being built (tsup runs in the package's directory). */
function packageVersion(dir = process.cwd()): string {
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }
  if (typeof version !== 'string' || !version) throw new Error(`${path.join(dir, 'package.json')} has no version`)
  return version
}

/**
 * One build for every package: ESM + CJS, declarations, Node 20 target. `__VENOMQA_PKG_VERSION__`
 * (declared in build-constants.d.ts) becomes the package's own version, so no version is written twice.
 */
export function preset({ define, ...overrides }: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    define: { __VENOMQA_PKG_VERSION__: JSON.stringify(packageVersion()), ...define },
    ...overrides,
  }
}
