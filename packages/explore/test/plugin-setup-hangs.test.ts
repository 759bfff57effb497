/**
 * A plugin whose setup hangs past pluginTimeout: the exploration is not run, and says so as `venomqa run`
 * says a journey is not run: as a stall, with the advice for a setup that hung, the plugin's own issue
 * beside it. It was filed as a state backend's failure, with advice to check the backend's connection.
 */
import { type Exploration, action, definePlugin, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { explore } from '../src'

const hangs = definePlugin({ name: 'hangs', version: '1.0.0', apiVersion: 1, setup: () => new Promise<void>(() => {}) })

describe('a plugin whose setup hangs', () => {
  it('leaves the exploration not run, told as a stall with the advice of a setup that hung', async () => {
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', plugins: [hangs], pluginTimeout: 200 })
    try {
      const e = exploration('hung', { actions: [action('x', () => undefined)], depth: 1 })
      const result = await explore(e as Exploration, { runner, root: process.cwd(), emitDir: false, prefixReplay: true })
      const notRun = result.issues.find((i) => i.severity === 'critical')!
      expect(notRun.error).toMatch(/^nothing was explored: plugin "hangs" setup timed out after 200 ms/)
      expect(notRun.kind).toBe('stall')
      expect(notRun.suggestion).toBe(runner.runIssues.find((i) => i.step === 'setup hangs')!.suggestion)
    } finally {
      await runner.close()
    }
  })
})
