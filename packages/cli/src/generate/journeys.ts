import { type JsonSchema, type OpenApiDocument, type Operation, type Parameter, allOfParts, describeOperation, linkPointerNames, parameterPairs, resolveSchema } from '@venomqa/openapi'
import { ConfigError, isSecretCookieName, isSecretHeader, isSecretKey, isSecretQueryName, looksLikeSecret, redactText } from '@venomqa/core'
import { commentText, kebabCase, literal, quote, snakeCase, templateText, uniqueNamer } from '../codegen'
import { type SecretEnv, secretRead, secretsHeader, secretsReader } from '../env-secrets'
import type { JourneyFile } from '../journey-files'
import { namedWithNear } from '../named-near'
import { type Sample, UNIQUE_EMAIL, sample, sampleParameter, withinBounds } from './sample'
import { type Credential, SecuritySchemes, secretsOf, variableFor } from './security'

/**
 * OpenAPI operations -> one journey file per tag. For each resource a tag creates (a POST on a collection
 * whose 2xx answer is an object with an id), a journey creates it (after the resources whose ids its path
 * or a body names, whichever tag creates them: see prerequisites), reads it back, saves a checkpoint, and
 * branches: one path per operation on the resource (update and read back, actions the document links to,
 * delete and read again expecting 404). Ids go through ctx. Operations of the tag that are in no such flow and need no id get a smoke journey; the
 * rest are listed at the end of the file. Everything sampled is marked for a person to look at.
 */

const NO_TAG = 'default'
/** A value made new each run (see uniqueIdentity): the text after the marker, then the time and a random part. */
const UNIQUE_TEXT = '\u0000unique:'
const FILL_IN = '// venomqa generate:'
/** Path parameters that name no kind of resource by themselves (`/products/{id}`): see ctxKeys. */
const GENERIC_ID = /^(id|uuid|key|name)$/i

export interface Generated {
  files: JourneyFile[]
  /** Per file: the journeys in it. */
  journeys: Record<string, string[]>
  /** Tags whose operations make no journey (each needs an id nothing creates, or a body to write): no file for them. */
  unwritten: { tag: string; operations: string[] }[]
  /** The environment variables the files read their secrets from (each credential a journey sends). */
  secrets: SecretEnv[]
  /** Operations in a journey whose credentials a journey cannot send (a digest scheme, say), each a sentence that says so. */
  unsendable: string[]
  /** Whether a journey branches from a checkpoint (see TagWriter.branches). */
  branches: boolean
}

export function generateJourneys(doc: OpenApiDocument, ops: Operation[], options: { tags?: string[]; source: string }): Generated {
  const byTag = new Map<string, Operation[]>()
  for (const op of ops) {
    const tag = op.tags[0] ?? NO_TAG
    byTag.set(tag, [...(byTag.get(tag) ?? []), op])
  }
  // One rule with `run --tag`: a tag given matches the document's whatever their case (`Pets` is `pets`).
  const sameTag = (given: string) => [...byTag.keys()].filter((t) => t.toLowerCase() === given.trim().toLowerCase())
  const wanted = options.tags?.length ? [...new Set(options.tags.flatMap(sameTag))] : [...byTag.keys()]
  const unknown = (options.tags ?? []).filter((t) => !sameTag(t).length)
  // As run's --tag says it: `"book" (did you mean "books"?)`.
  if (unknown.length)
    throw new ConfigError(`${options.source} has no operation tagged ${unknown.map((t) => namedWithNear(t, [...byTag.keys()])).join(', ')}; its tags: ${[...byTag.keys()].join(', ') || 'none'}`, {
      where: `--tag ${unknown[0]}`,
    })
  const model = new Model(doc, ops)
  const fileName = uniqueNamer('-')
  // One namer for every file: `venomqa run` refuses two journeys of one name, whichever files they are in.
  const journeyName = uniqueNamer()
  const files: JourneyFile[] = []
  const journeys: Record<string, string[]> = {}
  const unwritten: Generated['unwritten'] = []
  const security = new SecuritySchemes(doc, options.source)
  const secrets = new Map<string, SecretEnv>()
  const unsendable = new Set<string>()
  let branches = false
  for (const tag of wanted) {
    const writer = new TagWriter(model, tag, byTag.get(tag)!, options.source, security, journeyName)
    const content = writer.write()
    // A file with no journey would only be a list of operations, and `venomqa run` would warn about it.
    if (!writer.journeyNames.length) {
      unwritten.push({ tag, operations: byTag.get(tag)!.map((o) => `${o.method} ${o.path}`) })
      continue
    }
    const name = `${fileName(kebabCase(tag, NO_TAG))}.journey.ts`
    files.push({ name, content })
    for (const s of writer.secrets.values()) secrets.set(s.name, s)
    for (const u of writer.unsendable) unsendable.add(u)
    journeys[name] = writer.journeyNames
    branches ||= writer.branches
  }
  if (!files.length)
    throw new ConfigError(
      ops.length
        ? `${options.source} gives no journey to write: each of its operations needs an id no operation creates, or a body to write by hand (${unwritten.flatMap((u) => u.operations).join(', ')})`
        : `${options.source} has no operation to write a journey for`,
      { where: '--openapi' },
    )
  return { files, journeys, unwritten, secrets: [...secrets.values()], unsendable: [...unsendable], branches }
}

/** A resource a create operation makes, with what the document lets a journey do to it. */
interface Resource {
  noun: string
  create: Operation
  /** The path parameter other operations name it by, and where its value is in the create's answer. */
  param: string
  idPath: string[]
  read?: Operation
  update?: Operation
  remove?: Operation
  /** Other operations that take its id (links, or paths below the item), such as `POST /orders/{id}/ship`. */
  actions: Operation[]
}

class Model {
  readonly resources: Resource[]
  readonly login?: { op: Operation; tokenProperty: string }
  readonly signUp?: Operation

  constructor(
    readonly doc: OpenApiDocument,
    readonly ops: Operation[],
  ) {
    this.resources = ops.flatMap((op) => this.resource(op) ?? [])
    this.login = this.findLogin()
    this.signUp = this.login && ops.find((op) => op !== this.login!.op && !op.secured && op.method === 'POST' && op.requestBody && this.coversLogin(op))
  }

  /**
   * The resource that gives path parameter `param` of `path` its value: one named by that parameter whose
   * collection is the part of `path` before it (`/users` for `{id}` in `/users/{id}/posts`), or whose own
   * operations are under that part. By the name alone, `/products/{id}` and `/users/{id}` would both give
   * the `{id}` of `/users/{id}/posts`, and a post would be made under a product.
   */
  creatorOf(path: string, param: string): Resource | undefined {
    const at = path.indexOf(`/{${param}}`)
    if (at < 0) return undefined
    const collection = samePlaces(path.slice(0, at))
    const item = `${collection}/{}`
    const under = (o: Operation | undefined) => !!o && (samePlaces(o.path) === item || samePlaces(o.path).startsWith(`${item}/`))
    return this.resources.find(
      (r) => r.param === param && (samePlaces(r.create.path) === collection || [r.read, r.update, r.remove, ...r.actions].some(under)),
    )
  }

  /**
   * The resources whose ids the body the operation sends names, each with its property: `productId` (or
   * `product_id`) of an order is a product's, made by the create of whichever tag has it. Only what is
   * sent (see sample) and only a property that holds one id (a number or a string).
   */
  bodyIds(op: Operation): [string, Resource][] {
    const { value } = this.sampleBody(op)
    if (!isRecord(value)) return []
    const properties = propertiesOf(op.requestBody?.schema, this.doc) ?? {}
    return Object.keys(value).flatMap((name): [string, Resource][] => {
      const type = properties[name]?.type
      const types: unknown[] = Array.isArray(type) ? type.filter((t) => t !== 'null') : type === undefined ? [] : [type]
      if (types.some((t) => t !== 'integer' && t !== 'number' && t !== 'string')) return []
      const creator = this.creatorOfProperty(name)
      return creator ? [[name, creator]] : []
    })
  }

