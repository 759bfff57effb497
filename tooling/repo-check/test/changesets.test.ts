/**
 * Every changeset names packages of this workspace, each with a bump changesets knows:
 * `changeset version` stops at the first name it does not know (a package's old name, its folder's name),
 * so one mistyped front matter blocks the release of every package.
 */
import fs from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { workspacePackages } from './workspace'

const CHANGESETS = path.join(REPO_ROOT, '.changeset')

/** The `'name': bump` lines of a changeset's front matter, or undefined when it has none. */
function frontMatter(text: string): string[] | undefined {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text)
  return m ? m[1]!.split('\n').filter((line) => line.trim()) : undefined
}

it('names workspace packages, each with patch, minor or major', () => {
  const names = new Set(workspacePackages().map((p) => p.json.name))
  const problems: string[] = []
  for (const file of fs.readdirSync(CHANGESETS).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const lines = frontMatter(fs.readFileSync(path.join(CHANGESETS, file), 'utf8'))
    if (!lines?.length) {
      problems.push(`${file}: no front matter naming a package`)
      continue
    }
    for (const line of lines) {
      const m = /^['"]([^'"]+)['"]:\s*(patch|minor|major)\s*$/.exec(line)
      if (!m) problems.push(`${file}: not a package and its bump: ${line}`)
      else if (!names.has(m[1]!)) problems.push(`${file}: ${m[1]} is no package of the workspace`)
    }
  }
  expect(problems).toEqual([])
})
