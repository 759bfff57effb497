#!/usr/bin/env node
/**
 * Runs every workspace package's `test` script, two at a time, the longest first: what `pnpm test` runs
 * once the packages are built.
 *
 * Why not `turbo run test`: turbo starts a package's tests once the builds it depends on have been
 * replayed from its cache, and with two slots those replays wait behind the tests already running. The
 * packages that depend on the most (the CLI, explore, the example journeys) are the longest and started
 * last: for the last minute and a half of the suite one core ran the example journeys alone. Longest first
 * is the classic answer to packing jobs onto a fixed number of machines; the order below comes from the
 * per-package durations CI prints (vitest's "Duration" line).
 *
 * Output: each line prefixed with the package name, as turbo does, so a CI log still reads by package and
 * its summary lines ("Tests  12 passed") add up. Every package runs even after one fails; the exit code is 1
 * when any did, and the failed ones are named last, each after what vitest said of its failures.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/**
 * Two at a time, on CI's two cores: with a third, every package ran that much slower and the CLI, alone in
 * its lane, became the end of the suite (measured: no faster in all). The CLI's own files run two at a time
 * (its vitest.config.ts), so that the longest package takes a core and a half while it runs; so do the
 * files of pg-proxy, state-postgres and state-mysql, which spend most of their time waiting (for a lock
 * timeout, a deadline, the database) and fill each other's waits. Measured on a loaded two-core machine,
 * those four packages in two lanes: 376 s with only the CLI's files two at a time, 239 s with all four.
 */
const LANES = 2

/**
 * Longest first: seconds in a fresh-clone CI run of two lanes on a quiet machine (test phase 434 s), the
 * files of the CLI, pg-proxy, state-postgres and state-mysql two at a time. A package not listed runs last,
 * in the order the workspace lists it.
 */
const LONGEST_FIRST = [
  '@venomqa/cli', // 142
  '@venomqa/openapi', // 99
  '@venomqa/state-postgres', // 98, two files at a time
  '@venomqa/explore', // 86
  '@venomqa/runner', // 64
  '@venomqa/adapter-wiremock', // 63
  '@venomqa/pg-proxy', // 47, two files at a time
  '@venomqa/examples-journeys', // 40
  '@venomqa/core', // 40
  '@venomqa/adapter-redis', // 38
  '@venomqa/state-mysql', // 36, two files at a time
  '@venomqa/reporter-html', // 22
  '@venomqa/adapter-mailhog', // 18
  '@venomqa/release-check', // 13
  '@venomqa/example-todo-app', // 8
  '@venomqa/example-shop-app', // 7
  '@venomqa/reporter-slack', // 7
  'venomqa-plugin-csv', // 5
  '@venomqa/adapter-elasticsearch', // 5
  '@venomqa/repo-check', // 4
  '@venomqa/test-utils', // 4
  '@venomqa/example-app-kit', // 2
]

/** The workspace's packages that have a test script (pnpm-workspace.yaml: packages/*, examples/*, tooling/*). */
function testedPackages() {
  const found = []
  for (const group of ['packages', 'examples', 'tooling']) {
    for (const dir of readdirSync(path.join(ROOT, group)).sort()) {
      const manifest = path.join(ROOT, group, dir, 'package.json')
      if (!existsSync(manifest)) continue
      const { name, scripts } = JSON.parse(readFileSync(manifest, 'utf8'))
      if (scripts?.test) found.push({ name, dir: path.join(ROOT, group, dir) })
    }
  }
  const rank = (name) => (LONGEST_FIRST.includes(name) ? LONGEST_FIRST.indexOf(name) : LONGEST_FIRST.length)
  // sort is stable: packages of equal rank keep the workspace's order.
  return found.sort((a, b) => rank(a.name) - rank(b.name))
}

/**
 * What a failed package said about its failures: vitest's closing sections (Failed Suites, Failed Tests,
 * Unhandled Errors), or the last lines when it stopped before them. Printed again after every package ran,
 * so that the end of a CI log, often all that is kept of it, says what failed and why.
 */
function failureReport(lines) {
  const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))
  const start = plain.findIndex((l) => /⎯ (Failed Suites|Failed Tests|Unhandled Errors?) /.test(l))
  const end = plain.findIndex((l, i) => i > start && /^\s*Test Files /.test(l))
  // Without vitest's summary lines: .ci/run adds up every "Tests  N passed" line of the log.
  const report = (start >= 0 ? plain.slice(start, end > start ? end : undefined) : plain.slice(-40)).filter((l) => !/^\s*Tests +[0-9]/.test(l))
  const MAX = 200
  return report.length > MAX ? [...report.slice(0, MAX), `... ${report.length - MAX} more lines above, in the package's output`] : report
}

/**
 * The environment every package's tests run in: this one, without NODE_EXTRA_CA_CERTS. The tests talk to
 * nothing but services on 127.0.0.1, with certificates they make themselves, and the variable makes every
 * node process read and parse the CA bundle it names as it starts: 40 ms of CPU on a machine whose
 * /etc/ssl bundle it names, for each of the hundreds of CLIs and apps the tests start. Measured on the
 * CLI's tests, two cores: 115 s of CPU with it, 103 s without.
 */
const TEST_ENV = { ...process.env }
delete TEST_ENV.NODE_EXTRA_CA_CERTS

/** Run one package's tests, its output prefixed line by line; resolves to whether they passed, and its lines. */
function runTests({ name, dir }) {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['run', 'test'], { cwd: dir, env: TEST_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    const said = []
    const say = (lines) => {
      for (const l of lines) said.push(l)
      process.stdout.write(lines.map((l) => `${name}:test: ${l}\n`).join(''))
    }
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop()
        if (lines.length) say(lines)
      })
      stream.on('end', () => rest && say([rest]))
    }
    child.on('error', (err) => {
      say([`could not start: ${err.message}`])
      resolve({ passed: false, said })
    })
    child.on('close', (code) => resolve({ passed: code === 0, said }))
  })
}

// `node tooling/run-tests.mjs @venomqa/core @venomqa/cli`: only those packages.
const only = process.argv.slice(2)
const queue = testedPackages().filter((p) => !only.length || only.includes(p.name))
if (only.length && queue.length !== only.length) {
  const unknown = only.filter((name) => !queue.some((p) => p.name === name))
  process.stderr.write(`run-tests: no package with a test script named ${unknown.join(', ')}\n`)
  process.exit(2)
}
const failed = []
const started = Date.now()
async function lane() {
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { passed, said } = await runTests(next)
    if (!passed) failed.push({ name: next.name, report: failureReport(said) })
  }
}
await Promise.all(Array.from({ length: LANES }, lane))
const seconds = ((Date.now() - started) / 1000).toFixed(0)
for (const { name, report } of failed) process.stdout.write(`\n── what failed in ${name} ──\n${report.join('\n')}\n`)
if (failed.length) {
  process.stdout.write(`\ntests failed in ${failed.map((f) => f.name).join(', ')} (${seconds} s)\n`)
  process.exitCode = 1
} else process.stdout.write(`\nevery package's tests passed (${seconds} s)\n`)
