/**
 * End to end, the built CLI: one journey file defining several journeys with mistakes. journey() threw as
 * the file was evaluated, so the file's second journey was never defined: its mistakes were told only once
 * the first was fixed. `venomqa run`, `list` and `doctor` tell every refused journey of the file in one
 * run, each line naming the file, the journey and the step or key, exit 2 (docs/cli.md). A file with one
 * refused journey reads as before (definition-every-mistake.test.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

const TWO = `import { journey, step } from '@venomqa/core'

export const first = journey('first', { timout: 5, steps: [step('a', () => {})] })

export const second = journey('second', { steps: [step('b', () => {}), step('b', () => {})] })

journey('unexported', { steps: [] })

export default journey('fine', { steps: [step('ok', () => {})] })
`

/** `shift`: jiti's places of a call are that many columns to the right, for one refused journey as for several. */
const TWO_LINES = (file: string, shift = 0) => [
  `${file}:3:${22 + shift}: journey "first": unknown option "timout" (did you mean "timeout"?)`,
  `${file}:5:${23 + shift}: journey "second", step "b": duplicate step name in the main line; step names must differ within a line`,
  `${file}:7:${1 + shift}: journey "unexported": a journey needs at least one step`,
]

/** Exit 2, the lines told under their header, no stack trace. */
function expectTold(r: CliResult, header: string, lines: readonly string[]): void {
  expect(r.code, r.stderr).toBe(2)
  expect(r.stderr).toBe(`${[`venomqa: ${header}`, ...lines.map((l) => `  ${l}`)].join('\n')}\n`)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}

const host = cliHost()
const projects: Project[] = []

async function project(files: Record<string, string>): Promise<Project> {
  const p = await makeProject(null, {}, host)
  projects.push(p)
  await writeFile(path.join(p.dir, 'package.json'), '{"name":"definition-journeys","private":true,"type":"module"}')
  await writeFile(path.join(p.dir, 'venomqa.config.mjs'), "export default { baseUrl: 'http://127.0.0.1:9' }\n")
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(p.dir, name)), { recursive: true })
    await writeFile(path.join(p.dir, name), text)
  }
  return p
}

beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const p of projects) await p.remove()
})

describe('one journey file with several refused journeys', () => {
  it('run, list and doctor tell every one, exported or not, in one run, exit 2; again in the same process', async () => {
    const p = await project({ 'journeys/two.journey.mjs': TWO })
    const header = 'definition mistakes in 3 journeys of journeys/two.journey.mjs:'
    // run then list in one process: the module is not evaluated again, its refusals are told all the same.
    for (const command of ['run', 'list', 'run']) expectTold(await p.venomqa([command]), header, TWO_LINES('journeys/two.journey.mjs'))
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.code).toBe(2)
    for (const line of TWO_LINES('journeys/two.journey.mjs')) expect(doctor.stdout + doctor.stderr).toContain(line)
  })

  it('TypeScript, through its compiled copy and through jiti: the same lines, placed as one refused journey is', async () => {
    const p = await project({ 'journeys/two.journey.ts': TWO })
    const header = 'definition mistakes in 3 journeys of journeys/two.journey.ts:'
    expectTold(await p.venomqa(['list']), header, TWO_LINES('journeys/two.journey.ts'))
    expectTold(await p.venomqa(['list'], { env: { VENOMQA_TS_LOADER: 'jiti' }, process: true }), header, TWO_LINES('journeys/two.journey.ts', 7))
  })

  it('two such files loaded in sequence, and a file with one refused journey: each file its own lines', async () => {
    const one = `import { journey } from '@venomqa/core'\n\nexport default journey('lone', { steps: [] })\n`
    const p = await project({ 'journeys/a.journey.mjs': TWO, 'journeys/b.journey.mjs': TWO.replace(/'(first|second|unexported)'/g, "'$1_b'").replace("'fine'", "'fine_b'"), 'journeys/c.journey.mjs': one })
    const b = TWO_LINES('journeys/b.journey.mjs').map((l) => l.replace(/journey "(\w+)"/, 'journey "$1_b"'))
    expectTold(await p.venomqa(['run']), 'definition mistakes in 7 journeys of 3 journey files:', [
      ...TWO_LINES('journeys/a.journey.mjs'),
      ...b,
      'journeys/c.journey.mjs:3:16: journey "lone": a journey needs at least one step',
    ])
    // Alone, a file with one refused journey reads as it always did.
    const r = await p.venomqa(['list', 'journeys/c.journey.mjs'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('venomqa: journeys/c.journey.mjs:3:16: journey "lone": a journey needs at least one step\n')
  })

  it('a journey file that imports another: each refusal under the file that makes it, once', async () => {
    const a = `import { journey, step } from '@venomqa/core'
import { shared } from './b.journey.mjs'

export default journey('a', { steps: [shared, shared] })
`
    const b = `import { journey, step } from '@venomqa/core'

export const shared = step('shared', () => {})

export default journey('b', { steps: [] })
`
    const p = await project({ 'journeys/a.journey.mjs': a, 'journeys/b.journey.mjs': b })
    expectTold(await p.venomqa(['list']), 'definition mistakes in 2 journey files:', [
      'journeys/a.journey.mjs:4:16: journey "a", step "shared": duplicate step name in the main line; step names must differ within a line',
      'journeys/b.journey.mjs:5:16: journey "b": a journey needs at least one step',
    ])
  })

  it('a refusal the file catches is told all the same; a throw after refusals tells the refusals, as the first one did', async () => {
    const caught = `import { journey, step } from '@venomqa/core'

let fallback = false
try {
  journey('caught', { steps: [] })
} catch {
  fallback = true
}

export default journey('fine', { steps: [step('ok', () => {})] })
`
    const uses = `import { journey, step } from '@venomqa/core'

const a = journey('a', { steps: [] })
const b = journey('b', { steps: [] })
a.steps[0].name.trim()
`
    const p = await project({ 'journeys/caught.journey.mjs': caught, 'journeys/uses.journey.mjs': uses })
    const r = await p.venomqa(['list', 'journeys/caught.journey.mjs'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe('venomqa: journeys/caught.journey.mjs:5:3: journey "caught": a journey needs at least one step\n')
    expectTold(await p.venomqa(['list', 'journeys/uses.journey.mjs']), 'definition mistakes in 2 journeys of journeys/uses.journey.mjs:', [
      'journeys/uses.journey.mjs:3:11: journey "a": a journey needs at least one step',
      'journeys/uses.journey.mjs:4:11: journey "b": a journey needs at least one step',
    ])
  })
})
