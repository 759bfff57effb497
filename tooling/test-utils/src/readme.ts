/**
 * Running the example programs of a README or a doc as written: the test takes the code from the Markdown
 * at test time (never a copy of it), writes it to files and imports them, so an example that breaks fails
 * its test.
 */
import fs from 'node:fs'
import path from 'node:path'

/** The ```ts code blocks of a Markdown file, in order. */
export function tsBlocks(markdownFile: string): string[] {
  return [...fs.readFileSync(markdownFile, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

/**
 * Every fenced code block of a Markdown file, whatever its language, read line by line as a Markdown
 * renderer would (a fence closes only on a line of its own): to check that the ```ts blocks a test runs
 * are all the programs there are, and that none was cut short by a fence inside it.
 */
export function codeFences(markdownFile: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = []
  let open: { fence: string; lang: string; lines: string[] } | undefined
  for (const line of fs.readFileSync(markdownFile, 'utf8').split('\n')) {
    const fence = /^\s*(`{3,}|~{3,})\s*(\S*)/.exec(line)
    if (!open) {
      if (fence) open = { fence: fence[1]!, lang: fence[2]!, lines: [] }
    } else if (fence && fence[1]!.startsWith(open.fence) && fence[2] === '') {
      out.push({ lang: open.lang, code: open.lines.map((l) => `${l}\n`).join('') })
      open = undefined
    } else open.lines.push(line)
  }
  if (open) throw new Error(`${markdownFile}: a \`\`\`${open.lang} block is never closed`)
  return out
}

/** The one ```ts block of a Markdown file whose first line is `firstLine` (such as `// cart.ts`). */
export function tsBlock(markdownFile: string, firstLine: string): string {
  const found = tsBlocks(markdownFile).filter((code) => code.split('\n', 1)[0]!.trim() === firstLine)
  if (found.length !== 1) throw new Error(`${markdownFile}: expected one \`\`\`ts block starting with "${firstLine}", found ${found.length}`)
  return found[0]!
}

/** The languages a ```js block may be written with: the README programs that run under plain `node`. */
export const JS_LANGS: readonly string[] = ['js', 'javascript', 'mjs', 'cjs']

/** The JavaScript blocks of a Markdown file (```js and its aliases, see JS_LANGS), in order. */
export function jsBlocks(markdownFile: string): string[] {
  return codeFences(markdownFile)
    .filter((f) => JS_LANGS.includes(f.lang))
    .map((f) => f.code)
}

/**
 * The one JavaScript block of a Markdown file that names `file` on its first line: `// report.mjs`, or
 * `// report.mjs: how to run it`.
 */
export function jsBlock(markdownFile: string, file: string): string {
  const names = (code: string) => {
    const first = code.split('\n', 1)[0]!.trim()
    return first === `// ${file}` || first.startsWith(`// ${file}:`)
  }
  const found = jsBlocks(markdownFile).filter(names)
  if (found.length !== 1) throw new Error(`${markdownFile}: expected one \`\`\`js block starting with "// ${file}", found ${found.length}`)
  return found[0]!
}

export interface ExampleFiles {
  /** A folder of its own, created here and removed afterwards; inside the package, so the example's other imports resolve from the package's dependencies. */
  dir: string
  /** File name → code, as the README names them; an example importing `./todo.journey` finds it here. */
  files: Record<string, string>
  /** The file to run, one of `files`. */
  entry: string
  /** Package name → the file it stands for (the package's source, not its build). */
  imports?: Record<string, string>
  /** Environment variables the example reads (its URLs), set while it runs and put back afterwards. */
  env?: Record<string, string>
}

/** What an example run in its folder left: what it logged, and the files it was expected to write. */
export interface ExampleRun {
  logged: unknown[][]
  /** Each file named in `outputs`, as the example left it; undefined when it wrote none there. */
  outputs: Record<string, string | undefined>
}

/**
 * Write the example's files, import the entry, and hand back every console.log call it made (silenced
 * meanwhile). The folder is removed and the environment put back afterwards, whether the example ran or threw.
 */
export async function runExample(example: ExampleFiles): Promise<unknown[][]> {
  return (await execute(example, { inFolder: false, outputs: [] })).logged
}

/**
 * As runExample, for a program that works in its folder, as `node report.mjs` run there would: the
 * working directory is the folder while it runs (its relative paths, such as `results.json`, are the
 * folder's; put input files in `files`), and the files named in `outputs` are read back before the
 * folder is removed. Needs a test pool with processes of their own (vitest's `forks`, this repository's
 * default): a worker thread cannot change the directory.
 */
export function runExampleInFolder(example: ExampleFiles, outputs: readonly string[]): Promise<ExampleRun> {
  return execute(example, { inFolder: true, outputs })
}

async function execute(
  { dir, files, entry, imports = {}, env = {} }: ExampleFiles,
  how: { inFolder: boolean; outputs: readonly string[] },
): Promise<ExampleRun> {
  if (!(entry in files)) throw new Error(`runExample: the entry ${entry} is not one of the files ${Object.keys(files).join(', ')}`)
  fs.mkdirSync(dir, { recursive: true })
  const logged: unknown[][] = []
  const log = console.log
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const cwd = process.cwd()
  try {
    const pointed = new Set<string>()
    // Only programs import packages: a data file (a results.json) is written as it is.
    for (const [name, code] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), PROGRAM.test(name) ? pointImports(code, imports, pointed) : code)
    const unused = Object.keys(imports).filter((name) => !pointed.has(name))
    if (unused.length) throw new Error(`runExample: the example does not import ${unused.join(', ')}`)
    Object.assign(process.env, env)
    console.log = (...args: unknown[]) => void logged.push(args)
    if (how.inFolder) process.chdir(dir)
    await import(/* @vite-ignore */ path.join(dir, entry))
    const outputs: ExampleRun['outputs'] = {}
    for (const name of how.outputs) {
      const file = path.join(dir, name)
      outputs[name] = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
    }
    return { logged, outputs }
  } finally {
    if (how.inFolder) process.chdir(cwd)
    console.log = log
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const PROGRAM = /\.[cm]?[jt]sx?$/

/**
 * Replace each quoted package name, and only whole names (`'@venomqa/x'`, not `'@venomqa/x/y'`), by its
 * file; the names found go into `pointed`.
 */
function pointImports(code: string, imports: Record<string, string>, pointed: Set<string>): string {
  let out = code
  for (const [name, file] of Object.entries(imports)) {
    const quoted = new RegExp(`(['"])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\1`, 'g')
    const replaced = out.replace(quoted, JSON.stringify(file))
    if (replaced !== out) pointed.add(name)
    out = replaced
  }
  return out
}

/**
 * For `vi.mock('@venomqa/runner', ...)`: the runner module as it is, except that every run of a runner
 * made by createRunner is also pushed to `runs`, so a test can check the whole result of an example that
 * only prints its status.
 */
export function recordingRunner<M extends { createRunner: (...args: never[]) => { run: (...args: never[]) => Promise<unknown> } }>(mod: M, runs: unknown[]): M {
  const createRunner = (...args: Parameters<M['createRunner']>) => {
    const runner = mod.createRunner(...args)
    const run = runner.run.bind(runner)
    runner.run = async (...runArgs) => {
      const result = await run(...runArgs)
      runs.push(result)
      return result
    }
    return runner
  }
  return { ...mod, createRunner }
}

interface NodeLike {
  kind: string
  name?: string
  status?: string
  error?: { message: string }
  paths?: { name: string; nodes: NodeLike[] }[]
}

/**
 * Every step of a run's journeys, in the order they ran, as `journey > path > step: status` (the main
 * line's steps without a path), with the error of a step that failed: a whole run, compared at once.
 */
export function stepsRun(run: { journeys: { name: string; nodes: NodeLike[] }[] }): string[] {
  const out: string[] = []
  const walk = (nodes: NodeLike[], where: string) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push(`${where} > ${n.name}: ${n.status}${n.error ? ` (${n.error.message})` : ''}`)
      for (const p of n.paths ?? []) walk(p.nodes, `${where} > ${p.name}`)
    }
  }
  for (const j of run.journeys) walk(j.nodes, j.name)
  return out
}
