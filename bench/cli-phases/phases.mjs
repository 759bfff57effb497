// A plugin that marks the phases of a process: start to runStart, runStart to runEnd, runEnd to exit. At
// exit it prints one line, `BENCH_PHASES {...}`, on stderr: wall times from performance.now() and, on
// Linux, the main thread's CPU time (from /proc: other threads, the GC's helpers, are left out).
import { readFileSync } from 'node:fs'
import { definePlugin } from '@venomqa/core'

const mainThreadCpuMs = () => {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return Number.NaN
  }
}
const mark = () => ({ wall: performance.now(), cpu: mainThreadCpuMs() })

let start
let end
export default definePlugin({
  name: 'bench-phases',
  version: '1.0.0',
  apiVersion: 1,
  hooks: {
    runStart() {
      start = mark()
    },
    runEnd() {
      end = mark()
      process.once('exit', () => {
        const exit = mark()
        const phases = {
          beforeRun: { wall: start.wall, cpu: start.cpu },
          run: { wall: end.wall - start.wall, cpu: end.cpu - start.cpu },
          afterRun: { wall: exit.wall - end.wall, cpu: exit.cpu - end.cpu },
        }
        process.stderr.write(`\nBENCH_PHASES ${JSON.stringify(phases)}\n`)
      })
    },
  },
})
