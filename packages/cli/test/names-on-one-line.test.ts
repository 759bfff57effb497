import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, projectWithJourneys } from './helpers/project'

// A journey, step, checkpoint, path or tag name may hold a newline, a tab or another control character
// (names are built from data): it is run as it is, and every line the console and the Markdown report
// print it on stays one line, the character shown as an escape.

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'
export default journey('jour\\nney\\u001b[31mRED\\ttab', { tags: ['t\\nag'], steps: [
  step('first\\nline\\u001b[2Jclear', () => {}),
  step('fails\\r\\nhere', () => { throw new Error('boom') }),
  checkpoint('cp\\u2028x'),
  branch('cp\\u2028x', [path('pa\\nth', [step('in\\npath', () => {})])]),
] })
`

/** How each name is shown: its control characters as escapes. */
const SHOWN = {
  journey: 'jour\\nney\\x1b[31mRED\\ttab',
  tag: 't\\nag',
  first: 'first\\nline\\x1b[2Jclear',
  fails: 'fails\\r\\nhere',
  checkpoint: 'cp\\u2028x',
  path: 'pa\\nth',
  inPath: 'in\\npath',
}

/** The second half of each name, which a name split over two lines began a line with. */
const PIECES = /^(?:ney|ag\]|line|here|x|th|path)\b/m

let p: Project
/** The run the tests read: its console, its Markdown report and its saved results. */
let run: CliResult
beforeAll(async () => {
  p = await projectWithJourneys({ 'names.journey.ts': JOURNEY })
  run = await p.venomqa(['run', '-r', 'console', '-r', 'markdown:out/report.md', '--save', 'out/results.json'], { env: { NO_COLOR: '1' } })
})
afterAll(async () => {
  await p?.remove()
})

/** No raw control character (a tab included) but the line breaks between lines, and no line that is a piece of a name. */
function expectOneLineEach(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u2028\u2029]/)
  expect(text).not.toMatch(PIECES)
}

describe('names with control characters', () => {
  it('are run as they are, and printed on one line each by the console, live and in its summary, and in the Markdown report', async () => {
    const r = run
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expectOneLineEach(r.stdout)
    expectOneLineEach(r.stderr)
    const lines = r.stdout.split('\n')
    expect(lines).toContain(`▶ ${SHOWN.journey} [${SHOWN.tag}] journeys/names.journey.ts`)
    expect(lines.some((l) => l.startsWith(`  ✓ ${SHOWN.first} `))).toBe(true)
    expect(lines.some((l) => l.startsWith(`  ✗ ${SHOWN.fails} `))).toBe(true)
    expect(lines.some((l) => l.startsWith(`  ◆ checkpoint ${SHOWN.checkpoint} `))).toBe(true)
    expect(lines).toContain(`  ⑂ branch from ${SHOWN.checkpoint} (1 path: ${SHOWN.path})`)
    expect(lines).toContain(`  ├ path ${SHOWN.path}`)
    expect(lines.some((l) => l.startsWith(`    ✓ ${SHOWN.inPath} `))).toBe(true)
    expect(lines.some((l) => l.startsWith(`✗ ${SHOWN.journey} failed `))).toBe(true)
    expect(lines).toContain(`  ✗ ${SHOWN.journey} › ${SHOWN.fails} [high] step`)
    // The warning before the run names the journey the same way.
    expect(r.stderr).toContain(`relative requests in ${SHOWN.journey} will fail`)

    const md = await readFile(path.join(p.dir, 'out/report.md'), 'utf8')
    expectOneLineEach(md)
    const mdLines = md.split('\n')
    expect(mdLines).toContain(`### ❌ ${SHOWN.journey}`)
    expect(mdLines).toContain(`Tags: \`${SHOWN.tag}\` · File: \`journeys/names.journey.ts\``)
    expect(mdLines.some((l) => l.startsWith(`| main | ${SHOWN.first} | ✅ passed |`))).toBe(true)
    expect(mdLines.some((l) => l.startsWith(`| main | ${SHOWN.fails} | ❌ failed |`))).toBe(true)
    expect(mdLines.some((l) => l.startsWith(`| main | ◆ checkpoint **${SHOWN.checkpoint}** |`))).toBe(true)
    expect(mdLines.some((l) => l.startsWith(`| ${SHOWN.path} | ${SHOWN.inPath} | ✅ passed |`))).toBe(true)
    expect(mdLines).toContain(`#### ${SHOWN.journey} › ${SHOWN.fails}`)
    // Saved as they are: the results file is data, not a line of text.
    const saved = JSON.parse(await readFile(path.join(p.dir, 'out/results.json'), 'utf8')) as { journeys: { name: string }[] }
    expect(saved.journeys[0]!.name).toBe('jour\nney\u001b[31mRED\ttab')
  })

  it('are printed on one line each when a saved run is rendered again: the console tree and the Markdown report', async () => {
    const r = await p.venomqa(['report', 'out/results.json', '-r', 'console', '-r', 'markdown:out/again.md'], { env: { NO_COLOR: '1' } })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expectOneLineEach(r.stdout)
    const lines = r.stdout.split('\n')
    expect(lines).toContain(`▶ ${SHOWN.journey} [${SHOWN.tag}] journeys/names.journey.ts`)
    expect(lines.some((l) => l.startsWith(`  ✗ ${SHOWN.fails} `))).toBe(true)
    expect(lines.some((l) => l.startsWith(`  ├ path ${SHOWN.path}`))).toBe(true)
    expect(lines).toContain(`  ✗ ${SHOWN.journey} › ${SHOWN.fails} [high] step`)
    const md = await readFile(path.join(p.dir, 'out/again.md'), 'utf8')
    expectOneLineEach(md)
    expect(md.split('\n')).toContain(`### ❌ ${SHOWN.journey}`)
  })
})

describe('names with control characters, outside a run', () => {
  it('venomqa list prints each on its line, a description of several lines under its journey', async () => {
    const q = await projectWithJourneys({
      'names.journey.ts': JOURNEY,
      'described.journey.ts': `import { journey, step } from '@venomqa/core'\nexport default journey('described', { description: 'first\\nsecond\\u001b[2J', steps: [step('s', () => {})] })\n`,
    })
    try {
      const r = await q.venomqa(['list'], { env: { NO_COLOR: '1' } })
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expectOneLineEach(r.stdout.replace('\n  second', ' second'))
      const lines = r.stdout.split('\n')
      expect(lines).toContain(`${SHOWN.journey}  [${SHOWN.tag}]  journeys/names.journey.ts`)
      expect(lines).toContain(`  step ${SHOWN.first}`)
      expect(lines).toContain(`  ◆ checkpoint ${SHOWN.checkpoint}`)
      expect(lines).toContain(`  ⑂ branch from ${SHOWN.checkpoint}`)
      expect(lines).toContain(`    └ path ${SHOWN.path}`)
      expect(lines).toContain(`        step ${SHOWN.inPath}`)
      expect(lines).toContain('  first')
      expect(lines).toContain('  second\\x1b[2J')
      expect(lines.at(-2)).toBe(`2 journeys in 2 files; tags: ${SHOWN.tag} (1)`)
    } finally {
      await q.remove()
    }
  })

  it('run --last-failed names the journeys it runs again on one line', async () => {
    const r = await p.venomqa(['run', '--last-failed', '-r', 'console'], { env: { NO_COLOR: '1' } })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toContain(`venomqa: --last-failed: running the journey that failed in the last run: ${SHOWN.journey}\n`)
    expectOneLineEach(r.stderr)
  })
})
