/**
 * Every error code is in core's one list (error-codes.ts), every listed code is raised somewhere, and each
 * is documented once: in docs/cli.md or docs/plugins.md, in a table row `| \`E_X\` | meaning |`.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ERROR_CODES } from '@venomqa/core'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { relative, sourceFiles, workspacePackages } from './workspace'

const listed = Object.keys(ERROR_CODES).sort()

/** Codes written as string literals in published and example source, with where each is used. */
function codesInSource(): Map<string, string[]> {
  const used = new Map<string, string[]>()
  const files = workspacePackages()
    .filter((p) => p.rel.startsWith('packages/') || p.rel.startsWith('examples/'))
    .flatMap((p) => sourceFiles(path.join(p.dir, 'src')))
  for (const file of files)
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(['"`])(E_[A-Z][A-Z0-9_]*)\1/g)) used.set(m[2]!, [...(used.get(m[2]!) ?? []), relative(file)])
  return used
}

function codesDocumentedIn(doc: string): string[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', doc), 'utf8')
  return [...text.matchAll(/^\|\s*`(E_[A-Z0-9_]+)`\s*\|\s*\S/gm)].map((m) => m[1]!)
}

describe('error codes', () => {
  const used = codesInSource()

  it('every code raised in src is in ERROR_CODES', () => {
    const unknown = [...used].filter(([code]) => !(code in ERROR_CODES)).map(([code, files]) => `${code} (${files.join(', ')})`)
    expect(unknown).toEqual([])
  })

  it('every code in ERROR_CODES is raised somewhere', () => {
    expect(listed.filter((code) => !used.has(code))).toEqual([])
  })

  it('every code is documented in docs/cli.md or docs/plugins.md, once, and the docs name no other', () => {
    const documented = [...codesDocumentedIn('cli.md'), ...codesDocumentedIn('plugins.md')]
    expect(
      listed.filter((code) => !documented.includes(code)),
      'missing from the docs',
    ).toEqual([])
    expect(
      documented.filter((code, i) => documented.indexOf(code) !== i),
      'documented twice',
    ).toEqual([])
    expect(
      documented.filter((code) => !(code in ERROR_CODES)),
      'documented but not in ERROR_CODES',
    ).toEqual([])
  })

  it('a misspelt code does not compile', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-codes-'))
    try {
      const errors = path.join(REPO_ROOT, 'packages/core/src/errors').replaceAll('\\', '/')
      const file = path.join(dir, 'codes.ts')
      fs.writeFileSync(file, `import { UserError, VenomError } from '${errors}'\nnew VenomError('E_CONFIG', 'listed')\nnew UserError('E_CONFG', 'misspelt')\n`)
      const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc')
      // Node's types, as core's own build has them: errors.ts masks what it quotes with core's redaction,
      // which uses URL and Buffer. From the repository's root, since the file is in the temp directory.
      const nodeTypes = ['--types', 'node', '--typeRoots', path.join(REPO_ROOT, 'node_modules/@types')]
      const args = ['--noEmit', '--strict', '--target', 'ES2022', '--lib', 'ES2022', '--module', 'ESNext', '--moduleResolution', 'Bundler', ...nodeTypes, file]
      let output = ''
      try {
        execFileSync(process.execPath, [tsc, ...args], { encoding: 'utf8', stdio: 'pipe' })
      } catch (err) {
        output = String((err as { stdout?: string }).stdout)
      }
      const lines = output.split('\n').filter((l) => l.includes('error TS'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/codes\.ts\(3,\d+\).*"E_CONFG"/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
