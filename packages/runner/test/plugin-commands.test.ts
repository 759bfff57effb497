import { PluginError, type PluginCommand, definePlugin } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

/** The commands a plugin whose `commands` hook calls addCommand(name, definition), or the error it meets. */
async function commandsOf(name: unknown, definition: unknown, reserved: string[] = ['run', 'list', 'help']) {
  const plugin = definePlugin({
    name: 'venomqa-plugin-tools',
    version: '1.0.0',
    apiVersion: 1,
    commands: (api) => api.addCommand(name as string, definition as PluginCommand),
  })
  return createRunner({ plugins: [plugin] }).commands({ reserved })
}

const run = () => 0

describe("a plugin's addCommand", () => {
  it('takes a command with a name that can be typed, a description and a run function', async () => {
    for (const name of ['mail-catcher', 'db:reset', 'seed_data', 'x2'])
      expect([...(await commandsOf(name, { description: 'd', run, options: [{ flags: '--port <n>', description: 'p' }] })).keys()]).toEqual([name])
  })

  it('refuses a name that cannot be typed, or none, naming the plugin and the argument', async () => {
    const cases: [unknown, string][] = [
      ['', 'got an empty name'],
      ['mail catcher', 'got "mail catcher"'],
      ['--serve', 'got "--serve"'],
      ['-x', 'got "-x"'],
      ['a/b', 'got "a/b"'],
      [undefined, 'got undefined'],
      [42, 'got number'],
    ]
    for (const [name, got] of cases) {
      const err = await commandsOf(name, { description: 'd', run }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(PluginError)
      expect((err as PluginError).where).toBe('venomqa-plugin-tools')
      expect((err as Error).message).toMatch(/^plugin "venomqa-plugin-tools": addCommand\(.*\): the command name must be a word of letters and digits, with - _ or : inside \(such as "mail-catcher"\), /)
      expect((err as Error).message).toMatch(new RegExp(`${got.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
    }
  })

  it('refuses a run that is no function, a description that is no string, options that are no list of flags', async () => {
    const refused = async (definition: unknown) => ((await commandsOf('serve', definition).catch((e: unknown) => e)) as Error).message
    expect(await refused({ description: 'd', run: 'serve.js' })).toBe('plugin "venomqa-plugin-tools": addCommand("serve"): run must be a function that does the command\'s work, got string')
    expect(await refused({ description: 'd' })).toBe('plugin "venomqa-plugin-tools": addCommand("serve"): run must be a function that does the command\'s work, got undefined')
    expect(await refused(run)).toBe('plugin "venomqa-plugin-tools": addCommand("serve"): the command must be an object with a description and a run function, got function')
    expect(await refused(null)).toBe('plugin "venomqa-plugin-tools": addCommand("serve"): the command must be an object with a description and a run function, got null')
    expect(await refused({ run })).toBe('plugin "venomqa-plugin-tools": addCommand("serve"): description must be a string (shown in venomqa --help), got undefined')
    expect(await refused({ description: 'd', run, options: ['--port'] })).toMatch(/addCommand\("serve"\): options must be a list of \{ flags, description \}/)
    expect(await refused({ description: 'd', run, options: { flags: '--port' } })).toMatch(/options must be a list/)
  })

  it("refuses a name of the host's own commands", async () => {
    const err = (await commandsOf('list', { description: 'd', run }).catch((e: unknown) => e)) as Error
    expect(err.message).toBe(
      'plugin "venomqa-plugin-tools" adds a command named "list", which venomqa has built in: `venomqa list` never reaches the plugin\'s; the plugin must give its command another name',
    )
  })
})