  /** The operation's body as sampled, an id-like property nothing requires sent where it names a resource made here (see sample). */
  sampleBody(op: Operation): Sample {
    return sample(op.requestBody?.schema, 'body', '', this.doc, { references: (property) => !!this.creatorOfProperty(property) })
  }

  /** The resource a property names the id of: its path parameter's name (`productId`), or its noun and `Id` / `_id`. */
  private creatorOfProperty(name: string): Resource | undefined {
    const noun = /^(.+?)(?:Id|ID|_id)$/.exec(name)?.[1]
    return this.resources.find((r) => (r.param === name && !GENERIC_ID.test(name)) || (noun !== undefined && snakeCase(noun) === r.noun))
  }

  private resource(create: Operation): Resource | undefined {
    if (create.method !== 'POST' || /\}$/.test(create.path)) return undefined
    const success = successResponses(create)
    const schema = success.map(([, r]) => jsonSchema(r.content)).find((s) => s && propertiesOf(s, this.doc))
    if (!schema) return undefined
    const props = propertiesOf(schema, this.doc)!
    const links = success.flatMap(([, r]) => r.links)
    const linked = links.flatMap((l) => {
      const target = this.ops.find((o) => o.operationId === l.operationId)
      // The pointer as RFC 6901 writes it in a runtime expression: `~1` a `/` of a name, `%` only a character.
      const entry = Object.entries(l.parameters)
        .map(([name, expr]) => [name, linkPointerNames(expr)] as const)
        .find(([, names]) => names?.length)
      return target && entry ? [{ target, param: entry[0], idPath: entry[1]! }] : []
    })
    let param: string | undefined
    let idPath: string[] = []
    let targets: Operation[]
    if (linked.length) {
      ;({ param, idPath } = linked[0]!)
      targets = withItemOperations(
        linked.filter((l) => l.param === param).map((l) => l.target),
        create,
        param,
        this.ops,
      )
    } else {
      // No links: the item is the collection path plus one parameter, and the id a property of that name or `id`.
      const item = this.ops.find((o) => new RegExp(`^${escapeRegExp(create.path)}/\\{([^}]+)\\}$`).test(o.path))
      if (!item) return undefined
      param = /\{([^}]+)\}$/.exec(item.path)![1]!
      const idProp = [param, 'id', `${param}`.replace(/Id$/, '_id')].find((p) => p in props)
      if (!idProp) return undefined
      idPath = [idProp]
      targets = this.ops.filter((o) => o !== create && o.path.startsWith(item.path) && o.path.split('{').length >= 2)
    }
    const endsWithParam = (o: Operation) => o.path.endsWith(`{${param}}`)
    const read = targets.find((o) => o.method === 'GET' && endsWithParam(o))
    const update = targets.find((o) => (o.method === 'PATCH' || o.method === 'PUT') && endsWithParam(o))
    const remove = targets.find((o) => o.method === 'DELETE' && endsWithParam(o))
    return {
      noun: nounOf(param, create.path),
      create,
      param,
      idPath,
      read,
      update,
      remove,
      actions: targets.filter((o) => o !== read && o !== update && o !== remove && o.path.includes(`{${param}}`)),
    }
  }

  /** An open POST whose answer holds a token: the way in. */
  private findLogin(): { op: Operation; tokenProperty: string } | undefined {
    for (const op of this.ops) {
      if (op.secured || op.method !== 'POST' || !op.requestBody) continue
      for (const [status, r] of Object.entries(op.responses)) {
        const props = /^2/.test(status) ? propertiesOf(jsonSchema(r.content), this.doc) : undefined
        const token = props && Object.keys(props).find((p) => /^(access_?)?token$/i.test(p))
        if (token) return { op, tokenProperty: token }
      }
    }
    return undefined
  }

  private coversLogin(op: Operation): boolean {
    const need = requiredOf(this.login!.op.requestBody?.schema, this.doc)
    const has = Object.keys(propertiesOf(op.requestBody?.schema, this.doc) ?? {})
    return need.length > 0 && need.every((k) => has.includes(k))
  }
}

/** Writes the file of one tag. */
class TagWriter {
  readonly journeyNames: string[] = []
  /** The environment variables the file's journeys read credentials from, by name. */
  readonly secrets = new Map<string, SecretEnv>()
  /** What the file's journeys cannot send (see SecuritySchemes.forOperation). */
  readonly unsendable = new Set<string>()
  private readonly core = new Set(['journey', 'step'])

  /** Whether a journey of the file branches from a checkpoint: its paths then need a state backend to start alike. */
  get branches(): boolean {
    return this.core.has('branch')
  }
  private readonly covered = new Set<Operation>()
  private credentials = false
  /** The operations the journey being written sends so far: what its credentials are for. */
  private readonly journeyOps = new Set<Operation>()
  /** The environment variables the journey being written reads so far. */
  private readonly journeyReads = new Set<string>()
  /**
   * The names of the steps of the journey being written (see stepText): two operations can give one name
   * (`GET /user-stats` and `GET /user_stats`, operationIds `listItems` and `list_items`), and `venomqa run`
   * refuses a journey with two steps of one name.
   */
  private stepName = uniqueNamer()
  /** The options of the requests of the journey being written, by the marker that stands for them (see deferOptions). */
  private readonly pendingOptions = new Map<string, { op: Operation; options: string[]; headers: Record<string, string | number | boolean> }>()
  /** The resources the journey being written has created so far, each with the ctx key of its id. */
  private readonly made = new Map<Resource, string>()

  constructor(
    private readonly model: Model,
    private readonly tag: string,
    private readonly ops: Operation[],
    private readonly source: string,
    /** How each operation's credentials are sent, when no open login gives a token. */
    private readonly security: SecuritySchemes,
    private readonly journeyName: (name: string) => string,
  ) {}

  write(): string {
    const resources = this.model.resources.filter((r) => this.ops.includes(r.create))
    const blocks = resources.map((r) => this.crudJourney(r))
    const smoke = this.smokeJourney()
    if (smoke) blocks.push(smoke)
    const reads = this.readsOfOthersJourney()
    if (reads) blocks.push(reads)
    const left = this.ops.filter((o) => !this.covered.has(o))
    const head = [
      `// Generated from ${commentText(this.source)} (tag "${commentText(this.tag)}") by venomqa generate: a starting point to edit.`,
      `// Values marked "${FILL_IN.slice(3)}" were sampled from the schemas: put in ones that mean something for your API.`,
    ]
    const server = this.model.doc.servers?.[0]?.url
    if (server) head.push(`// Paths are relative to the run's base URL; the document's server is ${commentText(redactText(server))}.`)
    head.push(...[...this.unsendable].map((u) => `${FILL_IN} ${commentText(u)}`))
    const secrets = [...this.secrets.values()]
    // The file's secrets are masked in every output once read (see secretsReader).
    if (secrets.length) this.core.add('knownSecrets')
    const imports = `import { ${[...this.core].sort(byImportOrder).join(', ')} } from '@venomqa/core'`
    const lines = [...head, ...secretsHeader(secrets), imports, '', ...secretsReader(secrets)]
    if (this.credentials) lines.push(...this.credentialsBlock())
    lines.push(blocks.join('\n\n'))
    if (left.length)
      lines.push('', '// Not in a journey above (they need an id no operation here creates, or a body to write by hand):', ...left.map((o) => `//   ${commentText(`${o.method} ${o.path}${o.operationId ? ` (${o.operationId})` : ''}`)}`))
    return `${lines.join('\n')}\n`
  }

