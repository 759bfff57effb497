/**
 * Mistakes a new user makes on the first run of the commands the docs show, each told as the mistake it
 * is (exit 2, one message naming what was typed and what was meant), not as another one.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

const host = cliHost()
let p: Project

describe('first-run mistakes', () => {
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    await writeFile(path.join(p.dir, 'openapi.json'), '{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}\n')
  })
  afterAll(async () => {
    await p?.remove()
  })

  it('a command and its subcommand joined by a dash (import-postman) is told as the command meant', async () => {
    for (const joined of ['import-postman', 'import:postman']) {
      const r = await p.venomqa([joined, 'col.json'])
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`venomqa: unknown command '${joined}'\n(Did you mean import postman?)\n`)
    }
    // A word that is no command joined to one keeps commander's answer.
    const other = await p.venomqa(['import-nothing'])
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/^venomqa: unknown command 'import-nothing'\n/)
    expect(other.stderr).not.toContain('import postman')
  })

  it("a misspelt --openapi of generate is named as the unknown option it is, not as --openapi missing", async () => {
    const r = await p.venomqa(['generate', '--openap', 'openapi.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("venomqa: unknown option '--openap'\n(Did you mean --openapi?)\n")
    // Left out, it is still required.
    const none = await p.venomqa(['generate'])
    expect(none.code).toBe(2)
    expect(none.stderr).toBe("venomqa: required option '--openapi <file|url>' not specified\n")
  })

  it('a known option with a word added (--max-depth, --depth-limit) is suggested as commander suggests a misspelt one', async () => {
    for (const [args, meant] of [
      [['explore', '--max-depth', '5'], '--depth'],
      [['explore', '--depth-limit=5'], '--depth'],
      [['run', '--max-retries', '2'], '--retries'],
    ] as const) {
      const r = await p.venomqa([...args])
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`venomqa: unknown option '${args[1]}'\n(Did you mean ${meant}?)\n`)
    }
    // Two known options in it, neither more likely: no guess.
    const both = await p.venomqa(['explore', '--time-budget', '3'])
    expect(both.code).toBe(2)
    expect(both.stderr).toBe("venomqa: unknown option '--time-budget'\n")
  })

  it("report's help says a config's reporters are its default, as they are", async () => {
    const help = await p.venomqa(['report', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout.replace(/\s+/g, ' ')).toContain("(repeatable; default: the config's reporters, else console)")
  })
})
