import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// A results file or a shards' directory that is not there (a CI artifact never downloaded, a typo) is the
// user's mistake: exit 2, one line naming the path given and what was expected there, never Node's
// "ENOENT: no such file or directory, open '/abs/path'".
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await mkdir(path.join(p.dir, 'empty'), { recursive: true })
  await writeFile(path.join(p.dir, 'a-file.json'), '{}')
})
afterAll(async () => {
  await p?.remove()
})

const noRawError = (stderr: string) => {
  expect(stderr).not.toMatch(/ENOENT|ENOTDIR|EISDIR|no such file or directory, (open|stat)/)
  expect(stderr).not.toContain(p.dir)
}

describe('report: a results file that is not there', () => {
  it('a missing file is named, with what a results file is', async () => {
    const r = await p.venomqa(['report', 'results.json'])
    expect(r.stderr).toBe('venomqa: results file results.json is not there: give the file venomqa run --save (or the json reporter) wrote\n')
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })

  it('a path under a file, or in a directory that is not there, is missing too', async () => {
    for (const file of ['a-file.json/results.json', 'out/never/results.json']) {
      const r = await p.venomqa(['report', file])
      expect(r.stderr).toBe(`venomqa: results file ${file} is not there: give the file venomqa run --save (or the json reporter) wrote\n`)
      expect(r.code).toBe(2)
      noRawError(r.stderr)
    }
  })

  it('a directory is said to be one, pointing at merge-reports for a directory of shards', async () => {
    const r = await p.venomqa(['report', 'empty'])
    expect(r.stderr).toBe(
      'venomqa: empty is a directory, not a results file: give the file venomqa run --save (or the json reporter) wrote (to merge a directory of shards\' files: venomqa merge-reports empty)\n',
    )
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })

  it('a report asked for is not left behind by the failed render', async () => {
    const r = await p.venomqa(['report', 'results.json', '-r', 'junit:out/junit.xml'])
    expect(r.code).toBe(2)
    expect(existsSync(path.join(p.dir, 'out/junit.xml'))).toBe(false)
  })
})

describe('merge-reports: a file or directory that is not there', () => {
  it('a shards directory that is not there is named, with what belongs in it', async () => {
    const r = await p.venomqa(['merge-reports', 'shards/'])
    expect(r.stderr).toBe(
      "venomqa: shards/ is not there: give the results files venomqa run --shard i/n --save wrote, or the directory holding them (was a shard's artifact not downloaded?)\n",
    )
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })

  it('one file of several that is not there is named alone', async () => {
    const r = await p.venomqa(['merge-reports', 'a-file.json', 'shards/shard-2.json'])
    expect(r.stderr).toBe(
      "venomqa: shards/shard-2.json is not there: give the results files venomqa run --shard i/n --save wrote, or the directory holding them (was a shard's artifact not downloaded?)\n",
    )
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })
})

describe('generate: an OpenAPI document that is not a file', () => {
  it('a directory is said to be one, and nothing is written', async () => {
    const r = await p.venomqa(['generate', '--openapi', 'empty', '--out', 'gen'])
    expect(r.stderr).toBe('venomqa: cannot read the OpenAPI document empty: it is a directory, not an OpenAPI document file\n')
    expect(r.code).toBe(2)
    noRawError(r.stderr)
    expect(existsSync(path.join(p.dir, 'gen'))).toBe(false)
  })

  it('a path under a file is no such file', async () => {
    const r = await p.venomqa(['generate', '--openapi', 'a-file.json/openapi.json', '--out', 'gen'])
    expect(r.stderr).toBe('venomqa: cannot read the OpenAPI document a-file.json/openapi.json: no such file\n')
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })
})

describe('explore --openapi: a document that is not where the project root says', () => {
  it('with a config in another directory, the message names the path read and that it is from the project root', async () => {
    // The user's document is beside them; the config (and so the project root) is in app/.
    await mkdir(path.join(p.dir, 'app'), { recursive: true })
    await writeFile(path.join(p.dir, 'app', 'venomqa.config.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9' }))
    await writeFile(path.join(p.dir, 'beside.json'), '{}')
    const r = await p.venomqa(['explore', '-c', 'app/venomqa.config.json', '--openapi', 'beside.json', '--no-emit'])
    expect(r.stderr).toBe(
      'venomqa: cannot read the OpenAPI document beside.json: no such file (--openapi is read from the project root, the config file\'s directory: app/beside.json)\n',
    )
    expect(r.code).toBe(2)
    noRawError(r.stderr)
  })

  it('from the project root itself, the message stays as it was', async () => {
    const r = await p.venomqa(['explore', '--openapi', 'nowhere.json', '--base-url', 'http://127.0.0.1:9', '--no-emit'])
    expect(r.stderr).toBe('venomqa: cannot read the OpenAPI document nowhere.json: no such file\n')
    expect(r.code).toBe(2)
  })
})

describe('run: a regression journey of explore --openapi whose document is gone', () => {
  // The module `explore --openapi` writes beside its regression journeys reads the document from the
  // project root. Moved or deleted since, the journey failed a step with "no such file", exit 1, and the
  // advice for a crash (run with --debug), as if the API had failed: it is the user's input, as an unset
  // VENOMQA_OPENAPI_BEARER is, and refuses to load the same way.
  it('is exit 2 before anything runs, naming the document and what to do', async () => {
    const files = {
      'journeys/regressions/openapi-1a2b3c4d.exploration.ts': [
        "import path from 'node:path'",
        "import { fileURLToPath } from 'node:url'",
        "import { openApiExploration } from '@venomqa/openapi'",
        "const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')",
        "export default openApiExploration('openapi.yaml', { name: 'openapi openapi.yaml', auth: undefined, root })",
        '',
      ].join('\n'),
      'journeys/regressions/status.journey.ts': [
        "import path from 'node:path'",
        "import { fileURLToPath } from 'node:url'",
        "import { checkInvariant, journey, step } from '@venomqa/core'",
        "import exploration from './openapi-1a2b3c4d.exploration.js'",
        "const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')",
        "export default journey('status_documented regression', {",
        "  steps: [...exploration.setup, step('check status_documented', (args) => checkInvariant(exploration, 'status_documented', args, { path: [], root }))],",
        '})',
        '',
      ].join('\n'),
    }
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(p.dir, file)), { recursive: true })
      await writeFile(path.join(p.dir, file), text)
    }
    try {
      const r = await p.venomqa(['run', 'journeys/regressions', '--base-url', 'http://127.0.0.1:9'])
      expect(r.code, r.stdout + r.stderr).toBe(2)
      expect(r.stderr).toMatch(/^venomqa: journeys\/regressions\/status\.journey\.ts:4:1: cannot read the OpenAPI document openapi\.yaml: no such file in the project root/)
      expect(r.stderr).toContain('restore it there')
      // One line: the mistake, in the file that imports the exploration, and nothing after it.
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(r.stdout).not.toContain('running')
      expect(r.stderr).not.toContain('--debug')
      noRawError(r.stderr)
    } finally {
      await rm(path.join(p.dir, 'journeys'), { recursive: true, force: true })
    }
  })
})
