import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `venomqa init` adds its script to an existing package.json in the shape the file had: its indentation,
// its line endings, its final line break; and says so when --force replaced a script of the user's.
let p: Project | undefined
afterEach(async () => {
  await p?.remove()
  p = undefined
})

async function initWith(packageJson: string, args: string[] = []): Promise<{ written: string; stdout: string }> {
  assertBuilt()
  p = await makeProject(null)
  await writeFile(path.join(p.dir, 'package.json'), packageJson)
  const init = await p.venomqa(['init', ...args])
  expect(init.code, init.stderr).toBe(0)
  return { written: await readFile(path.join(p.dir, 'package.json'), 'utf8'), stdout: init.stdout }
}

it('a package.json with CRLF line endings keeps them, and its indentation: no empty line after each', async () => {
  const { written } = await initWith('{\r\n  "name": "j",\r\n  "version": "1.0.0"\r\n}\r\n')
  expect(written).toBe('{\r\n  "name": "j",\r\n  "version": "1.0.0",\r\n  "scripts": {\r\n    "test:api": "venomqa run"\r\n  }\r\n}\r\n')
})

it('a tab-indented package.json without a final line break stays so', async () => {
  const { written } = await initWith('{\n\t"name": "t"\n}')
  expect(written).toBe('{\n\t"name": "t",\n\t"scripts": {\n\t\t"test:api": "venomqa run"\n\t}\n}')
})

it('--force over a test:api script of the user\'s says what it replaced', async () => {
  const { written, stdout } = await initWith('{\n  "name": "f",\n  "scripts": { "test:api": "jest" }\n}\n', ['--force'])
  expect(JSON.parse(written).scripts).toEqual({ 'test:api': 'venomqa run' })
  expect(stdout).toContain('replaced "test:api": "jest" with "venomqa run" in package.json\n')
})

it('--force over a script that holds a secret says what it replaced with the secret masked', async () => {
  const { stdout } = await initWith('{\n  "name": "s",\n  "scripts": { "test:api": "API_TOKEN=hunter2-secret-value jest" }\n}\n', ['--force'])
  expect(stdout).toContain('replaced "test:api": "API_TOKEN=[REDACTED] jest" with "venomqa run" in package.json\n')
  expect(stdout).not.toContain('hunter2-secret-value')
})
