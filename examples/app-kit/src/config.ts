/** A mistake in an app's environment or options: `dist/server.js` prints it as one line and exits 2. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigurationError'
  }
}

/** A URL without the password in it, for messages. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
