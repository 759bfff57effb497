/**
 * JavaScript and TypeScript, by extension: what journeys, plugins, configs and their helpers are written
 * in, what an import of theirs can name besides JSON, and never a report.
 */
const CODE = /\.(?:[cm]?[jt]s|[jt]sx)$/i

export function isCodeFile(file: string): boolean {
  return CODE.test(file)
}
