import { step } from '@venomqa/core'

/**
 * A new todo-app user signs up and logs in; the client carries their token from then on. How every
 * parallel-paths journey here starts, each with an email of its own (a run's journey must not meet the
 * user of another run, which its rollback does not undo).
 */
export function signUpAndLogIn(email: string, name: string) {
  const password = 'a long password'
  return [
    step('sign_up', ({ http }) => http.post('/api/users', { json: { email, password, name } })),
    step('log_in', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: { email, password } })
      http.setAuthToken(res.json().token)
      return res
    }),
  ]
}