  private crudJourney(r: Resource): string {
    const steps: string[] = []
    // What it needs first, whichever tag creates it: a product whose id is in an order's path or body.
    const withBodies = [r.update, ...r.actions].filter((o): o is Operation => !!o && /json/i.test(o.requestBody?.contentType ?? ''))
    const needed = prerequisites(this.model, [r.create], withBodies, [r])
    const keys = ctxKeys(r, needed)
    for (const p of needed.order) steps.push(this.createStep(p, keys.get(p)!))
    steps.push(this.createStep(r, keys.get(r)!))
    this.covered.add(r.create)
    if (r.read) {
      steps.push(this.callStep(r.read, snakeCase(r.read.operationId ?? `get_${r.noun}`)))
      this.covered.add(r.read)
    }
    // The tag's reads that need no id (lists) go here too: one sign-up per file, one journey to run.
    for (const o of this.idFreeReads()) steps.push(this.callStep(o, snakeCase(o.operationId ?? `${o.method} ${o.path}`)))
    const paths: string[] = []
    // Path names must differ within a branch too: two actions can give one name, or one be called `delete`.
    const pathName = uniqueNamer()
    pathName('update')
    pathName('delete')
    if (r.update) {
      paths.push(this.updatePath(r, r.update))
      this.covered.add(r.update)
    }
    for (const action of r.actions.filter((a) => a.method !== 'GET' || !a.path.endsWith(`{${r.param}}`))) {
      // An action whose path needs an id this journey does not make, or whose body is not JSON, is left to
      // write by hand (or to the journey that makes it): that another resource makes an id is not enough,
      // since a child's item (`/users/{userId}/posts/{postId}`) would be read here without its postId.
      const unknownIds = [...action.path.matchAll(/\{([^}]+)\}/g)].some((m) => {
        const creator = this.model.creatorOf(action.path, m[1]!)
        // A secret-named parameter nothing creates (`/orders/{id}/confirm/{confirmToken}`) is read from the environment.
        if (!creator) return !isSecretKey(m[1]!)
        return !this.made.has(creator)
      })
      if (unknownIds || (action.requestBody && !/json/i.test(action.requestBody.contentType))) continue
      const name = snakeCase(action.operationId ?? `${action.method} ${action.path}`)
      const call = this.callStep(action, name)
      paths.push(`path(${quote(pathName(name))}, [\n${indent(call, 2)},\n])`)
      this.covered.add(action)
    }
    if (r.remove) {
      paths.push(this.deletePath(r, r.remove))
      this.covered.add(r.remove)
    }
    if (paths.length) {
      this.core.add('checkpoint').add('branch').add('path')
      const cp = `${r.noun}_created`
      steps.push(`checkpoint(${quote(cp)})`, `branch(${quote(cp)}, [\n${paths.map((p) => `${indent(p, 2)},`).join('\n')}\n])`)
    }
    const name = this.ops.filter((o) => this.model.resources.some((x) => x.create === o)).length > 1 ? `${snakeCase(this.tag)}_${r.noun}` : snakeCase(this.tag)
    const noun = r.noun.replace(/_/g, ' ')
    const description = `Create ${article(noun)} ${noun}, read it${r.update ? ', update it' : ''}${r.remove ? ', delete it' : ''}.`
    // Every step after the create reads the id it gave: one that failed would fail each of them too.
    return this.journey(name, steps, description, { dependent: true })
  }

  /**
   * GETs of this tag below what other tags create (`GET /products/{productId}/stats` of a tag "stats" that
   * creates nothing itself): each id made first, by the create of whichever tag makes it, then each read.
   * Without it such a tag got no journey, only the list of its operations.
   */
  private readsOfOthersJourney(): string | undefined {
    const reads = this.ops.filter(
      (o) => !this.covered.has(o) && o.method === 'GET' && !this.needsNoId(o) && pathParams(o.path).every((p) => this.model.creatorOf(o.path, p) || isSecretKey(p)),
    )
    if (!reads.length) return undefined
    const needed = prerequisites(this.model, reads, [])
    const keys = ctxKeys(undefined, needed)
    const steps = needed.order.map((r) => this.createStep(r, keys.get(r)!))
    for (const o of reads) {
      steps.push(this.callStep(o, snakeCase(o.operationId ?? `${o.method} ${o.path}`)))
      this.covered.add(o)
    }
    const made = needed.order.map((r) => r.noun.replace(/_/g, ' '))
    // Every read takes an id a create before it gave: one create that failed would fail each of them too.
    return this.journey(`${snakeCase(this.tag)}_reads_by_id`, steps, `Create ${made.join(', then ')}, and read what this tag reads of ${made.length > 1 ? 'them' : 'it'}.`, {
      dependent: true,
    })
  }

  private smokeJourney(): string | undefined {
    const calls = this.ops.filter((o) => !this.covered.has(o) && this.needsNoId(o) && o.method === 'GET')
    if (!calls.length) return undefined
    const steps = this.idFreeReads().map((o) => this.callStep(o, snakeCase(o.operationId ?? `${o.method} ${o.path}`)))
    return this.journey(`${snakeCase(this.tag)}_reads`, steps, 'Every read of this tag that needs no id.')
  }

  /** GETs of this tag that need no id (see needsNoId) not yet in a journey, now taken. */
  private idFreeReads(): Operation[] {
    const reads = this.ops.filter((o) => !this.covered.has(o) && this.needsNoId(o) && o.method === 'GET')
    for (const o of reads) this.covered.add(o)
    return reads
  }

  /**
   * Whether a journey can send the operation without an id an earlier step made: its path has no
   * parameter, or only secret-named ones no operation creates (`/hooks/{token}`), which are read from the
   * environment like any secret (see pathParameter), never sampled.
   */
  private needsNoId(op: Operation): boolean {
    return [...op.path.matchAll(/\{([^}]+)\}/g)].every(([, name]) => isSecretKey(name!) && !this.model.creatorOf(op.path, name!))
  }

  /**
   * The journey of `steps`, after the steps that give the credentials its operations need. `dependent`:
   * its steps build on the ones before them (ids through the context).
   */
  private journey(name: string, steps: string[], description: string, { dependent = false } = {}): string {
    const auth = this.authSteps([...this.journeyOps])
    this.journeyOps.clear()
    const written = [...auth.steps, ...steps].map((s) => this.resolveOptions(s, auth.perRequest))
    this.pendingOptions.clear()
    this.made.clear()
    this.stepName = uniqueNamer()
    const readsSecrets = auth.variables.length > 0 || this.journeyReads.size > 0
    this.journeyReads.clear()
    const unique = this.journeyName(name)
    this.journeyNames.push(unique)
    const camel = unique.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
    const named = RESERVED.has(camel) ? `${camel}Journey` : camel
    // A tag that starts with a digit (`2FA`) gives `2FaReads`, which no identifier can be: `_2FaReads`.
    const exportName = /^[A-Za-z_$]/.test(named) ? named : `_${named}`
    // Stop a line at its first failed step (a failed step alone does not stop a journey) where the steps
    // after it would fail for the same reason and hide it: steps that read what an earlier one made, and
    // requests after a secret's variable turned out unset, which would go without it and fail as 401s.
    // Independent reads without secrets each report their own failure.
    const failFast = dependent || readsSecrets
    return [
      `export const ${exportName} = journey(${quote(unique)}, {`,
      `  description: ${quote(description)},`,
      `  tags: ['generated', ${quote(this.tag)}],`,
      ...(failFast ? ['  failFast: true,'] : []),
      '  steps: [',
      ...written.map((s) => `${indent(s, 4)},`),
      '  ],',
      '})',
    ].join('\n')
  }

  /**
   * The first steps of a journey whose operations need credentials: sign up and log in when the document
   * has an open login and bearer tokens are all they need; otherwise set what each scheme sends on every
   * request, read from the environment (`variables`, which the journey needs set to run).
   */
  private authSteps(ops: Operation[]): { steps: string[]; variables: string[]; perRequest: Set<string> } {
    const credentials = new Map<string, Credential>()
    for (const op of ops.filter((o) => o.secured)) {
      const need = this.security.forOperation(op)
      if ('unsendable' in need) this.unsendable.add(need.unsendable)
      else for (const c of need.credentials) credentials.set(c.scheme, c)
    }
    const all = [...credentials.values()]
    if (!all.length) return { steps: [], variables: [], perRequest: new Set() }
    if (this.model.login && all.every((c) => c.kind === 'bearer')) return { steps: this.loginSteps(), variables: [], perRequest: new Set() }
    const secrets = all.flatMap(secretsOf)
    for (const s of secrets) this.secrets.set(s.name, s)
    const variables = [...new Set(secrets.map((s) => s.name))]
    const perRequest = sharingAHeader(all)
    // An API key in the query goes with each request (see queryCredentials), and so does a credential whose
    // header another scheme of the journey sends too: nothing to set for them here.
    const lines = sessionCredentials(all.filter((c) => !perRequest.has(c.scheme)))
    if (!lines.length) return { steps: [], variables, perRequest }
    const action = lines.length === 1 ? lines[0] : `{\n${lines.map((l) => `  ${l}`).join('\n')}\n}`
    const comment = `// ${FILL_IN.slice(3)} these operations need credentials, read from the environment variables the header names; or log in here.`
    return { steps: [`${comment}\nstep('authenticate', ({ http }) => ${action})`], variables, perRequest }
  }

  /**
   * The text that stands for a request's options (`, { json: ..., headers: ... }`) until the journey's
   * credentials are known: which of them are sent with each request rather than set on the client for all
   * of them is known only once every operation of the journey is (see sharingAHeader).
   */
  private deferOptions(op: Operation, options: string[], headers: Record<string, string | number | boolean>): string {
    const marker = `\u0002${this.pendingOptions.size}\u0002`
    this.pendingOptions.set(marker, { op, options, headers })
    return marker
  }

  /** `text` with each request's options written, the credentials of the schemes in `perRequest` among its headers. */
  private resolveOptions(text: string, perRequest: ReadonlySet<string>): string {
    return text.replace(/\u0002\d+\u0002/g, (marker, at: number) => {
      const { op, options, headers } = this.pendingOptions.get(marker)!
      const sent = { ...this.requestCredentials(op, perRequest), ...headers }
      const all = Object.keys(sent).length ? [...options, `headers: ${this.literal(sent, '  ')}`] : options
      // Written for a step's own line (two spaces in); a step of a branch's path is further in, and the
      // options' later lines (a body over several lines) go as far.
      const lineIndent = /^ */.exec(text.slice(text.lastIndexOf('\n', at) + 1))![0].length
      const further = ' '.repeat(Math.max(0, lineIndent - 2))
      return all.length ? `, { ${all.join(', ')} }`.replace(/\n/g, `\n${further}`) : ''
    })
  }

  /** The headers that send the operation's credentials of the schemes in `perRequest`, read from the environment on each request. */
  private requestCredentials(op: Operation, perRequest: ReadonlySet<string>): Record<string, string> {
    const need = op.secured && perRequest.size ? this.security.forOperation(op) : undefined
    if (!need || !('credentials' in need)) return {}
    const headers: Record<string, string> = {}
    for (const c of need.credentials.filter((c) => perRequest.has(c.scheme))) {
      if (c.kind === 'bearer') headers.Authorization = `\u0001\`Bearer \${${secretRead(c.secret.name)}}\``
      else if (c.kind === 'basic') headers.Authorization = `\u0001\`Basic \${${basicToken(c)}}\``
      else if (c.kind === 'header') headers[c.name] = `\u0001${secretRead(c.secret.name)}`
    }
    return headers
  }

  /** Sign up (when the document has an open one) and log in, then send the login's token. */
  private loginSteps(): string[] {
    const login = this.model.login!
    this.credentials = true
    this.core.add('assertStatus')
    const steps: string[] = []
    const signUp = this.model.signUp
    if (signUp) {
      this.covered.add(signUp)
      const body = this.body(signUp, 'credentials')
      steps.push(this.stepText(snakeCase(signUp.operationId ?? 'sign_up'), signUp, body, [], false))
    }
    this.covered.add(login.op)
    const loginBody = this.body(login.op, 'credentials')
    const token = `res.json()${member(login.tokenProperty)}`
    steps.push(this.stepText(snakeCase(login.op.operationId ?? 'log_in'), login.op, loginBody, [`http.setAuthToken(${token})`], false))
    return steps
  }

  /**
   * `const credentials = {...}`: what sign-up and log-in share, with an email of its own each run. Without a
   * sign-up, the login's secrets are an existing account's, which the login reads from the environment
   * (loginSecret): the block holds the rest, or is not written when nothing is left.
   */
  private credentialsBlock(): string[] {
    const schema = this.model.signUp?.requestBody?.schema ?? this.model.login?.op.requestBody?.schema
    const { value } = sample(schema, 'credentials', '', this.model.doc)
    const shared = isRecord(value) && !this.model.signUp ? Object.fromEntries(Object.entries(value).filter(([k]) => !isSecretKey(k))) : value
    if (isRecord(shared) && !Object.keys(shared).length) return []
    return [`const credentials = ${this.literal(shared, '')}`, '']
  }

  /** The create of `r`, keeping its id in ctx under `key`: from then on, bodies of the journey send it where they name one of its kind. */
  private createStep(r: Resource, key: string): string {
    const body = this.body(r.create)
    this.uniqueIdentity(r, body)
    const id = `res.json()${r.idPath.map(member).join('')}`
    const step = this.stepText(snakeCase(r.create.operationId ?? `create_${r.noun}`), r.create, body, [`ctx.set(${quote(key)}, ${id})`], true)
    this.made.set(r, key)
    return step
  }

  /**
   * The value the create sends that the resource is then read by (a user's `username` in `/user/{username}`,
   * a tag's `name` in `/tags/{name}`): one of its own each run, `theUser-<time>-<random>`, since a fixed
   * one is refused as a duplicate by an API whose database keeps what an earlier run made. Where the
   * schema would refuse it (a format, an enum, a pattern, a maxLength too short), it stays, marked to fill in.
   */
  private uniqueIdentity(r: Resource, body: { value: unknown; review: string[] }): void {
    const property = r.idPath.length === 1 ? r.idPath[0]! : undefined
    const value = property !== undefined && isRecord(body.value) ? body.value[property] : undefined
    if (typeof value !== 'string' || /^[\u0000\u0001]/.test(value)) return
    const schema = propertiesOf(r.create.requestBody?.schema, this.model.doc)?.[property!] ?? {}
    const made = `${value}-${Date.now()}-abcdef`
    const fits = !schema.format && !Array.isArray(schema.enum) && schema.const === undefined && made.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) && fitsPattern(made, schema.pattern)
    if (fits) (body.value as Record<string, unknown>)[property!] = `${UNIQUE_TEXT}${value}`
    else body.review.push(`body.${property} (new each run: it identifies the ${r.noun.replace(/_/g, ' ')})`)
  }

  private callStep(op: Operation, name: string): string {
    return this.stepText(name, op, this.body(op), [], true)
  }

  private updatePath(r: Resource, update: Operation): string {
    const body = this.body(update)
    // Sampled from the same schema, the update would send what the create did, and reading it back could
    // not tell an update that changed nothing.
    body.value = differentFrom(body.value, this.body(r.create).value, propertiesOf(update.requestBody?.schema, this.model.doc) ?? {})
    // The property the resource is read by is the one it was made with: an update that changed it would
    // lose the resource (the path reads the old value), and an API refuses it or makes another resource.
    const identity = r.idPath.length === 1 ? r.idPath[0]! : undefined
    if (identity !== undefined && isRecord(body.value) && identity in body.value) body.value[identity] = `\u0001ctx.require(${quote(this.made.get(r) ?? r.param)})`
    const steps = [this.stepText(snakeCase(update.operationId ?? `update_${r.noun}`), update, body, [], true)]
    if (r.read) {
      // Read it back: what the update sent is what a read answers.
      const sent = typeof body.value === 'object' && body.value && !Array.isArray(body.value) ? Object.entries(body.value) : []
      const readProps = propertiesOf(jsonSchema(r.read.responses['200']?.content ?? {}), this.model.doc) ?? {}
      const checks = sent.filter(([k, v]) => k in readProps && (typeof v !== 'string' || v !== UNIQUE_EMAIL)).map(([k, v]) => `assertEqual(res.json()${member(k)}, ${this.literal(v, '')}, ${quote(k)})`)
      if (checks.length) this.core.add('assertEqual')
      steps.push(this.stepText(`${snakeCase(r.read.operationId ?? `get_${r.noun}`)}_after_update`, r.read, { value: undefined, review: [] }, checks, true))
    }
    return `path('update', [\n${steps.map((s) => `${indent(s, 2)},`).join('\n')}\n])`
  }

  private deletePath(r: Resource, remove: Operation): string {
    const steps = [this.stepText(snakeCase(remove.operationId ?? `delete_${r.noun}`), remove, { value: undefined, review: [] }, [], true)]
    const gone = r.read && ['404', '410'].filter((s) => r.read!.responses[s])
    if (r.read && gone?.length) {
      // Deleted means gone: a read answers 404 (or 410), not the old resource.
      steps.push(this.stepText(`${snakeCase(r.read.operationId ?? `get_${r.noun}`)}_after_delete`, r.read, { value: undefined, review: [] }, [], true, gone.map(Number)))
    }
    return `path('delete', [\n${steps.map((s) => `${indent(s, 2)},`).join('\n')}\n])`
  }

  private body(op: Operation, credentials?: 'credentials'): { value: unknown; review: string[] } {
    if (!op.requestBody) return { value: undefined, review: [] }
    const s = this.model.sampleBody(op)
    if (credentials && s.value && typeof s.value === 'object') {
      // Sign-up and log-in send the shared credentials; whatever else sign-up needs stays as sampled.
      const fields = requiredOf(this.model.login!.op.requestBody?.schema, this.model.doc)
      for (const k of fields)
        if (k in (s.value as object)) (s.value as Record<string, unknown>)[k] = `\u0001${this.model.signUp || !isSecretKey(k) ? `credentials.${k}` : this.loginSecret(k)}`
    } else if (isRecord(s.value)) {
      // An id of a kind the journey made (an order's productId) is the one it made: a sampled one names nothing.
      for (const [name, creator] of this.model.bodyIds(op)) {
        const key = this.made.get(creator)
        if (key === undefined) continue
        s.value[name] = `\u0001ctx.require(${quote(key)})`
        s.needsReview = s.needsReview.filter((place) => place !== `body.${name}` && !place.startsWith(`body.${name}.`))
      }
    }
    return { value: s.value, review: s.needsReview }
  }

  /**
   * One step: the request, its documented success statuses (or `expected`, the statuses a failure path
   * waits for), then `after` lines. A step expecting a 4xx does not return the response, which would fail it.
   */
  private stepText(stepName: string, op: Operation, body: { value: unknown; review: string[] }, after: string[], usesIds: boolean, expected?: number[]): string {
    const name = this.stepName(stepName)
    const options: string[] = []
    if (body.value !== undefined) options.push(`json: ${this.literal(body.value, '  ')}`)
    // The query's and headers' places whose document example was not written (a credential by its form).
    const parameterReview: string[] = []
    const parameterValue = (p: Operation['parameters'][number], place: string) => {
      const { value, needsReview } = sampleParameter(p, place, p.name)
      parameterReview.push(...needsReview)
      return parameterText(p, value)
    }
    const credentials = this.queryCredentials(op)
    const parameters = op.parameters.filter((p) => p.in === 'query' && p.required && !credentials.some(([name]) => name === p.name))
    const query: Record<string, unknown> = {}
    // A list its style explodes (`?tag=a&tag=b`) repeats its name, which the client's `query` (one value a name) cannot hold: written on the path.
    const onPath: [string, string][] = []
    for (const p of parameters) {
      // Secret by the rule redaction masks a URL's query by (`?session=`, `?key=` too), not a body key's.
      if (isSecretQueryName(p.name) && !isDataCode(p, op)) query[p.name] = `\u0001${this.parameterSecret(op, p.name, 'query')}`
      else {
        const value = parameterValue(p, `query.${p.name}`)
        if (Array.isArray(value)) onPath.push(...value)
        else query[p.name] = value
      }
    }
    Object.assign(query, Object.fromEntries(credentials))
    if (Object.keys(query).length) options.push(`query: ${this.literal(query, '  ')}`)
    const url = this.url(op, usesIds, onPath)
    // A header's list is one comma-separated value (`simple`), never pairs.
    const headers = this.requiredHeaders(op, parameterValue)
    // The options are written once the journey's credentials are known: an operation whose scheme shares
    // its header with another scheme of the journey sends its credential with the request (see journey).
    const call = `http.${op.method.toLowerCase()}(${url}${this.deferOptions(op, options, headers)})`
    const documented = successResponses(op)
    const byDefault = !expected && documented.some(([status]) => status === 'default')
    // Only a `default` answer documented (older documents): taken as the success one, whichever 2xx it is.
    const statuses = expected ?? (byDefault ? [200, 201] : documented.map(([status]) => Number(status)))
    const usesCtx = url.includes('ctx.') || options.some((o) => o.includes('ctx.require(')) || after.some((a) => a.includes('ctx.'))
    this.journeyOps.add(op)
    const lines: string[] = []
    if (body.value !== undefined && !isCredentials(body.value)) lines.push(`${FILL_IN} a body sampled from the schema${body.review.length ? `; fill in: ${commentText(body.review.join(', '))}` : ''}`)
    if (parameterReview.length) lines.push(`${FILL_IN} fill in: ${commentText(parameterReview.join(', '))}`)
    if (byDefault) lines.push(`${FILL_IN} the document gives this operation no 2xx answer, only "default": taken as its success (200 or 201)`)
    lines.push(`const res = await ${call}`)
    if (statuses.length) {
      this.core.add('assertStatus')
      lines.push(`assertStatus(res, ${statuses.join(', ')})`)
    }
    lines.push(...after)
    if (!expected) lines.push('return res')
    return `step(${quote(name)}, async (${usesCtx ? '{ http, ctx }' : '{ http }'}) => {\n${lines.map((l) => `  ${l}`).join('\n')}\n})`
  }

  /**
   * The API keys the operation sends in its query, each read from the environment on every request (a
   * raw expression for `literal`). A journey with one never logs in instead: only bearer tokens come from a login.
   */
  private queryCredentials(op: Operation): [string, string][] {
    const need = op.secured ? this.security.forOperation(op) : undefined
    if (!need || !('credentials' in need)) return []
    return need.credentials.flatMap((c): [string, string][] => (c.kind === 'query' ? [[c.name, `\u0001${secretRead(c.secret.name)}`]] : []))
  }

  /**
   * The required header parameters, left out of which the API refuses the request. One named like a
   * credential (`X-Api-Key`, `X-Custom-Auth`: core's isSecretHeader) is read from the environment on every
   * request (a raw expression for `literal`): written, the document's example would be committed. Any other
   * (`X-Tenant-Id`, `Accept-Version`) gets its example, or a value made from its schema. A header the
   * operation's security scheme or the login sends already, or one the HTTP client sets from the body
   * (its type and length), is not sent a second time.
   */
  private requiredHeaders(op: Operation, parameterValue: (p: Operation['parameters'][number], place: string) => unknown): Record<string, string | number | boolean> {
    const sent = this.schemeHeaders(op)
    const required = op.parameters.filter((p) => p.in === 'header' && p.required && !sent.has(p.name.toLowerCase()) && !CLIENT_HEADERS.has(p.name.toLowerCase()))
    const headers: Record<string, string | number | boolean> = Object.fromEntries(
      required.map((p) => [
        p.name,
        isSecretHeader(p.name) ? `\u0001${this.parameterSecret(op, p.name, 'header')}` : String(parameterValue(p, `header.${p.name}`)),
      ]),
    )
    const cookie = this.requiredCookies(op, parameterValue)
    if (cookie !== undefined && !required.some((p) => p.name.toLowerCase() === 'cookie')) headers.Cookie = cookie
    return headers
  }

  /**
   * The required cookie parameters as one `Cookie` header (added to the client's cookies, an API key's
   * among them), by the rules of a header's: one named like a secret (`session_id`, `auth_token`: core's
   * isSecretCookieName, what redaction masks in a Cookie) read from the environment on every request, any
   * other (`lang`, `shelf`) its example or a value made from its schema, URL-encoded as a cookie's value is.
   * A cookie an API key of the operation's security scheme sends already is not sent a second time.
   */
  private requiredCookies(op: Operation, parameterValue: (p: Operation['parameters'][number], place: string) => unknown): string | undefined {
    const need = op.secured ? this.security.forOperation(op) : undefined
    const keys = new Set(need && 'credentials' in need ? need.credentials.flatMap((c) => (c.kind === 'cookie' ? [c.name] : [])) : [])
    const cookies = op.parameters.filter((p) => p.in === 'cookie' && p.required && !keys.has(p.name))
    if (!cookies.length) return undefined
    const parts = cookies.map((p) =>
      isSecretCookieName(p.name) ? { name: p.name, read: this.parameterSecret(op, p.name, 'cookie') } : { name: p.name, text: `${p.name}=${encodeURIComponent(cookieText(parameterValue(p, `cookie.${p.name}`)))}` },
    )
    // Plain text, as a header's value is written; a template literal once a secret is read into it.
    if (parts.every((c) => c.text !== undefined)) return parts.map((c) => c.text).join('; ')
    return `\u0001\`${parts.map((c) => (c.text !== undefined ? templateText(c.text) : `${templateText(c.name)}=\${${c.read}}`)).join('; ')}\``
  }

  /** The headers, lower-cased, that the operation's credentials are sent in (see sessionCredentials and loginSteps). */
  private schemeHeaders(op: Operation): Set<string> {
    const need = op.secured ? this.security.forOperation(op) : undefined
    const headers = new Set<string>()
    if (!need || !('credentials' in need)) return headers
    for (const c of need.credentials) {
      if (c.kind === 'bearer' || c.kind === 'basic') headers.add('authorization')
      else if (c.kind === 'header') headers.add(c.name.toLowerCase())
      else if (c.kind === 'cookie') headers.add('cookie')
    }
    return headers
  }

  /**
   * The read of a secret-named parameter no security scheme sends (`?access_token=`, `/invites/{token}`,
   * an `X-Api-Key` header): a value the API checks against one it has, so never the document's example,
   * and nothing a journey could make up. One variable for the parameter in every operation.
   */
  private parameterSecret(op: Operation, name: string, place: 'query' | 'path' | 'header' | 'cookie'): string {
    const where = { query: 'query parameter', path: 'path parameter', header: 'header', cookie: 'cookie' }[place]
    // Header names are case-insensitive, and their `X-` says nothing: `X-Api-Key` is read from API_KEY.
    const key = place === 'header' ? `header:${name.toLowerCase()}` : `${place}:${name}`
    const base = variableFor(place === 'header' ? name.replace(/^x-/i, '') : name)
    return this.readSecret(this.security.secretVariable(key, base, `the ${name} ${where} of ${describeOperation(op)} of ${this.source}`))
  }

  /**
   * The read of a secret the login sends when no operation signs up: the password of an account that
   * exists already, never the document's example, which is at best a made-up one and at worst a real one.
   */
  private loginSecret(field: string): string {
    const login = this.model.login!.op
    return this.readSecret(this.security.secretVariable(`login:${field}`, variableFor(field), `the ${field} of an existing account, which ${describeOperation(login)} of ${this.source} logs in with`))
  }

  /** The code that reads `secret` from the environment, which the file's header and the command then name. */
  private readSecret(secret: SecretEnv): string {
    this.secrets.set(secret.name, secret)
    this.journeyReads.add(secret.name)
    return secretRead(secret.name)
  }

  /** The path, its parameters read from ctx (ids made earlier) or marked to fill in, then the query `pairs` (see stepText). */
  private url(op: Operation, usesIds: boolean, pairs: [string, string][]): string {
    const query = pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''
    if (!op.path.includes('{')) return quote(op.path + query)
    // The path between its parameters is text of the template literal: a backtick or `${` in it (the
    // document may hold anything) must not end the literal or start an expression.
    const text = op.path.split(/(\{[^}]+\})/).map((part, i) => (i % 2 ? this.pathParameter(op, part.slice(1, -1), usesIds) : templateText(part))).join('')
    return `\`${text}${templateText(query)}\``
  }

  /**
   * A parameter of a path as an expression of its template literal: read from ctx, a secret, or a sample to
   * fill in. A value read when the journey runs is encoded as one path segment: an id or a token holding
   * `/`, `?`, `#`, a space or `%` would otherwise send the request to another path, or cut its query off.
   */
  private pathParameter(op: Operation, name: string, usesIds: boolean): string {
    if (usesIds && this.model.creatorOf(op.path, name)) return `\${encodeURIComponent(String(ctx.require(${quote(name)})))}`
    if (isSecretKey(name)) return `\${encodeURIComponent(${this.parameterSecret(op, name, 'path')})}`
    const param = op.parameters.find((p) => p.name === name && p.in === 'path')
    return `\${${quote(String(sampleParameter(param, name, name).value ?? name))} /* ${FILL_IN.slice(3)} fill in ${commentText(name)} */}`
  }

  private literal(value: unknown, indentBy: string): string {
    return literal(value, indentBy, 110, (s) => {
      // Unique per run and per file, so that sign-ups of several journeys never clash.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the generated journey's template literal
      if (s === UNIQUE_EMAIL) return '`user-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`'
      if (s.startsWith(UNIQUE_TEXT)) return `\`${templateText(s.slice(UNIQUE_TEXT.length))}-\${Date.now()}-\${Math.random().toString(36).slice(2, 8)}\``
      if (s.startsWith('\u0001')) return s.slice(1)
      return undefined
    })
  }
}

