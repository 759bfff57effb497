import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where in the test's own code a step's slip happened: JavaScript's own errors (`Cannot read properties
 * of undefined (reading 'id')`) name no place, and without `--debug` a first journey's author was left to
 * guess which of its lines read `.id`. The first frame of the error's stack that is neither Node's, nor a
 * dependency's, nor this runner's, as `journeys/orders.journey.ts:19:42` (relative to the working
 * directory); undefined for any other error, or when no frame is the test's.
 */
export function thrownAt(err: unknown): string | undefined {
  if (!(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError)) return undefined
  const stack = err.stack
  if (typeof stack !== 'string') return undefined
  for (const line of stack.split('\n')) {
    const frame = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(line)
    if (!frame) continue
    const file = frame[1]!.startsWith('file://') ? fileURLToPath(frame[1]!) : frame[1]!
    if (!path.isAbsolute(file) || file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(runnerDir())) continue
    return `${path.relative(process.cwd(), file) || file}:${frame[2]}:${frame[3]}`
  }
  return undefined
}

let ownDir: string | undefined
/** This package's directory, from where this code runs (its dist, in ESM or CommonJS): its frames are the runner's. */
function runnerDir(): string {
  if (ownDir !== undefined) return ownDir
  const here = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/m.exec(new Error().stack ?? '')?.[1]
  const file = here?.startsWith('file://') ? fileURLToPath(here) : here
  ownDir = file ? `${path.dirname(path.dirname(file))}${path.sep}` : '\0'
  return ownDir
}
