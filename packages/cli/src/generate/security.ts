import { type OpenApiDocument, type Operation, describeOperation } from '@venomqa/openapi'
import { snakeCase, uniqueNamer } from '../codegen'
import type { SecretEnv } from '../env-secrets'

/**
 * How the journeys `venomqa generate` writes send an operation's credentials: the way its security
 * scheme says (OpenAPI `components.securitySchemes`), each secret read from an environment variable. A
 * scheme that cannot be sent this way is said, never replaced by a bearer token the API would refuse.
 */

/**
 * Where the bearer token (HTTP bearer, OAuth 2, OpenID Connect) is read from when the document declares
 * one such scheme. A document that declares several (a user's token and an admin's) gets a variable per
 * scheme: one variable for both would send the same token where the API wants two.
 */
export const TOKEN_VARIABLE = 'API_TOKEN'

/** One security scheme, as a journey sends it. */
export type Credential =
  | { kind: 'bearer'; scheme: string; secret: SecretEnv }
  | { kind: 'basic'; scheme: string; user: SecretEnv; password: SecretEnv }
  | { kind: 'header' | 'query' | 'cookie'; scheme: string; name: string; secret: SecretEnv }

/** What an operation needs: the credentials to send, or why they cannot be (`unsendable`, a sentence). */
export type Requirement = { credentials: Credential[] } | { unsendable: string }

/** The environment variables a credential is read from. */
export function secretsOf(c: Credential): SecretEnv[] {
  return c.kind === 'basic' ? [c.user, c.password] : [c.secret]
}

export class SecuritySchemes {
  private readonly schemes: Record<string, Record<string, unknown> | undefined>
  private readonly byScheme = new Map<string, Credential | string>()
  private readonly secrets = new Map<string, SecretEnv>()
  private readonly variableName = uniqueNamer()
  /** Whether more than one declared scheme sends a bearer token: then each reads its own variable. */
  private readonly severalBearers: boolean

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly source: string,
  ) {
    this.schemes = (doc.components?.securitySchemes ?? {}) as Record<string, Record<string, unknown> | undefined>
    // Taken first: an API key scheme named "token" must not read the bearer token's variable.
    this.variableName(TOKEN_VARIABLE)
    this.severalBearers = Object.values(this.schemes).filter((s) => !!s && sendsBearer(s)).length > 1
  }

  /**
   * The environment variable a secret of the document's operations is read from, other than a security
   * scheme's (a secret-named query parameter, a login's password): one per `key`, so that the same
   * parameter of several operations is one variable, named `base` (`API_ACCESS_TOKEN`) unless a scheme's
   * variable or another secret's has that name already.
   */
  secretVariable(key: string, base: string, standsFor: string): SecretEnv {
    let made = this.secrets.get(key)
    if (!made) {
      made = { name: this.variableName(base), standsFor }
      this.secrets.set(key, made)
    }
    return made
  }

  /**
   * The operation's effective requirement (its own `security`, else the document's): the first of its
   * alternatives whose every scheme can be sent. An empty alternative (`{}`) makes credentials optional.
   */
  forOperation(op: Operation): Requirement {
    const alternatives = this.requirementOf(op)
    const named = alternatives.filter((a) => Object.keys(a).length > 0)
    if (named.length < alternatives.length || !named.length) return { credentials: [] }
    for (const alternative of named) {
      const sent = Object.keys(alternative).map((scheme) => this.credential(scheme))
      if (sent.every((c): c is Credential => typeof c !== 'string')) return { credentials: sent }
    }
    const why = Object.keys(named[0]!)
      .map((scheme) => this.credential(scheme))
      .find((c): c is string => typeof c === 'string')!
    return { unsendable: `${describeOperation(op)} needs ${why}, which venomqa generate cannot send: its journey sends no credential; add it by hand` }
  }

  private requirementOf(op: Operation): Record<string, unknown>[] {
    const raw = this.doc.paths?.[op.path]?.[op.method.toLowerCase()] as { security?: unknown } | undefined
    const security = raw?.security ?? this.doc.security ?? []
    return Array.isArray(security) ? security.filter((s): s is Record<string, unknown> => !!s && typeof s === 'object') : []
  }

  /** The scheme as a journey sends it, or what it is when a journey cannot send it. Made once per scheme: its variables keep their names. */
  private credential(scheme: string): Credential | string {
    let made = this.byScheme.get(scheme)
    if (made === undefined) {
      made = this.make(scheme)
      this.byScheme.set(scheme, made)
    }
    return made
  }

  private make(scheme: string): Credential | string {
    const declared = this.schemes[scheme]
    if (!declared) return `the security scheme "${scheme}", which components.securitySchemes does not declare`
    const type = String(declared.type)
    const httpScheme = String(declared.scheme ?? '').toLowerCase()
    if (sendsBearer(declared)) {
      if (!this.severalBearers)
        return { kind: 'bearer', scheme, secret: { name: TOKEN_VARIABLE, standsFor: `the bearer token the secured operations of ${this.source} need` } }
      const base = variableFor(scheme)
      const name = this.variableName(base.endsWith('TOKEN') ? base : `${base}_TOKEN`)
      return { kind: 'bearer', scheme, secret: { name, standsFor: `the bearer token of the security scheme ${scheme} of ${this.source}` } }
    }
    if (type === 'http' && httpScheme === 'basic') {
      const base = this.variableName(variableFor(scheme))
      // Not "Basic credentials": a run masks any word after "Basic" as the value of an Authorization header.
      const of = `of the security scheme ${scheme} (HTTP Basic) of ${this.source}`
      return { kind: 'basic', scheme, user: { name: `${base}_USERNAME`, standsFor: `the user name ${of}` }, password: { name: `${base}_PASSWORD`, standsFor: `the password ${of}` } }
    }
    const where = { header: 'header', query: 'query parameter', cookie: 'cookie' } as const
    const place = declared.in as keyof typeof where
    if (type === 'apiKey' && Object.hasOwn(where, place) && typeof declared.name === 'string' && declared.name) {
      const standsFor = `the API key ${scheme} of ${this.source}, sent in the ${declared.name} ${where[place]}`
      return { kind: place, scheme, name: declared.name, secret: { name: this.variableName(variableFor(scheme)), standsFor } }
    }
    const what = type === 'http' ? `http ${httpScheme || 'without a scheme'}` : type === 'apiKey' ? `apiKey in ${String(declared.in)}` : type
    return `the security scheme "${scheme}" (${what})`
  }
}

/** HTTP bearer, OAuth 2 and OpenID Connect all send `Authorization: Bearer <token>`. */
function sendsBearer(declared: Record<string, unknown>): boolean {
  const type = String(declared.type)
  return (type === 'http' && String(declared.scheme ?? '').toLowerCase() === 'bearer') || type === 'oauth2' || type === 'openIdConnect'
}

/**
 * `WidgetKey` -> `API_WIDGET_KEY`, `access_token` -> `API_ACCESS_TOKEN`. The prefix keeps a scheme or a
 * parameter named `user` or `path` from reading USER or PATH, which every shell sets.
 */
export function variableFor(scheme: string): string {
  const name = snakeCase(scheme, 'key').replace(/^_/, '').toUpperCase()
  return name.startsWith('API_') ? name : `API_${name}`
}