/**
 * What the authenticate step sets on the client, so that every later request sends it: a bearer token,
 * Basic credentials, an API key header, the cookies of API keys sent as cookies (one Cookie header).
 */
function sessionCredentials(credentials: Credential[]): string[] {
  const lines: string[] = []
  const cookies: string[] = []
  for (const c of credentials) {
    if (c.kind === 'bearer') lines.push(`http.setAuthToken(${secretRead(c.secret.name)})`)
    else if (c.kind === 'basic') lines.push(`http.setAuthToken(${basicToken(c)}, 'Basic')`)
    else if (c.kind === 'header') lines.push(`http.setHeader(${quote(c.name)}, ${secretRead(c.secret.name)})`)
    // The cookie's name is the document's text inside a template literal: escaped, so it cannot end it.
    else if (c.kind === 'cookie') cookies.push(`${templateText(c.name)}=\${${secretRead(c.secret.name)}}`)
  }
  if (cookies.length) lines.push(`http.setHeader('Cookie', \`${cookies.join('; ')}\`)`)
  return lines
}

/**
 * The operations a create's links lead to, with the other operations on the same item: a document links
 * the create to the operations it means to point out (often the read alone), and the update and delete of
 * `/pets/{petId}` are the created pet's all the same. The item is the collection's path and the linked id
 * (`/pets/{petId}`), or the path of an operation linked with it.
 */
