import fs from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'

export interface Manifest {
  name: string
  private?: boolean
  exports?: unknown
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

export interface WorkspacePackage {
  dir: string
  /** `packages/runner`, `bench`, ... */
  rel: string
  json: Manifest
}

/** Every package of the workspace (the folders pnpm-workspace.yaml names that hold a package.json). */
export function workspacePackages(): WorkspacePackage[] {
  const dirs = ['bench', ...['packages', 'examples', 'tooling'].flatMap((group) => fs.readdirSync(path.join(REPO_ROOT, group)).map((d) => `${group}/${d}`))]
  return dirs
    .filter((rel) => fs.existsSync(path.join(REPO_ROOT, rel, 'package.json')))
    .map((rel) => ({ rel, dir: path.join(REPO_ROOT, rel), json: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, rel, 'package.json'), 'utf8')) as Manifest }))
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/
const SKIP = new Set(['node_modules', 'dist', 'generated', '.turbo', 'coverage', 'test-output'])

/** The source files under `dir` (absolute paths), build output and installed packages left out. */
export function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(full))
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

export const relative = (file: string) => path.relative(REPO_ROOT, file)
