import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, waitUntil } from './helpers/project'

// What a config or journey file imports and cannot have is the user's mistake: one line naming the file
// and the import (exit 2), never Node's "Require stack:" list, nor a TypeError in the middle of the run.
// Through the built `venomqa`; the journeys send no request.
let p: Project

/** `venomqa run` passes with the journeys loaded natively, and through jiti. */
async function passesInBothLoaders(): Promise<void> {
  for (const env of [{}, { VENOMQA_TS_LOADER: 'jiti' }]) {
    const r = await p.venomqa(['run'], { env })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('Result: PASSED')
  }
}

const write = async (files: Record<string, string>) => {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(p.dir, file)), { recursive: true })
    await writeFile(path.join(p.dir, file), text)
  }
}
const remove = (...files: string[]) => Promise.all(files.map((f) => rm(path.join(p.dir, f), { recursive: true, force: true })))

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
})
afterAll(async () => {
  await p?.remove()
})

const FINE = `import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n`

describe('a module a config file imports that is not there', () => {
  it.each([
    ['a local file', "import { helper } from './missing-helper'\n", "Cannot find module './missing-helper'"],
    ['a package', "import helper from 'not-a-package'\n", "Cannot find module 'not-a-package'"],
  ])('%s: one line naming the config and the module, no Require stack', async (_, line, said) => {
    // Used, or the import is dropped with the types.
    await write({ 'venomqa.config.ts': `${line}export default { headers: { 'X-Helper': String(helper) } }\n`, 'journeys/fine.journey.ts': FINE })
    try {
      const r = await p.venomqa(['run'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(`venomqa: could not load venomqa.config.ts:1:1: ${said}\n`)
    } finally {
      await remove('venomqa.config.ts', 'journeys')
    }
  })

  it('imported by a file the config imports: that file is named', async () => {
    await write({
      'venomqa.config.ts': "import { url } from './lib/settings'\nexport default { baseUrl: url }\n",
      'lib/settings.ts': "import { read } from './gone'\nexport const url = read('URL')\n",
      'journeys/fine.journey.ts': FINE,
    })
    try {
      const r = await p.venomqa(['run'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe("venomqa: could not load venomqa.config.ts:1:1: Cannot find module './gone' (imported by lib/settings.ts)\n")
    } finally {
      await remove('venomqa.config.ts', 'lib', 'journeys')
    }
  })
})

describe("one of VenomQA's own packages that the project does not have", () => {
  it('says to install it: a regression journey of `explore --openapi` imports @venomqa/openapi; another package gets no advice', async () => {
    // The project has @venomqa/core, runner and cli (see makeProject), not @venomqa/openapi: as a project that
    // installed the CLI alone with pnpm, which hoists nothing, has neither it nor core.
    await write({
      'journeys/regressions/openapi-1.exploration.ts': "import { openApiExploration } from '@venomqa/openapi'\nexport default openApiExploration('openapi.json', {})\n",
      'journeys/regressions/a.journey.ts': `import exploration from './openapi-1.exploration.js'\n${FINE.replace("'fine'", "'a'").replace('() => {}', '() => exploration')}`,
    })
    // Without NODE_PATH, which `pnpm exec` points at the workspace's hoisted packages (@venomqa/openapi among them).
    const env = { NODE_PATH: undefined }
    try {
      const r = await p.venomqa(['run'], { env })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(
        "venomqa: could not load journeys/regressions/a.journey.ts:1:1: Cannot find module '@venomqa/openapi' (imported by journeys/regressions/openapi-1.exploration.ts): VenomQA's @venomqa/openapi is not installed in this project (npm install -D @venomqa/openapi)\n",
      )
      // A name under @venomqa that is none of its packages is no advice to install anything.
      await write({ 'journeys/regressions/openapi-1.exploration.ts': "import '@venomqa/opnapi'\nexport default {}\n" })
      const typo = await p.venomqa(['run'], { env })
      expect(typo.code, typo.stderr).toBe(2)
      expect(typo.stderr).toContain("Cannot find module '@venomqa/opnapi'")
      expect(typo.stderr).not.toContain('npm install')
    } finally {
      await remove('journeys')
    }
  })
})

describe('a name imported from a local TypeScript file that does not export it', () => {
  it('in a journey: exit 2 as it loads, naming the file, the line and the import, run after run', async () => {
    // It used to run, and fail the step that called it: `(0 , _helper.nope) is not a function`.
    await write({
      'journeys/helper.ts': 'export const yes = () => 1\n',
      'journeys/a.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { nope } from './helper'\nexport default journey('a', { steps: [step('one', () => nope())] })\n",
    })
    try {
      for (const attempt of [1, 2]) {
        const r = await p.venomqa(['run'])
        expect(r.code, `${attempt}: ${r.stdout}${r.stderr}`).toBe(2)
        expect(r.stderr).toContain(`venomqa: could not load journeys/a.journey.ts:2: it imports "nope" from './helper', which does not export it\n`)
        expect(r.stdout).toBe('')
      }
    } finally {
      await remove('journeys')
    }
  })

  it('a default import, in the config and in a file it imports', async () => {
    await write({
      'journeys/fine.journey.ts': FINE,
      'lib/base.ts': 'export const base = 1\n',
      'venomqa.config.ts': "import base from './lib/base'\nexport default { retries: base }\n",
    })
    try {
      const direct = await p.venomqa(['run'])
      expect(direct.code, direct.stderr).toBe(2)
      expect(direct.stderr).toBe("venomqa: could not load venomqa.config.ts:1: it imports a default export from './lib/base', which does not export it\n")
      await write({ 'venomqa.config.ts': "import { retries } from './lib/settings'\nexport default { retries }\n", 'lib/settings.ts': "import { count } from './base'\nexport const retries = count\n" })
      const nested = await p.venomqa(['run'])
      expect(nested.code, nested.stderr).toBe(2)
      expect(nested.stderr).toBe(`venomqa: could not load venomqa.config.ts: lib/settings.ts:1: it imports "count" from './base', which does not export it\n`)
    } finally {
      await remove('venomqa.config.ts', 'lib', 'journeys')
    }
  })

  it('through jiti (VENOMQA_TS_LOADER=jiti): the same exit 2 and the same line, called in a step or as the file runs, in the config or a file it imports', async () => {
    const jiti = { env: { VENOMQA_TS_LOADER: 'jiti' } }
    const said = `venomqa: could not load journeys/a.journey.ts:2: it imports "nope" from './helper', which does not export it\n`
    await write({
      'journeys/helper.ts': 'export const yes = () => 1\n',
      'journeys/a.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { nope } from './helper'\nexport default journey('a', { steps: [step('one', () => nope())] })\n",
    })
    try {
      // It ran, and failed the step: `(0 , _helper.nope) is not a function`.
      const inStep = await p.venomqa(['run'], jiti)
      expect(inStep.code, inStep.stdout + inStep.stderr).toBe(2)
      expect(inStep.stderr).toBe(said)
      expect(inStep.stdout).toBe('')
      await write({ 'journeys/a.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { nope } from './helper'\nnope()\nexport default journey('a', { steps: [step('one', () => {})] })\n" })
      const asItRuns = await p.venomqa(['run'], jiti)
      expect(asItRuns.code, asItRuns.stdout + asItRuns.stderr).toBe(2)
      expect(asItRuns.stderr).toBe(said)
      await remove('journeys')
      await write({
        'journeys/fine.journey.ts': FINE,
        'lib/base.ts': 'export const base = 1\n',
        'venomqa.config.ts': "import { retries } from './lib/settings'\nexport default { retries }\n",
        'lib/settings.ts': "import { count } from './base'\nexport const retries = count\n",
      })
      const nested = await p.venomqa(['run'], jiti)
      expect(nested.code, nested.stderr).toBe(2)
      expect(nested.stderr).toBe(`venomqa: could not load venomqa.config.ts: lib/settings.ts:1: it imports "count" from './base', which does not export it\n`)
      await write({ 'venomqa.config.ts': "import base from './lib/base'\nexport default { retries: base }\n" })
      const direct = await p.venomqa(['run'], jiti)
      expect(direct.code, direct.stderr).toBe(2)
      expect(direct.stderr).toBe("venomqa: could not load venomqa.config.ts:1: it imports a default export from './lib/base', which does not export it\n")
    } finally {
      await remove('venomqa.config.ts', 'lib', 'journeys')
    }
  })

  it('under run --watch, which loads through jiti: the same line, and the watcher waits for the fix', async () => {
    await write({
      'journeys/helper.ts': 'export const yes = () => 1\n',
      'journeys/a.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { nope } from './helper'\nexport default journey('a', { steps: [step('one', () => nope())] })\n",
    })
    const watcher = p.spawn(['run', '--watch'])
    try {
      const said = `venomqa: could not load journeys/a.journey.ts:2: it imports "nope" from './helper', which does not export it\n`
      const idle = () => watcher.output().stderr.split('Waiting for file changes').length - 1
      await waitUntil(() => idle() === 1, 'the watcher after its first run')
      expect(watcher.output().stderr).toContain(said)
      expect(watcher.output().stdout).not.toContain('is not a function')
      // Fixed, it runs.
      await write({ 'journeys/helper.ts': 'export const yes = () => 1\nexport const nope = () => 2\n' })
      await waitUntil(() => idle() === 2, 'the watcher after the run the fix brings')
      expect(watcher.output().stdout).toContain('Result: PASSED')
    } finally {
      watcher.child.kill('SIGINT')
      await watcher.done
      await remove('journeys')
    }
  })

  it('a type re-exported without `type` is no mistake: the journey loads and runs', async () => {
    // sucrase cannot tell a type in `export { Shape } from`: Node refuses the copy, and jiti runs it.
    await write({
      'journeys/types.ts': 'export type Shape = { id: number }\nexport const make = (): Shape => ({ id: 1 })\n',
      'journeys/lib.ts': "export { Shape, make } from './types'\n",
      'journeys/b.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { make } from './lib'\nexport default journey('b', { steps: [step('one', () => { make() })] })\n",
    })
    try {
      await passesInBothLoaders()
    } finally {
      await remove('journeys')
    }
  })
})

describe('a name imported from a package that does not export it', () => {
  it('an ES module package: exit 2 as the file loads, naming the import and the nearest name, natively and through jiti', async () => {
    // It used to load through jiti, and fail as the file ran: `(0 , _core.stepp) is not a function`.
    const said = (name: string, near: string) =>
      `venomqa: could not load journeys/a.journey.ts:1: it imports "${name}" from '@venomqa/core', which does not export it (did you mean "${near}"?)\n`
    await write({ 'journeys/a.journey.ts': "import { journey, stepp } from '@venomqa/core'\nexport default journey('a', { steps: [stepp('one', () => {})] })\n" })
    try {
      for (const env of [{}, {}, { VENOMQA_TS_LOADER: 'jiti' }]) {
        const r = await p.venomqa(['run'], { env })
        expect(r.code, `${JSON.stringify(env)}: ${r.stdout}${r.stderr}`).toBe(2)
        expect(r.stderr).toBe(said('stepp', 'step'))
      }
      // Called only in a step, which jiti let run up to that step.
      await write({ 'journeys/a.journey.ts': "import { assertEqaul, journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('one', () => assertEqaul(1, 1, 'one'))] })\n" })
      for (const env of [{}, { VENOMQA_TS_LOADER: 'jiti' }]) {
        const r = await p.venomqa(['run'], { env })
        expect(r.code, `${JSON.stringify(env)}: ${r.stdout}${r.stderr}`).toBe(2)
        expect(r.stderr).toBe(said('assertEqaul', 'assertEqual'))
        expect(r.stdout).toBe('')
      }
    } finally {
      await remove('journeys')
    }
  })

  it('a CommonJS package is not judged by the names an import() of it lists: the journey loads and runs', async () => {
    await write({
      'node_modules/cjs-only/package.json': '{ "name": "cjs-only", "version": "1.0.0", "main": "index.js" }\n',
      'node_modules/cjs-only/index.js': 'exports.hidden = () => 1\n',
      'journeys/b.journey.ts': "import { journey, step } from '@venomqa/core'\nimport { hidden } from 'cjs-only'\nexport default journey('b', { steps: [step('one', () => { hidden() })] })\n",
    })
    try {
      await passesInBothLoaders()
    } finally {
      await remove('journeys', 'node_modules/cjs-only')
    }
  })
})
