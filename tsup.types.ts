import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type RollupLog, rollup } from 'rollup'
import { dts } from 'rollup-plugin-dts'

// TypeScript 7's command (its package exports no path to it but its package.json).
const TSC = path.join(path.dirname(createRequire(fileURLToPath(import.meta.url)).resolve('typescript/package.json')), 'bin/tsc')

/** Rollup's warnings but one: an import of another package or of Node's (`node:events`) stays an import, as meant. */
function onwarn(warning: RollupLog): void {
  if (warning.code !== 'UNRESOLVED_IMPORT') process.stderr.write(`types: ${warning.message}\n`)
}

/**
 * A package's declarations: each entry's `dist/<name>.d.ts`, and the same file as `dist/<name>.d.cts` for
 * `require`, one file per entry with the package's own types inlined and other packages' imported, as tsup's
 * `dts` wrote them.
 *
 * Why not tsup's `dts`: it type-checks and emits through TypeScript 6's JavaScript compiler, in each
 * package, which was four fifths of the whole build's CPU (runner: 10.6 s of 12.6 s). TypeScript 7's `tsc`
 * (native) type-checks a package in about a second; it writes the declarations of every source file into a
 * temporary directory, and rollup-plugin-dts then bundles those per entry, reading declaration files alone,
 * which needs no type-checking. A type error fails the build with tsc's report, as before.
 */
export async function buildTypes(entries: Record<string, string>, dir = process.cwd()): Promise<void> {
  // Inside the package, so that tsc finds the type packages (`types: ['node']`) from the config's place.
  const cache = path.join(dir, 'node_modules/.cache')
  await mkdir(cache, { recursive: true })
  const work = await mkdtemp(path.join(cache, 'venomqa-types-'))
  try {
    // Not under node_modules, where rollup-plugin-dts would take every file for another package's, to import.
    const out = path.join(dir, 'dist', path.basename(work))
    const src = path.join(dir, 'src')
    // The package's own compiler options, its sources only (its tsconfig.json also includes its tests).
    const tsconfig = {
      extends: path.join(dir, 'tsconfig.json'),
      include: [src],
      compilerOptions: {
        rootDir: src,
        outDir: out,
        declaration: true,
        emitDeclarationOnly: true,
        noEmit: false,
        declarationMap: false,
        sourceMap: false,
        incremental: false,
        composite: false,
      },
    }
    const config = path.join(work, 'tsconfig.json')
    await writeFile(config, JSON.stringify(tsconfig))
    try {
      await promisify(execFile)(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 })
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string }
      throw new Error(`type errors in ${path.basename(dir)}:\n${(stdout || stderr || String(err)).trim()}`)
    }
    const input = Object.fromEntries(
      Object.entries(entries).map(([name, file]) => [name, path.join(out, path.relative(src, path.resolve(dir, file)).replace(/\.[cm]?ts$/, '.d.ts'))]),
    )
    const bundle = await rollup({ input, plugins: [dts()], onwarn })
    try {
      await bundle.write({ dir: path.join(dir, 'dist'), format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '[name]-[hash].d.ts' })
    } finally {
      await bundle.close()
    }
    for (const name of Object.keys(entries)) await copyFile(path.join(dir, 'dist', `${name}.d.ts`), path.join(dir, 'dist', `${name}.d.cts`))
  } finally {
    await rm(work, { recursive: true, force: true })
    await rm(path.join(dir, 'dist', path.basename(work)), { recursive: true, force: true })
  }
}
