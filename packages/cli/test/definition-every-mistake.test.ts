/**
 * End to end, the built CLI: journey files with several definition mistakes. `venomqa run` and `venomqa
 * list` told the first mistake of the first file and stopped, so a user fixed one per run. They tell every
 * mistake of each journey, of every file that has one, each line naming the file, the journey and the step
 * or key, and exit 2 (docs/cli.md, a definition error). A single mistake reads as it always did.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectWithJourneys } from './helpers/project'

const SEVERAL = `import { branch, checkpoint, journey, step } from '@venomqa/core'

export default journey('checkout', {
  timout: 5,
  steps: [step('pay', () => {}), step('pay', () => {}), checkpoint('cart'), checkpoint('cart'), branch('cart', [])],
})
`

const ONE = `import { journey, step } from '@venomqa/core'

export default journey('signup', { steps: [step('register', () => {}, { retries: 'two' })] })
`

const FINE = `import { journey, step } from '@venomqa/core'

export default journey('fine', { steps: [step('ok', () => {})] })
`

// A TypeScript file (compiled as it loads): the duplicate inside a path was placed at no line at all.
const IN_PATH = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

export default journey('nested', {
  steps: [
    checkpoint('base'),
    branch('base', [
      path('a', [
        step('x', () => {}),
        checkpoint('inner'),
        step('y', () => {}),
        checkpoint('inner'),
      ]),
    ]),
  ],
})
`

const CHECKOUT = [
  'journeys/checkout.journey.mjs:3:16: journey "checkout" has 4 definition mistakes:',
  '  journeys/checkout.journey.mjs:3:16: journey "checkout": unknown option "timout" (did you mean "timeout"?)',
  '  journeys/checkout.journey.mjs:3:16: journey "checkout", step "pay": duplicate step name in the main line; step names must differ within a line',
  // A checkpoint's or a branch's mistake is placed at its own call, the others at journey(.
  '  journeys/checkout.journey.mjs:5:77: journey "checkout", step "checkpoint cart": duplicate checkpoint "cart"; checkpoint names must be unique in a journey',
  '  journeys/checkout.journey.mjs:5:97: journey "checkout", step "branch cart": a branch needs at least one path',
]
const SIGNUP = 'journeys/signup.journey.mjs:3:16: journey "signup", step "register": retries: expected a whole number from 0 to 100, got "two"'

let project: Project

beforeAll(async () => {
  project = await projectWithJourneys({ 'checkout.journey.mjs': SEVERAL, 'fine.journey.mjs': FINE, 'signup.journey.mjs': ONE, 'in-path.journey.ts': IN_PATH })
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"definition-mistakes","private":true,"type":"module"}')
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), "export default { baseUrl: 'http://127.0.0.1:9' }\n")
}, 60_000)
afterAll(async () => {
  await project?.remove()
})

describe('journey files with several definition mistakes', () => {
  it('venomqa run and venomqa list tell every mistake of every file, each line naming the file, journey and step or key, exit 2', async () => {
    for (const command of ['run', 'list']) {
      const r = await project.venomqa([command, 'journeys/checkout.journey.mjs', 'journeys/fine.journey.mjs', 'journeys/signup.journey.mjs'])
      expect(r.code, `${command}: ${r.stderr}`).toBe(2)
      expect(r.stderr, command).toBe(`${['venomqa: definition mistakes in 2 journey files:', ...CHECKOUT.map((l) => `  ${l}`), `  ${SIGNUP}`].join('\n')}\n`)
    }
  })

  it('one file with several mistakes: its mistakes alone, under its line', async () => {
    const r = await project.venomqa(['run', 'journeys/checkout.journey.mjs'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`venomqa: ${CHECKOUT.join('\n')}\n`)
  })

  it('a duplicate checkpoint in a path is placed at the checkpoint() that repeats it', async () => {
    const r = await project.venomqa(['run', 'journeys/in-path.journey.ts'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'venomqa: journeys/in-path.journey.ts:11:9: journey "nested", step "checkpoint inner": duplicate checkpoint "inner" in path "a" (the same path declares it first); checkpoint names must be unique in a journey, across its paths too\n',
    )
  })

  it('a single mistake reads as it always did', async () => {
    const r = await project.venomqa(['list', 'journeys/signup.journey.mjs', 'journeys/fine.journey.mjs'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`venomqa: ${SIGNUP}\n`)
  })
})