function withItemOperations(linked: Operation[], create: Operation, param: string, ops: Operation[]): Operation[] {
  const item = `{${param}}`
  const items = new Set([`${create.path}/${item}`, ...linked.map((o) => o.path).filter((p) => p.endsWith(`/${item}`))])
  return [...linked, ...ops.filter((o) => o !== create && !linked.includes(o) && items.has(o.path))]
}

/** The code of Basic credentials: the user name and password, read from the environment, base64 encoded. */
function basicToken(c: Extract<Credential, { kind: 'basic' }>): string {
  return `Buffer.from(\`\${${secretRead(c.user.name)}}:\${${secretRead(c.password.name)}}\`).toString('base64')`
}

/**
 * The schemes among `credentials` that send their credential in a header another of them sends too: a
 * Basic and a bearer scheme (both `Authorization`), two bearer schemes, two API keys in one header. Set on
 * the client, the last would replace the others, and each operation but its own would be sent someone
 * else's credential: these go with each request instead, each operation its own.
 */
function sharingAHeader(credentials: Credential[]): Set<string> {
  const byHeader = new Map<string, Credential[]>()
  for (const c of credentials) {
    const header = c.kind === 'bearer' || c.kind === 'basic' ? 'authorization' : c.kind === 'header' ? c.name.toLowerCase() : undefined
    if (header) byHeader.set(header, [...(byHeader.get(header) ?? []), c])
  }
  return new Set([...byHeader.values()].filter((shared) => shared.length > 1).flatMap((shared) => shared.map((c) => c.scheme)))
}

