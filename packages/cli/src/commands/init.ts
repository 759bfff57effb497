import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { UserError, redactText } from '@venomqa/core'
import { quote } from '../codegen'
import { findConfigFile } from '../config/load'
import { EXIT, type Io } from '../exit'
import { parseJsonText } from '../json-place'
import { replaceFile } from '../replace-file'
import { parseFlagValues } from './flags'

export interface InitFlags {
  force?: boolean
  baseUrl?: string
  /** Scaffold a plugin package instead of a project. */
  plugin?: string
}

const SCRIPT_NAME = 'test:api'
const SCRIPT = 'venomqa run'

function configFile(baseUrl: string): string {
  return `import { defineConfig } from '@venomqa/cli'

export default defineConfig({
  // The API under test. \${VAR:-default} reads the environment.
  baseUrl: ${quote(`\${API_URL:-${asDefault(baseUrl)}}`)},
  journeys: 'journeys/**/*.journey.ts',
  reporters: ['console', 'junit:reports/junit.xml'],
  timeout: 10_000,
  // State backends roll the app's data back between paths. Install @venomqa/adapter-redis and
  // @venomqa/state-postgres, give the app's Redis key prefix, then uncomment:
  // plugins: [['redis', { url: '\${REDIS_URL}', prefix: 'myapp:' }], ['postgres', { url: '\${DATABASE_URL}' }]],
  profiles: {
    // A journey that fails is run once more from scratch (the state backends rolled back first), and one
    // that then passes is reported flaky: a step retried in place would send its POST again unseen.
    ci: { journeyRetries: 1, reporters: ['console', 'junit:reports/junit.xml', 'markdown:reports/venomqa.md'] },
  },
})
`
}

const EXAMPLE_JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

