import { journey, journeysFor, step } from '@venomqa/core'

/** Data-driven: one journey per case. */
const cases = [
  // A new address each run: the user it registers stays in the app's data.
  { name: 'valid_user', email: `grace-${Date.now().toString(36)}@example.test`, ok: true },
  { name: 'invalid_email', email: 'not-an-email', ok: false },
  { name: 'missing_email', email: undefined, ok: false },
]

export default journeysFor(cases, (c) =>
  journey(`register_${c.name}`, {
    tags: ['registration'],
    steps: [
      step('register', ({ http }) => http.post('/api/users', { json: { email: c.email, password: 'long enough pw', name: 'G' } }), {
        expectFailure: !c.ok,
      }),
    ],
  }),
)
