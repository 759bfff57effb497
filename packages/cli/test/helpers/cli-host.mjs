// A process that runs the built CLI's commands one after another, each as `venomqa` would run it in a process
// of its own: in the project's directory, with only the environment given, its output collected. Started by
// CliHost (project.ts) once per test file, so that a file of fifty refusals does not start fifty Node
// processes, each loading and compiling the CLI again (about 0.25 s of CPU each, most of what such a test costs).
//
// What bin.ts does around `main` and this does not: --debug's stack places (tests of --debug run the binary),
// and the exit itself. A fault nothing caught is answered as bin.ts answers it (exit 1, one line), and this
// process then ends: what it holds is in no known state, and CliHost starts a new one for the next command.
import { readFileSync } from 'node:fs'
import { errorMessage, redactText } from '@venomqa/core'

const BIN = new URL('../../dist/bin.js', import.meta.url)
// The command line's module is a chunk of the build whose name has a hash: bin.js names it.
const chunk = /import\(["']\.\/(program-[\w-]+\.js)["']\)/.exec(readFileSync(BIN, 'utf8'))
if (!chunk) throw new Error(`cli-host: ${BIN.pathname} imports no ./program-*.js chunk: the build changed, and this host with it`)
const { main } = await import(new URL(chunk[1], BIN).href)

/**
 * What the command writes to process.stdout and process.stderr, kept for its answer. The command gets the
 * process's own streams, as bin.ts gives them (a report on stdout is told from the run's lines by that), and
 * they are pipes, as a spawned process's are: what is written to them is kept here, and nothing goes through.
 */
function capture(stream) {
  let text = ''
  stream.write = (chunk, encoding, done) => {
    const callback = typeof encoding === 'function' ? encoding : done
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    if (callback) process.nextTick(callback)
    return true
  }
  return {
    take() {
      const taken = text
      text = ''
      return taken
    },
  }
}
const stdout = capture(process.stdout)
const stderr = capture(process.stderr)

/** `process.exit` as it is now: a command replaces it while it runs (exit-guard.ts), as in bin.ts. */
const exitNow = process.exit.bind(process)
const runnerTakesIt = () => globalThis[Symbol.for('venomqa.faults.armed')] === true

let current
const faulted = (what) => (error) => {
  // While a runner works it takes stray errors itself (and turns them into issues), as in bin.ts.
  if (what !== 'thrown by main' && runnerTakesIt()) return
  if (current) process.stderr.write(`venomqa: unexpected error (${what}): ${redactText(errorMessage(error))}\n  (run with --debug to see the stack)\n`)
  answer(1, () => exitNow(1), true)
}
process.on('uncaughtException', faulted('thrown where nothing caught it'))
process.on('unhandledRejection', faulted('a promise rejected that nothing awaited'))

/** The command's exit code and output to CliHost, `ending` when this process ends next; `then` once the message is sent. */
function answer(code, then, ending = false) {
  if (!current) return then?.()
  const { id } = current
  current = undefined
  process.send({ id, code, stdout: stdout.take(), stderr: stderr.take(), ending }, then)
}

process.on('message', async ({ id, argv, cwd, env }) => {
  process.chdir(cwd)
  for (const key of Object.keys(process.env)) delete process.env[key]
  Object.assign(process.env, env)
  process.argv = [process.execPath, BIN.pathname, ...argv]
  stdout.take()
  stderr.take()
  current = { id }
  let code
  try {
    code = await main(argv, { stdout: process.stdout, stderr: process.stderr, cwd, env: process.env })
  } catch (error) {
    faulted('thrown by main')(error)
  }
  answer(code)
})
// The test process that started this one is gone (it crashed, or was killed): so is this one.
process.on('disconnect', () => exitNow(0))
process.send({ ready: true })
