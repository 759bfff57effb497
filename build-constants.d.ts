/**
 * Constants replaced at build time: by tsup (tsup.preset.ts) in a package's dist, by a Vite plugin
 * (vitest.shared.ts) when tests import src. Every package's tsconfig sees this file through
 * tsconfig.base.json.
 */

/** The `version` of the package.json of the package this source file belongs to. */
declare const __VENOMQA_PKG_VERSION__: string
