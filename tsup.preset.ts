import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Options } from 'tsup'
import { buildTypes } from './tsup.types'

/** The version in the package.json of the package being built (tsup runs in the package's directory). */
function packageVersion(dir = process.cwd()): string {
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }
  if (typeof version !== 'string' || !version) throw new Error(`${path.join(dir, 'package.json')} has no version`)
  return version
}

/** The entries a build writes declarations for: `dts.entry` where given, else every entry. */
function typeEntries(options: Options): Record<string, string> {
  const entry = (typeof options.dts === 'object' && options.dts.entry) || options.entry || ['src/index.ts']
  const files = typeof entry === 'string' ? [entry] : entry
  return Array.isArray(files) ? Object.fromEntries(files.map((file) => [path.basename(file).replace(/\.[cm]?ts$/, ''), file])) : files
}

/**
 * One build for every package: ESM + CJS, declarations (see tsup.types.ts), Node 20 target. Tree-shaking is esbuild's own, done
 * as it bundles: tsup's `treeshake` option runs rollup over esbuild's output again, which cost 2 to 3 s of
 * CPU per package (a third of each build, about 30 s of the suite's build on two cores) for files of the
 * same size. `__VENOMQA_PKG_VERSION__`
 * (declared in build-constants.d.ts) becomes the package's own version, so no version is written twice.
 */
export function preset({ define, dts = true, ...overrides }: Options = {}): Options {
  const types = dts ? typeEntries({ dts, entry: overrides.entry }) : undefined
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: false,
    define: { __VENOMQA_PKG_VERSION__: JSON.stringify(packageVersion()), ...define },
    ...overrides,
    // Declarations once the JavaScript is written: tsup's own `dts` is off (see tsup.types.ts).
    dts: false,
    ...(types ? { onSuccess: () => buildTypes(types) } : {}),
  }
}