// A first journey: check the API answers, save the state, then try two paths from it.
export default journey('example', {
  tags: ['smoke'],
  steps: [
    step('health', ({ http }) => http.get('/health')),
    checkpoint('ready'),
    branch('ready', [
      path('root', [step('get_root', ({ http }) => http.get('/health'))]),
      path('unknown_route', [step('get_missing', ({ http }) => http.get('/this-route-does-not-exist'), { expectFailure: true })]),
    ]),
  ],
})
`

/**
 * The URL as the default of `${API_URL:-...}`, which ends at the first `}`: braces percent-encoded, as
 * the URL parser sends them in a path anyway, so that the default is the whole URL and no `${` in it
 * reads a variable.
 */
function asDefault(url: string): string {
  return url.replace(/[{}]/g, (brace) => encodeURIComponent(brace))
}

/**
 * `venomqa init`: write venomqa.config.ts, journeys/example.journey.ts and a `test:api` script. Nothing
 * that exists is overwritten without --force; when something would be, nothing at all is written.
 */
export async function initCommand(flags: InitFlags, io: Io): Promise<number> {
  if (flags.plugin !== undefined) return (await import('./init-plugin')).initPluginCommand(flags.plugin, flags, io)
  const dir = io.cwd
  const baseUrl = flags.baseUrl ?? 'http://localhost:3000'
  // Checked as `run` checks it: a URL that is not one is told now (exit 2), not at the first run.
  parseFlagValues({ baseUrl })
  // The file is meant to be committed: a password in the URL would be written into it, in clear.
  if (new URL(baseUrl).password)
    throw new UserError(
      'E_CONFIG',
      `--base-url holds a password (${redactText(baseUrl)}), which would be written into venomqa.config.ts: give the URL without it, and set API_URL with the whole URL where the runs happen (the config reads API_URL first)`,
      { where: '--base-url' },
    )
  const files = [
    { file: path.join(dir, 'venomqa.config.ts'), content: configFile(baseUrl) },
    { file: path.join(dir, 'journeys', 'example.journey.ts'), content: EXAMPLE_JOURNEY },
  ]
  // A directory that is not one (`journeys` a file) cannot be written into, --force or not: said before
  // anything is written, where the first file used to be created and the second fail with ENOTDIR.
  for (const f of files) {
    const blocked = notADirectoryAbove(f.file, dir)
    if (blocked)
      throw new UserError('E_INIT', `${path.relative(dir, blocked)} is not a directory: init writes ${path.relative(dir, f.file)} in it. Nothing was written; move or rename it`, {
        where: path.relative(dir, blocked),
      })
    if (statSync(f.file, { throwIfNoEntry: false })?.isDirectory())
      throw new UserError('E_INIT', `${path.relative(dir, f.file)} is a directory: init writes a file there. Nothing was written; move or rename it`, {
        where: path.relative(dir, f.file),
      })
  }
  const conflicts: string[] = []
  const existingConfig = findConfigFile(dir)
  if (existingConfig && !flags.force) conflicts.push(path.basename(existingConfig))
  // lstat, not existsSync: a link whose target is gone "does not exist" to existsSync, and was replaced.
  for (const f of files) if (lstatSync(f.file, { throwIfNoEntry: false }) && !flags.force && f.file !== existingConfig) conflicts.push(path.relative(dir, f.file))

  const pkgFile = path.join(dir, 'package.json')
  let pkgText: string | undefined
  let pkg: { scripts?: Record<string, string> } | undefined
  if (existsSync(pkgFile)) {
    pkgText = await readFile(pkgFile, 'utf8')
    pkg = parseJsonText(pkgText, (place, reason) => new UserError('E_INIT', `package.json${place} is not valid JSON (${reason}); fix it first`, { where: `package.json${place}` }))
    checkScriptsPlace(pkg)
    const existing = pkg?.scripts?.[SCRIPT_NAME]
    if (existing !== undefined && existing !== SCRIPT && !flags.force) conflicts.push(`package.json scripts["${SCRIPT_NAME}"] (${redactText(JSON.stringify(existing))})`)
    // Written, the file a linked package.json points to (another package's, one shared by several) would
    // change under a name the user never gave: a conflict as the other files are, which --force settles
    // the same way, by a package.json of its own where the link was (see replaceFile).
    const linkedTo = existing !== SCRIPT && !flags.force ? linkTarget(pkgFile) : undefined
    if (linkedTo !== undefined) conflicts.push(`package.json (a symbolic link to ${linkedTo}, which init does not write through)`)
  }
  if (conflicts.length)
    throw new UserError('E_INIT_EXISTS', `not overwriting what exists: ${conflicts.join(', ')}. Nothing was written; use --force to replace them`, {
      where: dir,
    })

  for (const f of files) {
    await replaceFile(f.file, f.content)
    io.stdout.write(`created ${path.relative(dir, f.file)}\n`)
  }
  if (pkg && pkgText !== undefined) {
    const replaced = pkg.scripts?.[SCRIPT_NAME]
    if (replaced !== SCRIPT) {
      pkg.scripts = { ...pkg.scripts, [SCRIPT_NAME]: SCRIPT }
      await replaceFile(pkgFile, asWrittenBefore(pkg, pkgText))
      // --force replaced a script of the user's: said, with what it was, so it can be put back.
      io.stdout.write(
        replaced === undefined
          ? `added "${SCRIPT_NAME}": "${SCRIPT}" to package.json\n`
          : `replaced "${SCRIPT_NAME}": ${redactText(JSON.stringify(replaced))} with "${SCRIPT}" in package.json\n`,
      )
    }
  } else io.stdout.write(`no package.json here: run the journeys with npx venomqa run\n`)
  if (existingConfig && existingConfig !== files[0]!.file && flags.force)
    io.stdout.write(`note: ${path.basename(existingConfig)} is still there; venomqa.config.ts is the one VenomQA reads now\n`)
  const missing = ['@venomqa/cli', '@venomqa/core'].filter((name) => !installedFrom(dir, name))
  const run = pkg ? `npm run ${SCRIPT_NAME}` : 'npx venomqa run'
  // Where the journeys will look for the API, and how to point them elsewhere: found only in the config before.
  const where = `on ${redactText(baseUrl)}, or set API_URL to where it runs`
  io.stdout.write(`\nNext: ${missing.length ? `npm install -D ${missing.join(' ')}, then ` : ''}start your API (${where}), then ${run}\n`)
  return EXIT.OK
}

/**
 * `pkg` as JSON in the shape of the text it was read from: its indentation (spaces or a tab), its line
 * endings (CRLF, as a Windows checkout has them), a final line break if it had one. The indentation of a
 * CRLF file was once read with the `\n` of the line before it, and every line written got an empty one
 * after it, with the file's CRLF endings gone.
 */
function asWrittenBefore(pkg: unknown, text: string): string {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  '
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const json = JSON.stringify(pkg, null, indent).replace(/\n/g, eol)
  return /\r?\n$/.test(text) ? `${json}${eol}` : json
}

/**
 * init adds its script to `scripts`, an object of names to commands: a package.json that is no object, or
 * whose `scripts` is something else (a string, an array, null), would be rewritten into something else
 * again, its scripts lost. Refused before anything is written, for the user to fix.
 */
function checkScriptsPlace(pkg: unknown): asserts pkg is { scripts?: Record<string, string> } {
  if (!isPlainObject(pkg))
    throw new UserError('E_INIT', `package.json holds ${describeJson(pkg)}, not an object: init adds a "${SCRIPT_NAME}" script to its "scripts". Nothing was written; fix package.json first`, {
      where: 'package.json',
    })
  if (Object.hasOwn(pkg, 'scripts') && !isPlainObject(pkg.scripts))
    throw new UserError(
      'E_INIT',
      `package.json "scripts" is ${describeJson(pkg.scripts)}, not an object of script names to commands: init adds "${SCRIPT_NAME}" there. Nothing was written; make "scripts" an object (or remove it) first`,
      { where: 'package.json "scripts"' },
    )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** What a JSON value is, in words: `a string`, `an array`, `null`. */
function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** The nearest existing path between `dir` and `file`'s directory that is not a directory (links followed), if any. */
function notADirectoryAbove(file: string, dir: string): string | undefined {
  const above: string[] = []
  for (let at = path.dirname(file); at.startsWith(dir) && at !== dir; at = path.dirname(at)) above.unshift(at)
  for (const at of above) {
    const found = statSync(at, { throwIfNoEntry: false })
    // A link to nothing is in the way too: the directory cannot be made there.
    if (!found) return lstatSync(at, { throwIfNoEntry: false }) ? at : undefined
    if (!found.isDirectory()) return at
  }
  return undefined
}

/** What `file` points to, as the link says it, when it is a symbolic link. */
function linkTarget(file: string): string | undefined {
  return lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(file) : undefined
}

/** Whether `name` resolves from `dir` as Node would find it: in a node_modules of `dir` or of a parent. */
function installedFrom(dir: string, name: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules', name, 'package.json'))) return true
    if (path.dirname(at) === at) return false
  }
}
