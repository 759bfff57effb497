import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A journey that declares the port it needs (`requires: ['webhooks']`) with the plugin that adds it left out
// of the config: `venomqa run` refuses it before anything runs (exit 2), and `venomqa doctor` said "all
// checks passed" of the same project.

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('hooks', {
  steps: [step('caught', async ({ ports }) => { ports.require('webhooks') }, { requires: ['webhooks'] })],
})
`
const PLUGIN = `export default {
  name: 'venomqa-plugin-webhooks',
  version: '1.0.0',
  apiVersion: 1,
  setup(api) { api.addPort('webhooks', { received: () => [] }) },
}
`

let p: Project
beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  await mkdir(path.join(p.dir, 'plugins'), { recursive: true })
  await writeFile(path.join(p.dir, 'journeys/hooks.journey.ts'), JOURNEY)
  await writeFile(path.join(p.dir, 'plugins/webhooks.mjs'), PLUGIN)
})
afterAll(async () => {
  await p?.remove()
})

describe('venomqa doctor, a port a journey requires', () => {
  it('fails as a mistake when no plugin adds it, as venomqa run refuses it', async () => {
    const run = await p.venomqa(['run'])
    expect(run.code, run.stdout + run.stderr).toBe(2)
    expect(run.stderr).toContain('journey "hooks", step "caught" needs port "webhooks"')
    const r = await p.venomqa(['doctor'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stdout).toContain(
      '✗ ports      journeys/hooks.journey.ts: journey "hooks", step "caught" needs port "webhooks". Registered ports: none. "webhooks" comes from a plugin that adds it (api.addPort("webhooks", ...)), or an adapter given that port name.\n',
    )
    expect(r.stdout).toContain('doctor: 1 of 3 checks failed, a mistake in the config, a plugin or a journey')
  })

  // The plugin installed, and left out of the config: the message said only that the port "comes from a
  // plugin that adds it", where the unknown-reporter message names the package installed but not loaded.
  it('names the plugin package installed but not loaded that is named like the port', async () => {
    await mkdir(path.join(p.dir, 'node_modules/venomqa-plugin-webhooks'), { recursive: true })
    await writeFile(
      path.join(p.dir, 'node_modules/venomqa-plugin-webhooks/package.json'),
      JSON.stringify({ name: 'venomqa-plugin-webhooks', version: '1.0.0', type: 'module', main: 'index.mjs', keywords: ['venomqa-plugin'] }),
    )
    await writeFile(path.join(p.dir, 'node_modules/venomqa-plugin-webhooks/index.mjs'), PLUGIN)
    const hint = 'venomqa-plugin-webhooks is installed but not loaded: add "venomqa-plugin-webhooks" to plugins in the config, or give --plugin venomqa-plugin-webhooks.'
    try {
      const run = await p.venomqa(['run'])
      expect(run.code, run.stdout + run.stderr).toBe(2)
      expect(run.stderr).toContain(`"webhooks" comes from a plugin that adds it (api.addPort("webhooks", ...)), or an adapter given that port name. ${hint}`)
      const doctor = await p.venomqa(['doctor'])
      expect(doctor.code).toBe(2)
      expect(doctor.stdout).toContain(hint)
      // Loaded, it adds the port: nothing to say.
      expect((await p.venomqa(['run', '--plugin', 'webhooks'])).code).toBe(0)
    } finally {
      await rm(path.join(p.dir, 'node_modules/venomqa-plugin-webhooks'), { recursive: true, force: true })
    }
  })

  it('passes once the plugin that adds it is there', async () => {
    const r = await p.venomqa(['doctor', '--plugin', './plugins/webhooks.mjs'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).not.toContain('ports')
  })
})

// A port misspelt in `requires` (`mails` for the mail catcher's `mail`) was refused naming no file, and
// sent the user to write a plugin that adds "mails" rather than to the port that is there.
describe('a port misspelt in requires', () => {
  let typo: Project
  beforeAll(async () => {
    typo = await makeProject(null)
    await mkdir(path.join(typo.dir, 'journeys'), { recursive: true })
    await writeFile(
      path.join(typo.dir, 'journeys/signup.journey.ts'),
      `import { journey, step } from '@venomqa/core'
export default journey('signup', { requires: ['mails'], steps: [step('look', async ({ ports }) => { await ports.require('mail').list() })] })
`,
    )
  })
  afterAll(async () => {
    await typo?.remove()
  })

  it('names the journey file and the registered port meant, in run and in doctor', async () => {
    const meant = 'journeys/signup.journey.ts: journey "signup" needs port "mails" (did you mean "mail"?). Registered ports:'
    const run = await typo.venomqa(['run', '--plugin', 'memory'])
    expect(run.code, run.stdout + run.stderr).toBe(2)
    expect(run.stderr).toContain(meant)
    expect(run.stderr).not.toContain('api.addPort("mails"')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    const doctor = await typo.venomqa(['doctor', '--plugin', 'memory'])
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(2)
    expect(doctor.stdout).toContain(`✗ ports      ${meant}`)
  })
})
