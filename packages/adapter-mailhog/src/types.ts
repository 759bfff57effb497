/** TLS settings for a remote MailHog or Mailpit reached over https (and for SMTP with STARTTLS). */
export interface TlsOptions {
  /** PEM certificate(s) of the CA that signed the server's certificate (e.g. a self-signed one). */
  ca?: string | Buffer | (string | Buffer)[]
  /** false accepts any certificate. Only for test instances you trust. */
  rejectUnauthorized?: boolean
}

export interface BasicAuth {
  username: string
  password: string
}

/** Options shared by the MailHog and Mailpit clients. */
export interface MailClientOptions {
  /** The HTTP API, e.g. `http://127.0.0.1:8025` or `https://user:pass@mail.test.internal`. */
  url: string
  /** Where `send` delivers, e.g. `smtp://127.0.0.1:1025`. Default: the API host, port 1025. */
  smtp?: string
  tls?: TlsOptions
  /** Basic auth for the API; credentials in `url` work too. */
  auth?: BasicAuth
  /** Per request to the API, and per stage of an SMTP send (connect, greeting, silence), ms. Default 10 000. */
  requestTimeoutMs?: number
  /** How often `waitForEmail` looks, ms. Default 100. */
  pollIntervalMs?: number
  /** `waitForEmail` timeout when the call gives none, ms. Default 10 000. */
  defaultTimeoutMs?: number
  /** At most this many mails are read by one `list`. Default 1000. */
  maxMessages?: number
  /**
   * Where the user wrote `url` (`plugins[2].url`), named in errors that the URL explains: nothing listens
   * there, no such host, no mail API at that path. The plugin gives it; code that builds a client may too.
   */
  urlWhere?: string
  /** The same for `smtp` (`plugins[2].smtp`), named when a send finds nothing at that address. */
  smtpWhere?: string
}