/**
 * The resources a journey creates before the operations it is about, each after those it needs itself:
 * those whose ids the paths of `withPaths` need (a create's parents, the product of a read of
 * `/products/{productId}/stats`), and those whose ids a body of `withPaths` or of `bodiesOnly` names (an
 * update's or an action's: the product of an order's `productId`). Whichever tag creates them, and whether
 * or not --tag asked for it: the document says which operation makes an id. `made`: what the journey makes
 * itself (its own resource), not made again. `inPath`: the resources whose ids a path of the journey reads
 * (by the parameter's name, see pathParameter).
 */
function prerequisites(model: Model, withPaths: Operation[], bodiesOnly: Operation[], made: Resource[] = []): { order: Resource[]; inPath: Set<Resource> } {
  const order: Resource[] = []
  const inPath = new Set<Resource>()
  const seen = new Set<Resource>(made)
  const creatorsInPath = (op: Operation) => pathParams(op.path).flatMap((p) => model.creatorOf(op.path, p) ?? [])
  const visit = (op: Operation, withPath: boolean) => {
    const byPath = creatorsInPath(op)
    for (const x of byPath) inPath.add(x)
    // An action's path may name a child's item (`/users/{userId}/posts/{postId}`): that id is not made here (see crudJourney).
    for (const x of [...(withPath ? byPath : []), ...model.bodyIds(op).map(([, creator]) => creator)]) {
      if (seen.has(x)) continue
      seen.add(x)
      visit(x.create, true)
      order.push(x)
    }
  }
  for (const op of withPaths) visit(op, true)
  for (const op of bodiesOnly) visit(op, false)
  return { order, inPath }
}

