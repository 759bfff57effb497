/**
 * `http.useAuth` keeps a token for the run, and a rollback puts the kept tokens back as they were at its
 * checkpoint: a token obtained since came from a state the API no longer has (its user, its session). The
 * todo app in its own process, rolled back through its http-control endpoints.
 */
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunner, httpControlState } from '../src/index'

let app: RunningProcess
beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
})

/** Logs in once per run through useAuth, signing the user up first; counts the logins it made. */
function logIn(logins: string[], user: string, name = 'log_in') {
  const credentials = { email: `${user}@example.test`, password: 'a long password', name: user }
  return step(name, async ({ http }) => {
    await http.useAuth(user, async () => {
      logins.push(user)
      await http.post('/api/users', { json: credentials })
      return (await http.post('/api/auth/login', { json: { email: credentials.email, password: credentials.password } })).json().token
    })
  })
}
const me = step('me', ({ http }) => http.get('/api/me'))

describe('useAuth and rollbacks', () => {
  it('a journey put back after it ran (restore) takes its token with it: the next journey logs in again', async () => {
    const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], restoreAfterJourney: true })
    const logins: string[] = []
    const result = await runner.run([journey('first', { steps: [logIn(logins, 'ada'), me] }), journey('second', { steps: [logIn(logins, 'ada'), me] })])
    await runner.close()
    // Kept, the first journey's token was of a user the restore removed: the second's /api/me answered 401.
    expect(result.journeys.map((j) => [j.name, j.status])).toEqual([
      ['first', 'passed'],
      ['second', 'passed'],
    ])
    expect(logins).toEqual(['ada', 'ada'])
  })

  it('without a rollback the token is kept for the run: one login', async () => {
    const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
    const logins: string[] = []
    const result = await runner.run([journey('first', { steps: [logIn(logins, 'bob'), me] }), journey('second', { steps: [logIn(logins, 'bob'), me] })])
    await runner.close()
    expect(result.journeys.map((j) => j.status)).toEqual(['passed', 'passed'])
    expect(logins).toEqual(['bob'])
  })

  it("a token obtained in a path is gone for the next path, whose state never had that login; one from before the checkpoint stays", async () => {
    const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
    const logins: string[] = []
    const inPath = (name: string) => path(name, [logIn(logins, 'cy'), me])
    const result = await runner.run(
      journey('paths', {
        steps: [logIn(logins, 'dee'), checkpoint('start'), branch('start', [inPath('one'), inPath('two')]), logIn(logins, 'dee', 'log_in_again'), me],
      }),
    )
    await runner.close()
    expect(result.journeys[0]!.status).toBe('passed')
    expect(logins).toEqual(['dee', 'cy', 'cy'])
  })
})
