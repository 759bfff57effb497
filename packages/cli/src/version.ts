/** The CLI's version: its package.json's, written into the build (tsup.preset.ts). */
export function cliVersion(): string {
  return __VENOMQA_PKG_VERSION__
}