/**
 * The ctx key of each resource a journey creates (`own`, the journey's own resource, and what it needs):
 * its path parameter's name, which the paths read. One created for a body alone whose parameter names no
 * kind (`{id}` of `/products/{id}`) is kept under `productId` instead, so that the journey's own `id` does
 * not replace it.
 */
function ctxKeys(own: Resource | undefined, needed: { order: Resource[]; inPath: Set<Resource> }): Map<Resource, string> {
  const keys = new Map<Resource, string>(own ? [[own, own.param]] : [])
  for (const x of needed.order) {
    const byParam = needed.inPath.has(x) || !GENERIC_ID.test(x.param)
    keys.set(x, byParam ? x.param : `${x.noun.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Id`)
  }
  return keys
}

const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)

/**
 * The update's body with each value the create also sends changed, where its schema allows: a string
 * gets ` (updated)` (not an email, date, id or other format; within maxLength), a number one more (within
 * maximum), a boolean its opposite, an enum its next value. Anything else stays as sampled.
 */
function differentFrom(update: unknown, create: unknown, properties: Record<string, JsonSchema>): unknown {
  if (!isRecord(update) || !isRecord(create)) return update
  const out: Record<string, unknown> = { ...update }
  for (const [key, value] of Object.entries(update)) {
    if (create[key] !== value) continue
    const schema = properties[key] ?? {}
    if (Array.isArray(schema.enum)) {
      const next = schema.enum[(schema.enum.indexOf(value) + 1) % schema.enum.length]
      if (next !== value) out[key] = next
    } else if (typeof value === 'string' && !/^[\u0000\u0001]/.test(value) && !schema.format) {
      // (A marker, such as the unique email, is not sample text.)
      const changed = `${value} (updated)`
      if (changed.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) && fitsPattern(changed, schema.pattern)) out[key] = changed
    } else if (typeof value === 'number') {
      const step = schema.multipleOf ?? 1
      if (withinBounds(value + step, schema)) out[key] = value + step
    } else if (typeof value === 'boolean') out[key] = !value
  }
  return out
}

/** Whether `text` matches a schema's `pattern` (none: it does; one JavaScript cannot read: it does not). */
function fitsPattern(text: string, pattern: unknown): boolean {
  if (typeof pattern !== 'string') return true
  try {
    return new RegExp(pattern, 'u').test(text)
  } catch {
    return false
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

function jsonSchema(content: Record<string, JsonSchema | undefined>): JsonSchema | undefined {
  const type = Object.keys(content).find((t) => /json/i.test(t) || t === '*/*')
  return type ? content[type] : undefined
}

/**
 * The properties of an object schema and of its `allOf` parts, each property's schema with its `$ref`
 * followed: a loaded document keeps the `$ref`s of a schema that holds itself (`Category.parent`, a
 * create's answer `{ $ref: '#/components/schemas/Category' }`), and read as written they have none.
 */
function propertiesOf(schema: JsonSchema | undefined, doc: OpenApiDocument, alternatives = true): Record<string, JsonSchema> | undefined {
  const resolved = schema && resolveSchema(schema, doc)
  if (!resolved) return undefined
  const kinds = resolved.oneOf ?? resolved.anyOf
  // One of several kinds (`oneOf: [Dog, Cat]`): what every kind has, as any of them may be the answer.
  if (alternatives && !resolved.properties && !resolved.allOf && Array.isArray(kinds)) return commonProperties(kinds, doc)
  if (!resolved.properties && !Array.isArray(resolved.allOf)) return undefined
  const properties: Record<string, JsonSchema> = Object.assign({}, ...allOfParts(resolved, doc).map((p) => p.schema.properties ?? {}))
  return Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, resolveSchema(s, doc)]))
}

