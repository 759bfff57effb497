import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { startTodoApp } from '@venomqa/test-utils'
import { it } from 'vitest'
import mysqlState from '../src'
import { freshDatabase, dropDatabase } from './helpers'
it('readme', async () => {
  await freshDatabase('venomqa_my_readme', [])
  const app = await startTodoApp({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/venomqa_my_readme' })
  for (let i = 0; i < 2; i++) {
const todos = journey('todo_paths', {
  steps: [
    step('signup', ({ http }) => http.post('/api/users', { json: { email: 'ann@example.test', password: 'pw-123456', name: 'Ann' } })),
    step('login', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: { email: 'ann@example.test', password: 'pw-123456' } })
      http.setAuthToken(res.json().token)
      return res
    }),
    checkpoint('logged_in'),
    branch('logged_in', [
      path('add_todo', [step('add', ({ http }) => http.post('/api/todos', { json: { title: 'milk' } }))]),
      path('list_is_empty', [
        step('list', async ({ http }) => {
          const res = await http.get('/api/todos')
          if (res.json().length !== 0) throw new Error('the todo of the first path leaked into this one')
          return res
        }),
      ]),
    ]),
  ],
})
const runner = createRunner({
  baseUrl: app.url,
  plugins: [[mysqlState, { url: 'mysql://root@127.0.0.1:3306/venomqa_my_readme' }]],
})
const result = await runner.run(todos)
await runner.close()
console.log(result.status, result.backends, JSON.stringify(result.journeys[0].issues))
  }
  await app.stop()
  await dropDatabase('venomqa_my_readme')
})
