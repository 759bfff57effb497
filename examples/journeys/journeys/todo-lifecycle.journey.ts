import { assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'

// A new user each run: what the main line writes stays in the app's data (only branches are rolled back),
// so a second run against the same database would find Ada signed up already.
const email = `ada-${Date.now().toString(36)}@example.test`

/**
 * A user's todos: one checkpoint, a branch of three paths that each start from it (one of them an
 * expected failure), and a nested branch on the quota rule.
 */
export default journey('todo_lifecycle', {
  description: 'Sign up, create todos, then try alternative futures from one saved state',
  tags: ['smoke', 'todos'],
  timeout: 30_000,
  steps: [
    step('sign_up', ({ http }) =>
      http.post('/api/users', { json: { email, password: 'correct horse', name: 'Ada' } }),
    ),
    step('log_in', async ({ http, ctx }) => {
      const res = await http.post('/api/auth/login', { json: { email, password: 'correct horse' } })
      assertStatus(res, 200)
      ctx.set('token', res.json().token)
      http.setAuthToken(res.json().token)
      return res
    }),
    step('create_todo', async ({ http, ctx }) => {
      const res = await http.post('/api/todos', { json: { title: 'Write the report' } })
      assertStatus(res, 201)
      ctx.set('todoId', res.json().id)
      return res
    }),
    checkpoint('one_todo'),
    branch('one_todo', [
      path('complete_it', [
        step('mark_done', ({ http, ctx }) => http.patch(`/api/todos/${ctx.require('todoId')}`, { json: { done: true } })),
        step('is_done', async ({ http, ctx }) => {
          const res = await http.get(`/api/todos/${ctx.require('todoId')}`)
          assertEqual(res.json().done, true, 'done')
          return res
        }),
      ]),
      path('delete_it', [
        step('delete', ({ http, ctx }) => http.delete(`/api/todos/${ctx.require('todoId')}`)),
        step('is_gone', ({ http, ctx }) => http.get(`/api/todos/${ctx.require('todoId')}`), { expectFailure: true }),
      ]),
      path('empty_title_is_refused', [
        step('post_without_title', ({ http }) => http.post('/api/todos', { json: { title: '' } }), { expectFailure: true }),
      ]),
    ]),
    // Every path above was rolled back: the todo is there and not done.
    step('todo_untouched', async ({ http, ctx }) => {
      const res = await http.get(`/api/todos/${ctx.require('todoId')}`)
      assertEqual(res.json().done, false, 'done after the branch')
      return res
    }),
    step('fill_to_quota_minus_one', async ({ http }) => {
      for (const title of ['two', 'three', 'four']) assertStatus(await http.post('/api/todos', { json: { title } }), 201)
    }),
    checkpoint('four_todos'),
    branch('four_todos', [
      path('fifth_fits', [step('create_fifth', ({ http }) => http.post('/api/todos', { json: { title: 'five' } }))]),
      path('sixth_is_over_quota', [
        step('create_fifth', ({ http }) => http.post('/api/todos', { json: { title: 'five' } })),
        checkpoint('at_quota'),
        branch('at_quota', [
          path('over_quota', [step('create_sixth', ({ http }) => http.post('/api/todos', { json: { title: 'six' } }), { expectFailure: true })]),
          path('finish_one_then_add', [
            step('finish_first', ({ http, ctx }) => http.patch(`/api/todos/${ctx.require('todoId')}`, { json: { done: true } })),
            step('create_sixth', ({ http }) => http.post('/api/todos', { json: { title: 'six' } })),
          ]),
        ]),
      ]),
    ]),
    step('back_at_four', async ({ http }) => {
      const res = await http.get('/api/todos')
      assertEqual(res.json().length, 4, 'todos after the quota branch')
      return res
    }),
  ],
})
