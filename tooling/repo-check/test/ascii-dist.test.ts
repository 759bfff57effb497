/**
 * The JavaScript the published packages ship is ASCII. V8 keeps the source of every module it loads, and a
 * single character outside Latin-1 anywhere in a file (a check mark in a comment) has it keep the whole file
 * two bytes a character: the runner's 256 KB bundle took 512 KB of the heap of every process that ran it.
 * Runs on the built packages, as CI builds them before the tests.
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { relative, workspacePackages } from './workspace'

const BUILT = /\.(js|cjs|mjs)$/

function builtFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? builtFiles(full) : BUILT.test(entry.name) ? [full] : []
  })
}

it("every published package's built JavaScript is ASCII", () => {
  const published = workspacePackages().filter((p) => p.rel.startsWith('packages/') && !p.json.private)
  expect(published.length).toBeGreaterThan(5)
  const found: string[] = []
  for (const pkg of published) {
    const files = builtFiles(path.join(pkg.dir, 'dist'))
    if (!files.length) found.push(`${pkg.rel}: no dist/ (build first: pnpm exec turbo run build)`)
    for (const file of files) {
      const lines = fs.readFileSync(file, 'utf8').split('\n')
      const at = lines.findIndex((line) => /[^\x00-\x7f]/.test(line))
      if (at >= 0) found.push(`${relative(file)}:${at + 1}: ${lines[at]!.trim().slice(0, 120)}`)
    }
  }
  expect(found).toEqual([])
})
