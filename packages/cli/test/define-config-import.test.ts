import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// defineConfig is the CLI's (only it reads configs), but journeys import everything else from
// @venomqa/core, and so did many a config: the error said the name was missing, not where it is.

const projects: Project[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const p of projects) await p.remove()
})

const CONFIG = "import { defineConfig } from '@venomqa/core'\nexport default defineConfig({ baseUrl: 'http://127.0.0.1:1' })\n"
const HINT = "defineConfig is @venomqa/cli's, not @venomqa/core's; write `import { defineConfig } from '@venomqa/cli'`"

describe('defineConfig imported from @venomqa/core', () => {
  for (const file of ['venomqa.config.ts', 'venomqa.config.mjs']) {
    it(`${file}: names the import that works; exit 2`, async () => {
      const p = await makeProject(null, {}, host)
      projects.push(p)
      await writeFile(path.join(p.dir, file), CONFIG)
      const r = await p.venomqa(['run'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(`venomqa: could not load ${file}`)
      expect(r.stderr).toContain(HINT)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    })
  }
})
