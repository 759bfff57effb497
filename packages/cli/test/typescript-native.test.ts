import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, type Project, assertBuilt, cleanEnv, makeProject } from './helpers/project'

const TRACER = path.join(__dirname, 'helpers/trace-modules.mjs')

let project: Project
beforeAll(async () => {
  assertBuilt()
  project = await makeProject(null)
})
afterAll(async () => {
  await project?.remove()
})

async function write(files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(project.dir, rel)), { recursive: true })
    await writeFile(path.join(project.dir, rel), text)
  }
}

/** `venomqa list <dir>` in the project, with the modules it loaded (test/helpers/trace-modules.mjs). */
function list(dir: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null; modules: string[] } {
  const trace = path.join(project.dir, `trace-${Math.random().toString(36).slice(2)}.txt`)
  const r = spawnSync(process.execPath, ['--import', TRACER, CLI_BIN, 'list', dir], {
    cwd: project.dir,
    env: cleanEnv({ VENOMQA_TRACE_FILE: trace, ...env }),
    encoding: 'utf8',
    timeout: 25_000,
  })
  const modules = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n') : []
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, modules }
}

const loadsJiti = (modules: string[]) => modules.some((m) => /\/jiti\//.test(m))
/**
 * sucrase and acorn (which reads what sucrase made), bundled into dist/compilers.cjs: not loaded when every
 * copy was made by an earlier run. Their packages' own files are never loaded: the bundle is one file to
 * find and read where sucrase was 60-odd.
 */
const loadsCompiler = (modules: string[]) => {
  expect(modules.filter((m) => /\/node_modules\/.*\/(?:sucrase|acorn)\//.test(m))).toEqual([])
  return modules.some((m) => m.endsWith('/packages/cli/dist/compilers.cjs'))
}
const cacheDir = () => path.join(project.dir, 'node_modules/.cache/venomqa/ts')
const journey = (name: string) => `journey(${name}, { steps: [step('s', () => 1)] })`
/** A journey file: core's journey and step, the lines given (imports), and a journey named by `name` (an expression). */
const journeyFile = (lines: string, name: string) => `import { journey, step } from '@venomqa/core'\n${lines}\nexport default ${journey(name)}\n`
/** A module with state: each journey that counts on it shows whether it shares one instance with the others. */
const COUNTER = 'let count = 0\nexport const next = (): number => ++count\n'

/**
 * In `dir`, two journeys sharing state.ts; Node refuses b once state.ts ran natively for a (it imports a
 * package that ships TypeScript): jiti runs b, and state.ts a second time.
 */
const refusedAfterSharedHelper = (dir: string) => ({
  'node_modules/ts-shipped-too/package.json': '{ "name": "ts-shipped-too", "version": "1.0.0", "main": "index.ts" }',
  'node_modules/ts-shipped-too/index.ts': 'export const answer: number = 42\n',
  [`${dir}/state.ts`]: COUNTER,
  [`${dir}/a.journey.ts`]: journeyFile('import { next } from \'./state\'', '`a-${next()}`'),
  [`${dir}/b.journey.ts`]: journeyFile('import { next } from \'./state\'\nimport { answer } from \'ts-shipped-too\'', '`b-${next()}-${answer}`'),
})

/**
 * In `dir`, the counter module at `counter` (from `dir`), journey a importing it as `./<counter>` and
 * journey b reaching it by `bImport`; listed, they must count on one instance: a-1, then b-2.
 */
async function countOnce(dir: string, counter: string, bImport: string): Promise<ReturnType<typeof list>> {
  const specifier = `./${counter.replace(/\.ts$/, '')}`
  await write({
    [`${dir}/${counter}`]: COUNTER,
    [`${dir}/a.journey.ts`]: journeyFile(`import { next } from '${specifier}'`, '`a-${next()}`'),
    [`${dir}/b.journey.ts`]: journeyFile(bImport, '`b-${next()}`'),
  })
  const r = list(dir)
  expect(r.stderr).toBe('')
  expect(r.stdout).toContain('a-1')
  expect(r.stdout).toContain('b-2')
  return r
}

describe('TypeScript files run natively from a compiled copy', () => {
  it('compiles on the first run; the next runs import the copy and load neither jiti nor the compiler', async () => {
    await write({
      'a/lib/names.ts': "export const prefix: string = 'from-helper'\n",
      'a/util.ts': "import { prefix } from './lib/names.js'\nexport function named(n: number): string {\n  return `${prefix}-${n}`\n}\n",
      'a/one.journey.ts': `import { journey, step } from '@venomqa/core'\nimport type { Journey } from '@venomqa/core'\nimport { named } from './util'\nconst j: Journey = ${journey('named(1)')}\nexport default j\n`,
    })
    const first = list('a')
    expect(first.stderr).toBe('')
    expect(first.stdout).toContain('from-helper-1')
    expect(loadsJiti(first.modules)).toBe(false)
    expect(loadsCompiler(first.modules)).toBe(true)
    expect(readdirSync(cacheDir()).filter((f) => f.endsWith('.mjs')).sort()).toEqual([
      expect.stringMatching(/^names\.\w+\.\w+\.mjs$/),
      expect.stringMatching(/^one\.journey\.\w+\.\w+\.mjs$/),
      expect.stringMatching(/^util\.\w+\.\w+\.mjs$/),
    ])
    const second = list('a')
    expect(second.stdout).toBe(first.stdout)
    expect(loadsJiti(second.modules)).toBe(false)
    expect(loadsCompiler(second.modules)).toBe(false)
  })

  it('a changed import is compiled again, and so is every file that imports it; their earlier entries are removed', async () => {
    const before = new Set(readdirSync(cacheDir()))
    await write({ 'a/lib/names.ts': "export const prefix: string = 'changed'\n" })
    const r = list('a')
    expect(r.stdout).toContain('changed-1')
    expect(r.stdout).not.toContain('from-helper')
    expect(loadsCompiler(r.modules)).toBe(true)
    // One copy and one compiled form per file, whatever the edits: names.ts's and the copies of the files
    // that import it are new; util.ts and the journey, unchanged, keep their compiled forms.
    const entries = readdirSync(cacheDir()).sort()
    const of = (name: string, suffix: string) => entries.filter((e) => e.startsWith(`${name}.`) && e.endsWith(suffix) && /^[\w.]+$/.test(e))
    for (const name of ['names', 'util', 'one.journey']) {
      expect(of(name, '.mjs')).toHaveLength(1)
      expect(before.has(of(name, '.mjs')[0]!)).toBe(false)
      expect(of(name, '.json')).toHaveLength(1)
    }
    expect(before.has(of('names', '.json')[0]!)).toBe(false)
    expect(before.has(of('util', '.json')[0]!)).toBe(true)
    expect(entries.filter((e) => e.endsWith('.tmp'))).toEqual([])
  })

  it("import.meta is the file's own, and a stack names the file and its line", async () => {
    await write({
      'b/meta.journey.ts': [
        "import { journey, step } from '@venomqa/core'",
        "import { basename } from 'node:path'",
        "import { fileURLToPath } from 'node:url'",
        `export default ${journey('`${basename(fileURLToPath(import.meta.url))} in ${basename(import.meta.dirname)}`')}`,
      ].join('\n'),
      'c/throws.journey.ts': "import { journey } from '@venomqa/core'\n// The column is the file's, though the copy has no `: number` before it.\nconst n: number = 1; if (n) throw new Error('thrown at load')\nexport default journey\n",
    })
    expect(list('b').stdout).toContain('meta.journey.ts in b')
    const r = list('c')
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('venomqa: could not load c/throws.journey.ts:3:35: thrown at load\n')
    expect(loadsJiti(r.modules)).toBe(false)
  })

  it("a throw's column is the file's also after what the copy rewrote on its line (a local import, import.meta)", async () => {
    const throwsAfter = (text: string) => `import { journey } from '@venomqa/core'\n${text}\nexport default journey\n`
    await write({
      // The copy puts an object of the file's url, dirname and filename in place of import.meta: longer.
      'cm/meta.journey.ts': throwsAfter("const n: number = import.meta.url.length; if (n) throw new Error('after import.meta')"),
      // ... and the URL of names.ts's copy in place of './names'.
      'ci/names.ts': "export const prefix: string = 'p'\n",
      'ci/import.journey.ts': throwsAfter("import { prefix } from './names'; const p: string = prefix; if (p) throw new Error('after an import')"),
    })
    const meta = list('cm')
    expect(meta.stderr).toBe('venomqa: could not load cm/meta.journey.ts:2:56: after import.meta\n')
    expect(loadsJiti(meta.modules)).toBe(false)
    const imported = list('ci')
    expect(imported.stderr).toBe('venomqa: could not load ci/import.journey.ts:2:74: after an import\n')
    expect(loadsJiti(imported.modules)).toBe(false)
  })

  it("a throw's column is the file's also below a template literal with a substitution, where sucrase's source map loses its columns", async () => {
    await write({
      'ct/template.journey.ts': "import { journey } from '@venomqa/core'\nconst label = `n-${1}`\nconst n: number = label.length; if (n) throw new Error('after a template')\nexport default journey\n",
    })
    const r = list('ct')
    expect(r.stderr).toBe('venomqa: could not load ct/template.journey.ts:3:46: after a template\n')
    expect(loadsJiti(r.modules)).toBe(false)
  })

  it("under --debug a failed step's stack gives the journey's place as written, and a load error's place is the same", async () => {
    await write({
      // Types and an import.meta before the throw: the copy's column is far from the file's (68).
      'cs/fail.journey.ts': [
        "import { journey, step } from '@venomqa/core'",
        "export default journey('stacked', { steps: [step('s', () => {",
        "  const n: number = import.meta.url.length as number; if (n) throw new Error('boom in a step')",
        '})] })',
        '',
      ].join('\n'),
      'cl/load.journey.ts': "import { journey } from '@venomqa/core'\nconst n: number = 1; if (n) throw new Error('thrown at load')\nexport default journey\n",
    })
    const r = await project.venomqa(['run', 'cs', '--debug', '--base-url', 'http://127.0.0.1:9'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/\n +at .*\/cs\/fail\.journey\.ts:3:68\)?\n/)
    // With Node's own source maps on, its way of writing stacks is kept and the place is the same.
    const mapped = await project.venomqa(['run', 'cs', '--debug', '--base-url', 'http://127.0.0.1:9'], { env: { NODE_OPTIONS: '--enable-source-maps' } })
    expect(mapped.stdout).toMatch(/\n +at .*\/cs\/fail\.journey\.ts:3:68\)?\n/)
    const load = await project.venomqa(['list', 'cl', '--debug'])
    expect(load.stderr).toContain('venomqa: could not load cl/load.journey.ts:2:35: thrown at load\n')
    expect(load.stderr).toMatch(/\n +at .*\/cl\/load\.journey\.ts:2:35\)?\n/)
  })

  it('a file that needs jiti goes through jiti, and so does a file that shares a local import with it', async () => {
    await write({
      'd/counter.ts': COUNTER,
      'd/tally.ts': COUNTER.replace('next', 'bump'),
      'd/a.journey.ts': journeyFile('import { next } from \'./counter\'\nimport { bump } from \'./tally\'', '`a-${next()}-${bump()}`'),
      'd/b.journey.ts': journeyFile('import { next } from \'./counter\'', '`b-${next()} ${typeof __dirname}`'),
      // Shares nothing with b, but tally with a, which goes to jiti for b's sake.
      'd/c.journey.ts': journeyFile('import { bump } from \'./tally\'', '`c-${bump()}`'),
    })
    const r = list('d')
    expect(r.stderr).toBe('')
    // One counter and one tally: the journeys count on one module each, whichever loader ran it.
    expect(r.stdout).toContain('a-1-1')
    expect(r.stdout).toContain('b-2 string')
    expect(r.stdout).toContain('c-2')
    expect(loadsJiti(r.modules)).toBe(true)
  })

  it('a module imported through a symlink and through its own path is one module, with one copy', async () => {
    await mkdir(path.join(project.dir, 'y/real'), { recursive: true })
    await symlink(path.join(project.dir, 'y/real'), path.join(project.dir, 'y/linked'), 'dir')
    const r = await countOnce('y', 'real/counter.ts', "import { next } from './linked/counter'")
    expect(loadsJiti(r.modules)).toBe(false)
    // A journey loaded through a linked directory is named so, with the place of what it threw.
    await write({ 'yb/real/bad.journey.ts': "import { journey, step } from '@venomqa/core'\nconst x: number = 1; throw new Error('boom at load')\n" })
    await symlink(path.join(project.dir, 'yb/real'), path.join(project.dir, 'yb/linked'), 'dir')
    expect(list('yb/linked').stderr).toContain('could not load yb/linked/bad.journey.ts:2:28: boom at load')
    // On line 1, after the mark the copy starts with: the mark names the real path, not the linked one.
    await write({ 'yc/real/first.journey.ts': "const x: number = 1; throw new Error('boom on line 1')\n" })
    await symlink(path.join(project.dir, 'yc/real'), path.join(project.dir, 'yc/linked'), 'dir')
    expect(list('yc/linked').stderr).toContain('could not load yc/linked/first.journey.ts:1:28: boom on line 1')
  })

  it('venomqa doctor says what loading the journeys warned of: a file with no journey, a module evaluated twice', async () => {
    await write({ ...refusedAfterSharedHelper('z/journeys'), 'z/journeys/empty.journey.ts': 'export const nothing = 1\n' })
    await symlink(path.join(project.dir, 'node_modules'), path.join(project.dir, 'z/node_modules'), 'dir')
    const r = spawnSync(process.execPath, [CLI_BIN, 'doctor', '--base-url', 'http://127.0.0.1:9'], { cwd: path.join(project.dir, 'z'), env: cleanEnv(), encoding: 'utf8', timeout: 25_000 })
    expect(r.stdout).toContain('✓ journeys   2 journeys in 3 files')
    expect(r.stdout).toMatch(/\n- journeys +journeys\/empty\.journey\.ts exports no journeys/)
    expect(r.stdout).toMatch(/\n- journeys +journeys\/b\.journey\.ts goes through jiti \(Node could not load its compiled copy .*\), and so does journeys\/state\.ts a second time/)
  })

  it('a file that reaches a shared module by require() goes through jiti, and so does the file importing it statically', async () => {
    await countOnce('h', 'state.ts', "const { next } = require('./state')")
  })

  it('a journey Node refuses after a helper it shares ran: jiti for it with a warning, then for both from the next run on', async () => {
    await write(refusedAfterSharedHelper('s1'))
    const first = list('s1')
    expect(first.status).toBe(0)
    expect(first.stdout).toContain('a-1')
    // Known only once Node refused it, after a.journey.ts ran the helper: a second instance, said so.
    expect(first.stdout).toContain('b-1-42')
    expect(first.stderr).toContain('s1/b.journey.ts goes through jiti (Node could not load its compiled copy (Unknown file extension ".ts"')
    expect(first.stderr).toContain('and so does s1/state.ts a second time')
    const second = list('s1')
    expect(second.stderr).toBe('')
    expect(second.stdout).toContain('a-1')
    expect(second.stdout).toContain('b-2-42')
  })

  it('a plugin that goes through jiti after a journey imported its local import natively is a warning naming both', async () => {
    await write({
      'f/shared.ts': "export const tag: string = 'shared'\n",
      'f/a.journey.ts': `import { journey, step } from '@venomqa/core'\nimport { tag } from './shared'\nexport default ${journey('tag')}\n`,
      'f/plugin.ts': "import { definePlugin } from '@venomqa/core'\nimport { tag } from './shared'\nexport default definePlugin({ name: `p-${tag}`, version: '1.0.0', apiVersion: 1, hooks: { runStart() { void __dirname } } })\n",
    })
    const r = await project.venomqa(['run', 'f', '--plugin', './f/plugin.ts', '--base-url', 'http://127.0.0.1:9'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      'venomqa: warning: f/plugin.ts goes through jiti (it uses __dirname), and so does f/shared.ts a second time: a file loaded earlier imports it natively',
    )
  })

  it('a package Node cannot load (one that ships TypeScript) sends the file to jiti, and the next run goes there without trying', async () => {
    await write({
      // A package that ships TypeScript: Node refuses to load it, jiti compiles it.
      'node_modules/ts-shipped/package.json': '{ "name": "ts-shipped", "version": "1.0.0", "main": "index.ts" }',
      'node_modules/ts-shipped/index.ts': 'export const answer: number = 42\n',
      'g/opaque.journey.ts': journeyFile('import { answer } from \'ts-shipped\'', '`answer-${answer}`'),
    })
    const triedCopy = (modules: string[]) => modules.some((m) => /\.cache\/venomqa\/ts\/opaque\.journey\.\w+\.\w+\.mjs$/.test(m))
    const first = list('g')
    expect(first.stderr).toBe('')
    expect(first.stdout).toContain('answer-42')
    expect(triedCopy(first.modules)).toBe(true)
    expect(loadsJiti(first.modules)).toBe(true)
    const refusals = readdirSync(cacheDir()).filter((f) => f.startsWith('opaque.') && f.endsWith('.jiti'))
    expect(refusals).toEqual([expect.stringMatching(/^opaque\.journey\.\w+\.\w+\.mjs\.jiti$/)])
    expect(readFileSync(path.join(cacheDir(), refusals[0]!), 'utf8')).toContain('Unknown file extension ".ts"')
    const second = list('g')
    expect(second.stdout).toContain('answer-42')
    expect(triedCopy(second.modules)).toBe(false)
  })

  it('a syntax error is reported as before, from jiti, with its place', async () => {
    await write({ 'e/bad.journey.ts': "import { journey } from '@venomqa/core'\nexport default journey('x', { steps: [ }\n" })
    const r = list('e')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^venomqa: could not load e\/bad\.journey\.ts:2:\d+: /)
  })

  it('VENOMQA_TS_LOADER=jiti loads every TypeScript file through jiti', async () => {
    const r = list('a', { VENOMQA_TS_LOADER: 'jiti' })
    expect(r.stdout).toContain('changed-1')
    expect(loadsJiti(r.modules)).toBe(true)
  })
})
