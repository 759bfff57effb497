/**
 * The environment variable a file VenomQA writes (a regression journey, an imported journey) reads a
 * secret from, named after the place the value sat: `refresh_token` -> `VENOMQA_SECRET_REFRESH_TOKEN`,
 * `apiKey` -> `VENOMQA_SECRET_API_KEY`, `X-Secret-Token` -> `VENOMQA_SECRET_X_SECRET_TOKEN`. One rule for
 * every writer, so that a user sets one name for one secret.
 */
export function secretEnvName(key: string | undefined): string {
  const words = (key ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return `VENOMQA_SECRET_${words || 'VALUE'}`
}
