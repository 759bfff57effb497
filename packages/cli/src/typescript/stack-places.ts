import { fileURLToPath } from 'node:url'
import { markStacksPlaced, placeInTypeScript } from './native'

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown

/**
 * Stacks that name a TypeScript file run from its compiled copy give the place in the file as written.
 *
 * Why: the copy Node runs has no types (sucrase keeps each line where it was, not each column), and its
 * local imports and `import.meta` are written out longer, so a frame's column was the copy's, off by what
 * was removed or added before it on the line. Under `--debug`, where a failed step's stack is shown (and
 * saved in the reports), each such frame is placed through the copy's edits and sucrase's source map
 * (see placeInTypeScript).
 *
 * The stack is written as before (Node's own formatting, or whoever formatted stacks already, such as
 * source-map-support), and only the place of those frames is changed in it.
 */
export function placeStacksInTypeScript(): void {
  const previous = (Error as { prepareStackTrace?: PrepareStackTrace }).prepareStackTrace
  let placing = false
  markStacksPlaced()
  Error.prepareStackTrace = (error, frames) => {
    const written = previous ? previous(error, frames) : [Error.prototype.toString.call(error), ...frames.map((f) => `    at ${f}`)].join('\n')
    // An error made while placing a frame (a file deleted since, say) is written as it is.
    if (typeof written !== 'string' || placing) return written
    placing = true
    try {
      let text = written
      for (const frame of frames) {
        // A copy's frames are written with the name its sourceURL gives it, the TypeScript file's URL.
        const name = frame.getScriptNameOrSourceURL()
        const line = frame.getLineNumber()
        const column = frame.getColumnNumber()
        if (!name || line === null || column === null || !/\.m?ts$/.test(name)) continue
        const placed = placeInTypeScript(name.startsWith('file:') ? fileURLToPath(name) : name, line, column)
        if (placed) text = text.split(`${name}:${line}:${column}`).join(`${name}:${placed.line}:${placed.column}`)
      }
      return text
    } catch {
      return written
    } finally {
      placing = false
    }
  }
}
