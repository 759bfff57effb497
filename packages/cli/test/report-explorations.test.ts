import { readFileSync } from 'node:fs'
import http from 'node:http'
import { symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { explorationRun, leakedExplorationSecrets } from '@venomqa/fixtures'
import { REPO_ROOT, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkJUnit } from './helpers/junit-shape'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// End to end: the built `venomqa report` re-renders a saved run of `venomqa explore` (two explorations,
// two violations, one flaky, one truncated search, secrets in the exchanges) with every reporter.
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  for (const name of ['reporter-html', 'reporter-slack']) await symlink(path.join(REPO_ROOT, 'packages', name), path.join(p.dir, 'node_modules/@venomqa', name), 'dir')
  // As `--save` writes it: JSON, secrets and all (the reporters must mask them on their own).
  await writeFile(path.join(p.dir, 'explored.json'), JSON.stringify(explorationRun(), null, 2))
})
afterAll(async () => {
  await p?.remove()
})

const read = (file: string) => readFileSync(path.join(p.dir, file), 'utf8')

describe('venomqa report on a saved exploration run', () => {
  it('says when a deduplicated search merged states a write the API accepted had reached, and not in a search without dedupe', async () => {
    const run = explorationRun()
    const [first, second] = run.explorations!
    first!.stats = { ...first!.stats, mergedAfterWrite: 3, mergedAfterWriteBy: { ship: 1, apply_coupon: 2 } }
    second!.stats = { ...second!.stats, mergedAfterWrite: 2, mergedAfterWriteBy: { ship: 2 } }
    second!.dedupe = false
    await writeFile(path.join(p.dir, 'merged-writes.json'), JSON.stringify(run))
    const r = await p.venomqa(['report', 'merged-writes.json', '-r', 'console', '-r', 'markdown:out/merged-writes.md'])
    // The actions whose writes were merged, most first, and what tells their states apart.
    const said =
      /(\d+) of the merged came after a write the API accepted that changed no row count \(apply_coupon 2, ship 1\): .*; an action that sets a context key when its write succeeds tells its states apart .*, and --no-dedupe \(dedupe: false\) searches past every merge/g
    expect([...r.stdout.matchAll(said)].map((m) => m[1])).toEqual(['3'])
    expect([...read('out/merged-writes.md').matchAll(said)].map((m) => m[1])).toEqual(['3'])
    // A run saved before merges were counted by action still says how many.
    delete first!.stats.mergedAfterWriteBy
    await writeFile(path.join(p.dir, 'merged-writes-old.json'), JSON.stringify(run))
    const old = await p.venomqa(['report', 'merged-writes-old.json', '-r', 'console'])
    expect(old.stdout).toMatch(/3 of the merged came after a write the API accepted that changed no row count: a change/)
  })

  it('says when a deduplicated search merged the state one input of an action reached into the one another of its inputs reached, and not in a search without dedupe', async () => {
    const run = explorationRun()
    const [first, second] = run.explorations!
    first!.stats = { ...first!.stats, mergedAfterInputBy: { order: 1, create_product: 2 } }
    second!.stats = { ...second!.stats, mergedAfterInputBy: { order: 4 } }
    second!.dedupe = false
    await writeFile(path.join(p.dir, 'merged-inputs.json'), JSON.stringify(run))
    const r = await p.venomqa(['report', 'merged-inputs.json', '-r', 'console', '-r', 'markdown:out/merged-inputs.md'])
    const said =
      /(\d+) of the merged came after an action reached, with one of its inputs, the state another of its inputs reached first \(create_product 2, order 1\): .*not searched; an action that sets a context key for such an input .* tells its states apart, and --no-dedupe \(dedupe: false\) searches past every merge/g
    expect([...r.stdout.matchAll(said)].map((m) => m[1])).toEqual(['3'])
    expect([...read('out/merged-inputs.md').matchAll(said)].map((m) => m[1])).toEqual(['3'])
    expect(r.stdout.match(/another of its inputs reached first/g)).toHaveLength(1)
  })

  it('says which actions the API refused every time they ran, with one of its refusals, where nothing after them was searched', async () => {
    const run = explorationRun()
    const [first] = run.explorations!
    first!.coverage = [
      { action: 'create_product', taken: 2, enabled: 2, refused: 0 },
      { action: 'refund', taken: 20, enabled: 20, refused: 20, refusedExample: 'POST /api/orders/1/refund answered 404' },
      { action: 'cancel_one', taken: 5, enabled: 5, refused: 3, refusedExample: 'POST /api/orders/1/cancel-one answered 409' },
    ]
    await writeFile(path.join(p.dir, 'refused-always.json'), JSON.stringify(run))
    const r = await p.venomqa(['report', 'refused-always.json', '-r', 'console', '-r', 'markdown:out/refused-always.md'])
    const said = /refused every time it ran: refund ×20 \(such as POST \/api\/orders\/1\/refund answered 404\): no state after it was searched; if the API should have taken it somewhere, check its request/g
    expect(r.stdout.match(said)).toHaveLength(1)
    expect(read('out/refused-always.md').match(said)).toHaveLength(1)
    // Refused only sometimes: nothing to say.
    expect(r.stdout).not.toMatch(/refused every time it ran: cancel_one/)
  })

  it('renders the explorations with console, json, junit, markdown, html and slack', async () => {
    const r = await p.venomqa(['report', 'explored.json', '-r', 'console', '-r', 'json:out/again.json', '-r', 'junit:out/junit.xml', '-r', 'markdown:out/report.md', '-r', 'html:out/report.html', '-r', 'slack:out/slack.json'])
    expect(r.stderr).not.toMatch(/error|failed to/i)
    expect(r.code).toBe(0)
    const outputs = {
      console: r.stdout,
      json: read('out/again.json'),
      junit: read('out/junit.xml'),
      markdown: read('out/report.md'),
      html: read('out/report.html'),
      slack: read('out/slack.json'),
    }
    for (const [name, text] of Object.entries(outputs)) {
      expect(leakedExplorationSecrets(text), name).toEqual([])
      expect(text, `${name} names the exploration`).toContain('shop')
      expect(text, `${name} names the broken invariant`).toContain('stock_never_negative')
    }

    expect(r.stdout).toContain('◇ exploration shop failed dfs, depth 5, seed 1234')
    expect(r.stdout).toContain('Explored  1 passed, 1 failed of 2, 2 violations (1 flaky)')
    expect(r.stdout).toContain('Result: FAILED')
    expect(JSON.parse(outputs.json).explorations[0].violations[1].flaky).toBe(true)
    const { problems, suites } = checkJUnit(outputs.junit)
    expect(problems).toEqual([])
    expect(suites.map((s) => s.name)).toEqual(['explore shop', 'explore catalog'])
    expect(outputs.markdown).toContain('1. **create_product** `{"name":"Lamp <script>","stock":1}` `POST http://127.0.0.1:4010/api/products → 201')
    expect(outputs.html).toContain('"inv":"stock_never_negative"')
    expect(JSON.parse(outputs.slack).blocks[0].text.text).toBe(':x: VenomQA: 1 of 2 explorations failed')
    // Every file written is said, the one the Slack reporter wrote itself too.
    for (const [name, file] of [['json', 'again.json'], ['junit', 'junit.xml'], ['markdown', 'report.md'], ['html', 'report.html'], ['slack', 'slack.json']])
      expect(r.stderr).toContain(`venomqa: ${name} report written to ${path.join('out', file)}\n`)
  })

  it('says where the Slack reporter sent the run: the webhook host, never its secret path', async () => {
    const bodies: string[] = []
    const hook = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        bodies.push(body)
        res.writeHead(200).end('ok')
      })
    })
    const { url, close } = await listenLocally(hook)
    try {
      const r = await p.venomqa(['report', 'explored.json', '-r', 'slack'], { env: { SLACK_WEBHOOK_URL: `${url}/services/T0/B0/SeCrEtHoOkPaTh` } })
      expect(r.code, r.stderr).toBe(0)
      expect(bodies).toHaveLength(1)
      expect(r.stderr).toBe(`venomqa: slack report sent to Slack (${new URL(url).host})\n`)
    } finally {
      await close()
    }
  })
})
