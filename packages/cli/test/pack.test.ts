import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, cleanEnv } from './helpers/project'

const exec = promisify(execFile)

// Installing only what is needed works outside the monorepo: the four packages packed as they would be
// published (workspace: ranges rewritten by pnpm), installed with plain npm into an empty project, with
// their registry dependencies (undici, commander, jiti, yaml, zod) from the npm registry.
let dir: string
let app: RunningProcess | undefined

beforeAll(async () => {
  assertBuilt()
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-pack-'))
})
afterAll(async () => {
  await app?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('packed packages in a plain npm project', () => {
  it(
    'npm install of the core, runner, explore, openapi, cli and venomqa-plugin-csv tarballs, then npx venomqa run --plugin csv',
    async () => {
      const tarballs = path.join(dir, 'tarballs')
      await mkdir(tarballs)
      for (const pkg of ['packages/core', 'packages/runner', 'packages/explore', 'packages/openapi', 'packages/cli', 'examples/plugin-csv'])
        await exec('pnpm', ['pack', '--pack-destination', tarballs], { cwd: path.join(REPO_ROOT, pkg) })
      const files = (await readdir(tarballs)).sort()
      expect(files).toEqual(['venomqa-cli-0.1.0.tgz', 'venomqa-core-0.1.0.tgz', 'venomqa-explore-0.1.0.tgz', 'venomqa-openapi-0.1.0.tgz', 'venomqa-plugin-csv-0.1.0.tgz', 'venomqa-runner-0.1.0.tgz'])

      const project = path.join(dir, 'project')
      await mkdir(path.join(project, 'journeys'), { recursive: true })
      await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'pack-test', private: true, type: 'module' }))
      await writeFile(
        path.join(project, 'venomqa.config.ts'),
        `import { defineConfig } from '@venomqa/cli'\nexport default defineConfig({ baseUrl: '\${TODO_URL}', reporters: ['console', 'csv:out/results.csv'] })\n`,
      )
      await writeFile(
        path.join(project, 'journeys/health.journey.ts'),
        `import { journey, step } from '@venomqa/core'\nexport default journey('health', { steps: [step('ping', ({ http }) => http.get('/health'))] })\n`,
      )
      const env = cleanEnv()
      for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('PNPM_') || k === 'INIT_CWD') delete env[k]
      // --prefer-offline: what the npm cache holds is not asked of the registry again.
      await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files.map((f) => path.join(tarballs, f))], { cwd: project, env, timeout: 150_000 })
      const manifest = JSON.parse(await readFile(path.join(project, 'node_modules/@venomqa/cli/package.json'), 'utf8'))
      expect(manifest.dependencies['@venomqa/core']).toBe('^0.1.0') // workspace:^ rewritten at pack
      const peer = JSON.parse(await readFile(path.join(project, 'node_modules/venomqa-plugin-csv/package.json'), 'utf8')).peerDependencies['@venomqa/core']
      expect(peer).not.toMatch(/^workspace:/) // rewritten at pack, and the CLI checked it against the installed core
      // The published files include the schemas.
      await readFile(path.join(project, 'node_modules/@venomqa/cli/schema/venomqa.schema.json'), 'utf8')
      await readFile(path.join(project, 'node_modules/@venomqa/core/schema/results.schema.json'), 'utf8')

      app = await startTodoApp()
      const run = await exec('npx', ['venomqa', 'run', '--plugin', 'csv'], { cwd: project, env: { ...env, TODO_URL: app.url }, timeout: 30_000 })
      expect(run.stdout).toContain('✓ ping GET')
      expect(run.stdout).toContain('Result: PASSED')
      expect(await readFile(path.join(project, 'out/results.csv'), 'utf8')).toMatch(/^journey_name,success,duration_ms,total_steps,passed_steps,issue_count,status\r\nhealth,true,\d+,1,1,0,passed\r\n$/)
      const plugins = await exec('npx', ['venomqa', 'plugins', '--plugin', 'csv'], { cwd: project, env: { ...env, TODO_URL: app.url } })
      expect(plugins.stdout).toMatch(/venomqa-plugin-csv\s+0\.1\.0\s+csv\s+node_modules\/venomqa-plugin-csv/)
    },
    200_000,
  )
})
