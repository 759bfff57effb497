import { fileURLToPath } from 'node:url'
import { markStacksPlaced, placeInTypeScript } from './native'

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown

/** The place a frame's line ends with: `file:line:column`, in parentheses after a function's name. */
const FRAME_PLACE = /([^\s(]+:\d+:\d+)(\)?)$/

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
      // Where each frame in such a file is, by the place the stack gives it.
      const places = new Map<string, string>()
      for (const frame of frames) {
        // A copy's frames are written with the name its sourceURL gives it, the TypeScript file's URL.
        const name = frame.getScriptNameOrSourceURL()
        const line = frame.getLineNumber()
        const column = frame.getColumnNumber()
        if (!name || line === null || column === null || !/\.m?ts$/.test(name)) continue
        const placed = placeInTypeScript(name.startsWith('file:') ? fileURLToPath(name) : name, line, column)
        if (placed) places.set(`${name}:${line}:${column}`, `${name}:${placed.line}:${placed.column}`)
      }
      if (!places.size) return written
      // Frame by frame, the place at the end of its line: never a place inside another (`:8:5` in `:8:52`).
      return written
        .split('\n')
        .map((text) => text.replace(FRAME_PLACE, (whole, at: string, close: string) => (/^\s+at /.test(text) && places.has(at) ? `${places.get(at)}${close}` : whole)))
        .join('\n')
    } catch {
      return written
    } finally {
      placing = false
    }
  }
}