/** The properties every object alternative has (a `null` one has none and is no object), with the first's schema; undefined when none is an object. */
function commonProperties(alternatives: JsonSchema[], doc: OpenApiDocument): Record<string, JsonSchema> | undefined {
  const each = alternatives.map((a) => propertiesOf(a, doc, false)).filter((p): p is Record<string, JsonSchema> => !!p)
  if (!each.length) return undefined
  return Object.fromEntries(Object.entries(each[0]!).filter(([name]) => each.every((p) => name in p)))
}

/** The properties an object schema requires, its `allOf` parts' too, through `$ref`s (see propertiesOf). */
function requiredOf(schema: JsonSchema | undefined, doc: OpenApiDocument): string[] {
  if (!schema) return []
  return allOfParts(schema, doc).flatMap((p) => (Array.isArray(p.schema.required) ? p.schema.required : []))
}

/**
 * The answers an operation documents as its success: its 2xx ones, or, where it has none, its `default`
 * one (older documents, the Petstore 2 among them, describe a create by `default` alone).
 */
function successResponses(op: Operation): [string, Operation['responses'][string]][] {
  const answers = Object.entries(op.responses)
  const ok = answers.filter(([status]) => /^2\d\d$/.test(status))
  return ok.length ? ok : answers.filter(([status]) => status === 'default')
}

/**
 * The noun of a resource: its path parameter's without the `Id` (`petId` a pet), else its collection's
 * singular (`/user/{username}` a user, `/products/{id}` a product): a parameter that is no id names the
 * property the resource is read by, not what it is.
 */
function nounOf(param: string, collection: string): string {
  const byId = /^(.+?)(?:Id|ID|_id)$/.exec(param)?.[1]
  return snakeCase(byId && byId !== param ? byId : singular(lastSegment(collection)))
}

/** `a` or `an`, by how the noun sounds: an order, a user, a unit, an update, an hour. */
function article(noun: string): string {
  return /^(?:[aeio]|u(?![bcdfghjklmnpqrstvwxz][aeiouy])|hour|honest|honou?r|heir)/i.test(noun) && !/^(?:one|eu)/i.test(noun) ? 'an' : 'a'
}

function lastSegment(p: string): string {
  return p.split('/').filter((s) => s && !s.startsWith('{')).pop() ?? 'item'
}

function singular(word: string): string {
  return word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('s') ? word.slice(0, -1) : word
}

/**
 * The read of property `key`: `.key`, or `['key']` where it is no identifier. Written as `.first-name` it
 * would subtract `name` at run time, and `.@type` would not compile.
 */
const member = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${quote(key)}]`)

/** A path with its parameters' names left out (`/users/{}/posts`): two paths of one place, whatever their parameters are called. */
const samePlaces = (p: string) => p.replace(/\{[^}]*\}/g, '{}')

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `type` imports and lower-case names in the order Biome sorts them. */
const byImportOrder = (a: string, b: string) => a.localeCompare(b)

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n)
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n')
}

const isCredentials = (value: unknown) => typeof value === 'object' && value !== null && Object.values(value).some((v) => typeof v === 'string' && v.startsWith('\u0001credentials.'))

/** Headers the HTTP client sets from the request itself: a document that declares them needs nothing sent. */
const CLIENT_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection'])

/** A cookie's value as text: a list joined with commas, as a header's (`simple`) is. */
function cookieText(value: unknown): string {
  return Array.isArray(value) ? value.map((item) => (Array.isArray(item) ? item[1] : item)).join(',') : String(value)
}

/**
 * A query or header parameter as a journey sends it: a string, number or boolean, or, for a list its style
 * explodes into one pair per item, those pairs. A list is written by its OpenAPI `style` and `explode`
 * as exploration writes it (openapi's parameterPairs); an empty one gets one item sampled from its `items`,
 * since a required parameter sent with no value is one the API refuses.
 */
function parameterText(p: Parameter, value: unknown): string | number | boolean | [string, string][] {
  if (!Array.isArray(value)) return typeof value === 'number' || typeof value === 'boolean' ? value : typeof value === 'string' ? value : JSON.stringify(value)
  const pairs = parameterPairs(p, value.length ? value : [sample(p.schema?.items, 'query', '').value ?? ''])
  return pairs.length === 1 ? pairs[0]![1] : pairs
}

/** Names a `const` cannot have (a journey file is a module: strict mode, where `eval` and `arguments` are refused too). */
const RESERVED = new Set(['break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'eval', 'arguments'])

/** What a `code` the document describes is when it is data: a country's, a currency's, a language's (ISO 3166, 4217, 639). */
const DATA_CODE_WORDS = /\b(?:country|countries|currency|currencies|language|languages|locale|region|iso[ -]?\d{3,4}|iata|icao|airport|postal|zip)\b/i
/** Words of an operation or a parameter that takes an authorization or a one-time code: its `code` stays a secret. */
const SECRET_CODE_WORDS = /oauth|authori[sz]|callback|redirect|grant|verif|one[- ]?time|otp|pkce|log[- ]?in|sign[- ]?in|sso|token|secret|password|confirm|activat/i
/** Query parameters an OAuth redirect brings beside its `code`. */
const OAUTH_BESIDE = /^(?:state|redirect_uri|code_verifier|client_id|session_state|iss)$/i
/** An example shaped as a standard code: `FR`, `USD`, `de`, `de-CH`, `pt_BR`. */
const CODE_SHAPED = /^(?:[A-Z]{2,3}|[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?)$/

/**
 * Whether a query parameter named `code` is data the document shows it to be, written into a journey as it
 * gives it, rather than OAuth's authorization code, which redaction masks by that name and a journey reads
 * from the environment. Read from API_CODE, a country lookup (`?code=FR`) asked for a secret no one had.
 * Data: a description naming a country, currency or language code, an enum (values an API lists are no
 * secret), or examples all shaped as a standard code. Never where the operation or the parameter speaks of
 * a login, a redirect, a verification or a token, nor beside a redirect's `state`: there a code is a secret
 * whatever its example, and digits (`123456`) are a one-time code's.
 */
function isDataCode(p: Parameter, op: Operation): boolean {
  if (p.name.toLowerCase() !== 'code') return false
  const schema = (p.schema && typeof p.schema === 'object' ? p.schema : {}) as Record<string, unknown>
  const words = [p.description, schema.description, schema.title].filter((w) => typeof w === 'string').join(' ')
  const context = `${op.path} ${op.operationId ?? ''} ${op.summary ?? ''} ${words}`
  if (SECRET_CODE_WORDS.test(context) || op.parameters.some((q) => q.in === 'query' && OAUTH_BESIDE.test(q.name))) return false
  if (DATA_CODE_WORDS.test(words)) return true
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => typeof v === 'string' && !looksLikeSecret(v))) return true
  const examples = [p.example, schema.example, ...(Array.isArray(schema.examples) ? schema.examples : [])].filter((v) => v !== undefined)
  return examples.length > 0 && examples.every((v) => typeof v === 'string' && CODE_SHAPED.test(v))
}
