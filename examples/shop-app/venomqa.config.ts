// `venomqa explore` and `venomqa run` (for the regression journeys exploration writes) against the shop app
// started as README.md says. The snapshot mechanism rolls the app's tables back while the app keeps its own
// connection pool: exploration branches by rolling back, and every journey leaves the database as it was.
export default {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
  baseUrl: '${APP_URL:-http://127.0.0.1:3100}',
  explore: ['explore/**/*.explore.ts'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
  plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shop}', mechanism: 'snapshot' }]],
  timeout: 10_000,
}
