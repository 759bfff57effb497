import { isSecretHeader, isSecretKey, secretPairName } from '@venomqa/core'
import { commentText, kebabCase, literal, propertyKey, quote, snakeCase, templateText, uniqueNamer } from '../codegen'
import type { JourneyFile } from '../journey-files'
import { type Auth, type Body, type Collection, type Folder, type Request, type Script, type Variable, isFolder } from './collection'
import { NOT_TRANSLATED, type ScriptTranslation, scriptNames, translateScript } from './script'
import { type SecretEnv, secretRead, secretsHeader, secretsReader } from '../env-secrets'
import { SecretEnvs, credentialSpans, isSecretVariable, splitScheme } from './secrets'

/**
 * Postman collection -> journey files. A top-level folder is a journey (its sub-folders' requests are
 * its steps too, in order); requests outside any folder make one journey named after the collection. A
 * request is a step: its pre-request scripts (collection's, then folders', then its own) before the
 * request, its test scripts after it. Variables live in `ctx`, over the collection's and environment's values.
 */

export interface Leftover {
  file: string
  journey: string
  step: string
  /** `pre-request script`, `test script`, `auth`, `body`, `URL`... */
  what: string
  line: string
  /** A collection-level script's line: in every step, listed once (then `journey` names the collection). */
  collection?: true
  /** A folder-level script's line: in each step of the folder, listed once (then `journey` names the folder). */
  folder?: true
}

export interface Imported {
  files: JourneyFile[]
  leftovers: Leftover[]
  /** The variable in front of the URLs, made the run's base URL, and its value (if any). */
  base?: { name: string; value?: string }
  /** Variables a journey reads that only another journey's scripts set: each journey has a context of its own. */
  unshared: Array<{ journey: string; variable: string; setBy: string[] }>
  /**
   * Variables a request sends that neither the collection nor the environment defines and no script sets
   * (an export leaves the environment out): each with the journeys that send it, whose steps fail on it.
   */
  undefinedVariables: Array<{ variable: string; journeys: string[] }>
  /** The environment variables the files read their secrets from, each once, in the order first used. */
  secrets: SecretEnv[]
}

/** Literal text, or an expression (a variable read, an environment variable) inside a template. */
type Piece = { text: string } | { code: string }

/** A literal that is a secret as a whole (an auth credential, a secret header's value): how to name and describe it. */
interface WholeSecret {
  key: string
  standsFor: string
  /** A Cookie header with `{{var}}`s in it: its literal text holds cookie names too, and only the values are secrets. */
  cookies?: true
}

/** Postman's dynamic variables that have a plain equivalent. */
const DYNAMIC: Record<string, { expr: string; uses?: string }> = {
  $guid: { expr: 'randomUUID()', uses: 'randomUUID' },
  $randomUUID: { expr: 'randomUUID()', uses: 'randomUUID' },
  $timestamp: { expr: 'Math.floor(Date.now() / 1000)' },
  $isoTimestamp: { expr: 'new Date().toISOString()' },
  $randomInt: { expr: 'Math.floor(Math.random() * 1001)' },
}

const VARIABLE = /\{\{([^{}]+)\}\}/g

export function importCollection(collection: Collection, environment: Variable[] = [], collectionFile = '<collection.json>'): Imported {
  const values = new Map<string, unknown>()
  for (const v of [...collection.variables, ...environment]) values.set(v.key, v.value)
  const secretVariables = secretVariableKeys([...collection.variables, ...environment], values, credentialVariables(collection.root))
  const secrets = new SecretEnvs()
  const baseName = baseVariable(collection.root)
  const base = baseName ? { name: baseName, value: shownBaseValue(values.get(baseName), secretVariables.has(baseName)) } : undefined

  const fileName = uniqueNamer('-')
  const journeyName = uniqueNamer()
  const leftovers: Leftover[] = []
  const sharedLines = new Set<string>()
  const groups: Array<{ name: string; folders: Folder[]; requests: Array<{ request: Request; folders: Folder[] }> }> = []
  const loose = collection.root.items.filter((i): i is Request => !isFolder(i))
  if (loose.length) groups.push({ name: collection.name, folders: [], requests: loose.map((request) => ({ request, folders: [] })) })
  for (const item of collection.root.items) if (isFolder(item)) groups.push({ name: item.name, folders: [item], requests: flatten(item, [item]) })

  const read = new Set<string>()
  const files = groups
    .filter((g) => g.requests.length)
    .map((g) => {
      const file = `${fileName(kebabCase(g.name, 'requests'))}.journey.ts`
      const writer = new JourneyWriter(collection, { values, secretVariables, secrets, collectionFile }, base, journeyName(snakeCase(g.name, 'requests')), file, (what, at, line) => {
        if (typeof at === 'string') return leftovers.push({ file, journey: writer.name, step: at, what, line })
        // A collection's or a folder's script runs in each of its steps: its lines are listed once, for it.
        const key = `${at ? `${file}\n${at.place}` : ''}\n${what}\n${line}`
        if (sharedLines.has(key)) return
        sharedLines.add(key)
        if (at) leftovers.push({ file, journey: `folder "${at.name}"`, step: '', what, line, folder: true })
        else leftovers.push({ file, journey: `collection "${collection.name}"`, step: '', what, line, collection: true })
      })
      const content = writer.write(g.folders[0], g.requests)
      for (const name of writer.readsEnv) read.add(name)
      return { name: file, content }
    })
  const secretsRead = secrets.all.filter((s) => read.has(s.name))
  return { files, leftovers, base, unshared: unshared(files, values), undefinedVariables: undefinedVariables(files, values), secrets: secretsRead }
}

/**
 * The keys whose (final) value is a secret: marked so by the collection or the environment, named so, or
 * sent as a credential (`sentAsCredential`), whatever their names.
 */
function secretVariableKeys(definitions: Variable[], values: Map<string, unknown>, sentAsCredential: Set<string>): Set<string> {
  const marked = new Set(definitions.filter((v) => v.secret).map((v) => v.key))
  return new Set([...values].filter(([key, value]) => isSecretVariable({ key, value, secret: marked.has(key) || sentAsCredential.has(key) })).map(([key]) => key))
}

/** The fields of each auth type that hold its credential. */
const CREDENTIAL_FIELDS: Record<string, string[]> = { bearer: ['token'], basic: ['password'], apikey: ['value'] }

/**
 * The variables a request sends as a whole credential: an auth's credential that is `{{myBearer}}`, or a
 * secret header's value that is `{{v}}` or a scheme and `{{v}}` (`Authorization: Basic {{creds}}`). Their
 * values are secrets by that use, however plainly they are named. A variable that is only part of one
 * (`{{scheme}} {{tok}}`, `lang={{lang}}` in a Cookie) is not: it would be read from the environment, and
 * masked in every output, for a value such as `Bearer` or `en-GB`.
 */
function credentialVariables(root: Folder): Set<string> {
  const found = new Set<string>()
  const requests = flatten(root, [])
  // A folder's auth is sent by its requests: one with none sends nothing.
  const auths = [root.auth, ...requests.flatMap(({ request, folders }) => [request.auth, ...folders.map((f) => f.auth)])]
  for (const auth of auths)
    for (const field of (auth && CREDENTIAL_FIELDS[auth.type]) ?? []) {
      const name = onlyVariable(auth?.fields[field])
      if (name) found.add(name)
    }
  for (const { request } of requests) {
    for (const h of request.headers) if (isSecretHeader(h.key)) for (const name of headerCredentialVariables(h.key, h.value)) found.add(name)
    for (const name of fieldCredentialVariables(request)) found.add(name)
  }
  return found
}

/**
 * The variables a request sends as the whole value of a field whose name is secret by core's key rule: a
 * JSON body's `"password": "{{pw}}"` (quoted or not), a form body's `client_secret={{cs}}`, a query's
 * `?api_key={{k}}`. Named plainly, their values were written into the journey file, which is meant to be
 * committed.
 */
function fieldCredentialVariables(request: Request): string[] {
  const found: string[] = []
  const { body } = request
  if (body?.mode === 'raw' && body.raw)
    for (const m of body.raw.matchAll(/"((?:[^"\\]|\\.)+)"\s*:\s*("?)\{\{([^{}]+)\}\}\2\s*(?=[,}\]])/g))
      if (isSecretKey(m[1]!)) found.push(m[3]!.trim())
  for (const field of body?.mode === 'urlencoded' ? (body.fields ?? []) : []) {
    const name = onlyVariable(field.value)
    if (name && isSecretKey(field.key)) found.push(name)
  }
  for (const m of request.url.matchAll(/[?&]([^=&#]+)=\{\{([^{}]+)\}\}(?=&|#|$)/g)) if (isSecretKey(m[1]!)) found.push(m[2]!.trim())
  return found.filter((name) => !name.startsWith('$'))
}

/** The variable `text` is, alone (spaces around it aside); none for a dynamic one (`{{$guid}}`), which holds no credential. */
function onlyVariable(text: unknown): string | undefined {
  const name = /^\s*\{\{([^{}]+)\}\}\s*$/.exec(String(text ?? ''))?.[1]?.trim()
  return name && !name.startsWith('$') ? name : undefined
}

/**
 * The variables that are a secret header's credential as a whole: its value `{{v}}`, or a literal scheme
 * word and `{{v}}` (`Bearer {{v}}`); in a Cookie header, the value of a cookie whose name is secret by
 * core's key rule (`session_id={{sid}}`).
 */
function headerCredentialVariables(header: string, value: string): string[] {
  const whole = onlyVariable(value) ?? onlyVariable(/^\s*[A-Za-z][\w-]*\s+(\{\{[^{}]+\}\})\s*$/.exec(value)?.[1])
  if (whole) return [whole]
  if (header.toLowerCase() !== 'cookie') return []
  return value.split(';').flatMap((cookie) => {
    const eq = cookie.indexOf('=')
    const name = eq < 0 ? undefined : onlyVariable(cookie.slice(eq + 1))
    return name && isSecretKey(cookie.slice(0, eq).trim()) ? [name] : []
  })
}

/** The base URL's value, to show in the output and the files; none when it is, or holds, a credential. */
function shownBaseValue(value: unknown, secret: boolean): string | undefined {
  if (typeof value !== 'string' || secret) return undefined
  return credentialSpans(value).some((s) => s.secret) ? undefined : value
}

/**
 * In Postman, a folder sees what earlier folders set; a journey starts with a fresh ctx. Find the reads
 * that relied on that, so the user can move those requests together (or set the variable in the journey).
 */
function unshared(files: JourneyFile[], initial: Map<string, unknown>): Imported['unshared'] {
  const journeys = variableUses(files)
  return journeys.flatMap((j) =>
    [...j.reads]
      .filter((v) => !j.sets.has(v) && !initial.has(v))
      .flatMap((variable) => {
        const setBy = journeys.filter((o) => o !== j && o.sets.has(variable)).map((o) => o.name)
        return setBy.length ? [{ journey: j.name, variable, setBy }] : []
      }),
  )
}

/** What each journey file sets in ctx, reads (scripts and requests) and sends (requests only). */
function variableUses(files: JourneyFile[]) {
  const names = (text: string, re: RegExp) => new Set([...text.matchAll(re)].map((m) => m[1]!))
  return files.map((f) => ({
    name: /journey\('([^']+)'/.exec(f.content)?.[1] ?? f.name,
    sets: names(f.content, /ctx\.set\('([^']+)'/g),
    // Scripts read with variable(), requests with sentVariable(), jsonVariable() or jsonKey().
    reads: names(f.content, /\b(?:variable|sentVariable|jsonVariable|jsonKey)\(ctx, '([^']+)'/g),
    sends: names(f.content, /\b(?:sentVariable|jsonVariable|jsonKey)\(ctx, '([^']+)'/g),
  }))
}

/**
 * A request sends a variable nothing defines: its step fails on it at every run, which the import can say
 * now. A script that only reads one may test it for undefined, so only what a request sends counts.
 */
function undefinedVariables(files: JourneyFile[], initial: Map<string, unknown>): Imported['undefinedVariables'] {
  const journeys = variableUses(files)
  const found = new Map<string, string[]>()
  for (const j of journeys)
    for (const variable of j.sends)
      if (!initial.has(variable) && !journeys.some((o) => o.sets.has(variable))) found.set(variable, [...(found.get(variable) ?? []), j.name])
  return [...found].map(([variable, sentBy]) => ({ variable, journeys: sentBy }))
}

function flatten(folder: Folder, chain: Folder[]): Array<{ request: Request; folders: Folder[] }> {
  return folder.items.flatMap((i) => (isFolder(i) ? flatten(i, [...chain, i]) : [{ request: i, folders: chain }]))
}

/** The variable most URLs start with (`{{baseUrl}}/...`): it becomes the run's base URL. */
function baseVariable(root: Folder): string | undefined {
  const counts = new Map<string, number>()
  const visit = (f: Folder) => {
    for (const i of f.items) {
      if (isFolder(i)) visit(i)
      else {
        const name = /^\{\{([^{}$]+)\}\}(?=\/|\?|$)/.exec(i.url.trim())?.[1]
        if (name) counts.set(name, (counts.get(name) ?? 0) + 1)
      }
    }
  }
  visit(root)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}

/** What every file of one import shares: the variables, which of them are secret, and the secrets' names. */
interface ImportScope {
  values: Map<string, unknown>
  secretVariables: Set<string>
  secrets: SecretEnvs
  /** The collection file as the import was given it, for the advice to import it again with an environment. */
  collectionFile: string
}

/**
 * How to give a variable that nothing defines a value: told by the import's warning, and by the step that
 * sends it when it runs without one.
 */
export function valueAdvice(collectionFile: string): string {
  return `give it in a Postman environment (venomqa import postman ${collectionFile} --environment <env.json> --force) or in the collection's variables`
}

class JourneyWriter {
  private readonly uses = new Set<string>()
  private readonly stepName = uniqueNamer()
  private stepNow = ''
  private requestNow = ''
  /** The environment variables this file reads, in the order first used: its header lists them. */
  readonly readsEnv = new Set<string>()
  private readonly values: Map<string, unknown>
  /** What the current step could not translate outside its scripts, to mark in the file. */
  private notes: string[] = []

  constructor(
    private readonly collection: Collection,
    private readonly scope: ImportScope,
    /** The base URL's variable, and its value when it can be shown (not a credential). */
    private readonly base: Imported['base'],
    readonly name: string,
    /** The journey file's name, for the steps to say where their lines not translated are. */
    private readonly journeyFile: string,
    /** A line not translated, in a step (its name), or in a folder's or (undefined) the collection's script, which each of its steps runs. */
    private readonly leftover: (what: string, at: string | Folder | undefined, line: string) => void,
  ) {
    this.values = scope.values
  }

  write(folder: Folder | undefined, requests: Array<{ request: Request; folders: Folder[] }>): string {
    const steps = requests.map(({ request, folders }) => this.step(request, folders))
    return this.file(folder, steps)
  }

  private file(folder: Folder | undefined, steps: string[]): string {
    const core = ['assert', 'assertEqual', 'assertStatus', 'deepEqual', 'includesValue', 'journey', 'step'].filter((u) => this.uses.has(u) || u === 'journey' || u === 'step')
    if (this.uses.has('variable')) core.unshift('type Context')
    const lines = [
      `// Imported from the Postman collection "${commentText(this.collection.name)}"${folder ? `, folder "${commentText(folder.name)}"` : ''} by venomqa import postman.`,
    ]
    if (this.base)
      lines.push(
        `// Requests to {{${commentText(this.base.name)}}} are relative: give the run a base URL (--base-url, or baseUrl in venomqa.config.ts)${this.base.value !== undefined ? `; the collection's is ${commentText(this.base.value)}` : ''}.`,
      )
    // The variables block reads secrets too: write it first, so that the header lists them all.
    const variables = this.uses.has('variable') ? [...this.variablesBlock(), ''] : []
    const secrets = this.secretEnvs()
    lines.push(...secretsHeader(secrets))
    if (this.uses.has('randomUUID')) lines.push("import { randomUUID } from 'node:crypto'")
    if (this.uses.has('STATUS_CODES')) lines.push("import { STATUS_CODES } from 'node:http'")
    // The file's secrets are masked in every output once read (see secretsReader).
    // jsonVariable masks a secret's parsed parts: a value a script set may be a known secret too.
    if (secrets.length || this.uses.has('jsonVariable')) core.splice(core.indexOf('step'), 0, 'knownSecrets')
    lines.push(`import { ${core.join(', ')} } from '@venomqa/core'`, '')
    lines.push(...secretsReader(secrets))
    lines.push(...variables)
    if (this.uses.has('pmTest')) lines.push(...PM_TEST, '')
    // As `venomqa generate` writes its dependent journeys: a folder's requests run in the order it gives
    // them, each on what the ones before did (a token, an id a script set). The steps after a failed one
    // would fail for its reason and bury it under their own errors.
    const options = [`tags: ['postman']`, 'failFast: true']
    if (folder?.name) options.unshift(`description: ${quote(folder.name)}`)
    lines.push(`export default journey(${quote(this.name)}, {`, ...options.map((o) => `  ${o},`), '  steps: [', ...steps.map((s) => `${indentBy(s, '    ')},`), '  ],', '})', '')
    return lines.join('\n')
  }

  /** The environment variables this file reads, each with what it stands for. */
  private secretEnvs(): SecretEnv[] {
    return [...this.readsEnv].map((name) => ({ name, standsFor: this.scope.secrets.standsFor(name) }))
  }

  private variablesBlock(): string[] {
    // A secret is a getter: read when a step uses it, so that an unset one fails that step, not the file's loading.
    const entries = [...this.values]
      .filter(([k]) => k !== this.base?.name)
      .map(([k, v]) => {
        const code = this.variableCode(k, v)
        return code === undefined ? `${propertyKey(k)}: ${literal(v, '  ', 120)}` : `get ${propertyKey(k)}() { return ${code} }`
      })
    return [
      '// The collection variables, then the environment values, which win. Scripts set theirs in ctx.',
      `const variables: Record<string, unknown> = ${entries.length ? `{\n${entries.map((e) => `  ${e},`).join('\n')}\n}` : '{}'}`,
      '',
      '/** A Postman variable: what a script set during the run, else its value above. Postman variables have no type. */',
      'const variable = (ctx: Context, name: string): any => (ctx.has(name) ? ctx.get(name) : variables[name])',
      // Scripts read `variable` and may test it for undefined; a request that would send one fails instead.
      ...(this.uses.has('sentVariable')
        ? [
            '',
            '/** A Postman variable a request sends. With no value, the step fails here: Postman would send the text "{{name}}", JavaScript "undefined". */',
            'function sentVariable(ctx: Context, name: string): any {',
            '  const value = variable(ctx, name)',
            '  if (value === undefined)',
            '    throw Object.assign(',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
            "      new Error(`the Postman variable {{${name}}} has no value: no script set it (did the request that sets it fail?), and neither the collection nor the environment given to venomqa import defines it`),",
            // The run's advice for it, which was the generic one for a crashed action.
            `      { suggestion: \`{{\${name}}} needs a value: ${templateText(valueAdvice(this.scope.collectionFile))}, or set it in a script of an earlier request.\` },`,
            '    )',
            '  return value',
            '}',
          ]
        : []),
      ...(this.uses.has('jsonVariable') ? ['', ...JSON_VARIABLE] : []),
      ...(this.uses.has('jsonKey') ? ['', ...JSON_KEY] : []),
    ]
  }

  /**
   * The code for a variable's value when it must not be written: `fromEnvironment('X')` for a secret
   * variable, a template for a value holding a credential (`https://user:pass@host`). Undefined: write it as it is.
   */
  private variableCode(key: string, value: unknown): string | undefined {
    if (this.scope.secretVariables.has(key)) return this.envRead(String(value), key, `the Postman variable {{${key}}}`)
    if (typeof value !== 'string') return undefined
    const pieces = credentialSpans(value).map((span) =>
      span.secret ? { code: this.envRead(span.text, span.label ?? key, `${span.label ? `the ${span.label}` : 'a credential'} in the Postman variable {{${key}}}`) } : { text: span.text },
    )
    return pieces.some((p) => 'code' in p) ? asTemplate(pieces) : undefined
  }

  /** `fromEnvironment('NAME')` for a secret value, its name remembered for the header and the output. */
  private envRead(value: string, key: string, standsFor: string): string {
    const name = this.scope.secrets.name(value, key, standsFor)
    this.readsEnv.add(name)
    return secretRead(name)
  }

  private step(request: Request, folders: Folder[]): string {
    const name = this.stepName(snakeCase(request.name, 'request'))
    this.stepNow = name
    this.requestNow = request.name
    const scripts: OwnedScript[] = [
      ...this.collection.root.scripts.map((script) => ({ script, owner: 'collection' as const })),
      ...folders.flatMap((folder) => folder.scripts.map((script) => ({ script, owner: folder }))),
      ...request.scripts.map((script) => ({ script })),
    ]
    // The step's scripts share its body: one that names `log` itself would clash with the step's log.
    const logTaken = scripts.some((s) => scriptNames(s.script.lines.join('\n'), 'log'))
    const pre = this.scripts(scripts.filter((s) => s.script.listen === 'prerequest'), 'prerequest', logTaken)
    const tests = this.scripts(scripts.filter((s) => s.script.listen === 'test'), 'test', logTaken)
    const call = this.call(request, this.auth(request, folders))
    const statuses = tests.flatMap((t) => t.statuses)
    const usesCtx = /\bctx\b/.test([call, ...pre.flatMap((t) => t.lines), ...tests.flatMap((t) => t.lines)].join('\n'))
    const usesPm = [...pre, ...tests].some((t) => t.uses.has('pmTest'))
    const head = `step(${quote(name)}, `
    const notes = this.notes.splice(0)
    const leftOut = [...notes, ...pre.flatMap((t) => t.lines), ...tests.flatMap((t) => t.lines)].filter((l) => l.trimStart().startsWith(NOT_TRANSLATED)).length
    // A script that names `log` itself has the step's logger under another name.
    const logName = logTaken ? 'stepLog' : 'log'
    const usesLog = [...pre, ...tests].some((t) => t.uses.has('log')) || leftOut > 0
    const params = `{ ${['http', ...(usesCtx ? ['ctx'] : []), ...(usesLog ? [logTaken ? `log: ${logName}` : 'log'] : [])].join(', ')} }`
    if (!pre.length && !tests.length && !notes.length) return `${head}(${params}) => ${call})`
    const body = [...this.leftOutWarning(leftOut, logName), ...(usesPm ? ['const pmTests = postmanTests()'] : []), ...notes, ...this.join(pre)]
    if (tests.length || usesPm) body.push(`const res = await ${call}`, ...this.join(tests))
    if (usesPm) body.push('pmTests.failIfAnyFailed()')
    // A test that asserts a 4xx or 5xx status has checked it: returning the response would fail the step.
    if (!tests.length && !usesPm) body.push(`return ${call}`)
    else if (!statuses.some((s) => s >= 400)) body.push('return res')
    return `${head}async (${params}) => {\n${indentBy(body.join('\n'), '  ')}\n})`
  }

  /**
   * What the import left out of a step, said at each run of it: the comments in the file say nothing when
   * the journey passes in CI. A warning, not a failure: a check left out fails on its own (postmanTests).
   */
  private leftOutWarning(lines: number, logName: string): string[] {
    if (!lines) return []
    const count = lines === 1 ? '1 line of this step was' : `${lines} lines of this step were`
    return [`${logName}.warn(${quote(`${count} not translated by venomqa import and ${lines === 1 ? 'does' : 'do'} not run: see "${NOT_TRANSLATED}" in ${this.journeyFile}`)})`]
  }

  private note(what: string, line: string): void {
    this.notes.push(`${NOT_TRANSLATED} ${commentText(`${what}: ${line}`)}`)
    this.leftover(what, this.stepNow, line)
  }

  private scripts(scripts: OwnedScript[], phase: 'prerequest' | 'test', logTaken: boolean): ScriptTranslation[] {
    const what = phase === 'prerequest' ? 'pre-request script' : 'test script'
    return scripts.map(({ script, owner }) => {
      const t = translateScript(script.lines.join('\n'), phase, { logTaken, from: owner && sharedScript(owner, phase) })
      for (const u of t.uses) this.uses.add(u)
      for (const line of t.untranslated) this.leftover(what, owner === undefined ? this.stepNow : owner === 'collection' ? undefined : owner, line)
      return t
    })
  }

  /**
   * The scripts of one step, each in a block of its own when it declares a name an earlier one did, or in
   * a function of its own when it has a `return`: in Postman that ends the script, and in the step's body
   * it would end the step, its request unsent or its failed tests unreported.
   */
  private join(translations: ScriptTranslation[]): string[] {
    const declared = new Set<string>()
    return translations.flatMap((t) => {
      const clash = t.declared.some((d) => declared.has(d))
      for (const d of t.declared) declared.add(d)
      const inner = t.lines.map((l) => `  ${l}`)
      if (t.returns) return ['await (async () => {', ...inner, '})()']
      return clash ? ['{', ...inner, '}'] : t.lines
    })
  }

  /** `http.post(url, { headers, json })` for the request. */
  private call(request: Request, auth: { auth: Auth; owner: string } | undefined): string {
    const options: string[] = []
    const headers: Record<string, string> = {}
    const body = this.body(request.body)
    for (const h of request.headers) {
      // The client sets the JSON content type itself for a json body.
      if (h.key.toLowerCase() === 'content-type' && /json/i.test(h.value) && body?.startsWith('json:')) continue
      headers[h.key] = this.template(h.value, 'header', this.secretHeader(h.key, h.value))
    }
    Object.assign(headers, this.authHeaders(auth))
    if (Object.keys(headers).length) options.push(`headers: ${literal(headers, '', 160, (s) => s)}`)
    if (body) options.push(body)
    const url = this.url(request.url, this.authQuery(auth))
    const method = request.method.toLowerCase()
    const known = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method)
    const args = [url, ...(options.length ? [`{ ${options.join(', ')} }`] : [])].join(', ')
    return known ? `http.${method}(${args})` : `http.request(${quote(request.method)} as never, ${args})`
  }

  /** A header whose name says it carries a credential (Authorization, X-API-Key, Cookie, X-Secret-Token, X-Client-Key...). */
  private secretHeader(name: string, value: string): WholeSecret | undefined {
    if (!isSecretHeader(name)) return undefined
    const whole: WholeSecret = { key: name, standsFor: `the ${name} header of request "${this.requestNow}"` }
    // `lang={{lang}}; sid={{sid}}`: the literal `lang=` and `; sid=` are no secret to read from the environment.
    if (name.toLowerCase() === 'cookie' && value.includes('{{')) whole.cookies = true
    return whole
  }

  /** The URL, relative to the base URL's variable, with `query` (an API key's `key=value`) appended. */
  private url(raw: string, query: Piece[] = []): string {
    const trimmed = raw.trim()
    const prefix = this.base ? `{{${this.base.name}}}` : undefined
    const rest = prefix && trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) || '/' : trimmed
    if (!query.length) return this.template(rest, 'URL')
    // The query ends where a `#fragment` starts: the parameter goes before it, as Postman puts it.
    const hash = rest.indexOf('#')
    const path = hash < 0 ? rest : rest.slice(0, hash)
    const fragment = hash < 0 ? '' : rest.slice(hash)
    const separator = !path.includes('?') ? '?' : /[?&]$/.test(path) ? '' : '&'
    return asTemplate([...this.pieces(path, 'URL'), { text: separator }, ...query, ...this.pieces(fragment, 'URL')])
  }

  /**
   * A `{{var}}` text as a string literal, or a template literal reading the variables and the secrets'
   * environment variables. `whole`: the text's literal parts are a secret (a credential, a secret header).
   */
  private template(text: string, what: string, whole?: WholeSecret): string {
    const pieces = this.pieces(text, what, whole)
    return pieces.some((p) => 'code' in p) ? asTemplate(pieces) : quote(text)
  }

  /** The inside of a template literal (no backticks) for a `{{var}}` text. */
  private templateInner(text: string, what: string, whole?: WholeSecret): string {
    return templateOf(this.pieces(text, what, whole))
  }

  /** The text as one expression: a single variable read alone, else a template or a string literal. */
  private expression(text: string, what: string, whole?: WholeSecret): string {
    const pieces = this.pieces(text, what, whole)
    const only = pieces.length === 1 ? pieces[0]! : undefined
    return only && 'code' in only ? only.code : this.template(text, what, whole)
  }

  /** The text cut into its literal parts and its `{{var}}` reads; secrets among the literals read from the environment. */
  private pieces(text: string, what: string, whole?: WholeSecret): Piece[] {
    const out: Piece[] = []
    let last = 0
    for (const m of text.matchAll(VARIABLE)) {
      out.push(...this.literalPieces(text.slice(last, m.index), what, whole), this.variableRead(m[1]!.trim(), m[0], what))
      last = m.index! + m[0].length
    }
    out.push(...this.literalPieces(text.slice(last), what, whole))
    return out
  }

  /**
   * Literal text as written, except its secrets: all of it (but an auth scheme such as `Bearer `) when
   * it is `whole`ly a secret, else the credentials core's redaction finds in it (`api_key=...`).
   */
  private literalPieces(text: string, what: string, whole: WholeSecret | undefined): Piece[] {
    if (!text) return []
    if (whole?.cookies) return this.cookiePieces(text, whole)
    if (whole) {
      const { before, credential, after } = splitScheme(text)
      if (!credential) return [{ text }]
      return [{ text: before }, { code: this.envRead(credential, whole.key, whole.standsFor) }, { text: after }].filter((p) => !('text' in p) || p.text)
    }
    return credentialSpans(text).map((span) => {
      if (!span.secret) return { text: span.text }
      const standsFor = `${span.label ? `the ${span.label}` : 'a credential'} in the ${what} of request "${this.requestNow}"`
      return { code: this.envRead(span.text, span.label ?? what, standsFor) }
    })
  }

  /**
   * Literal text of a Cookie header between its `{{var}}`s (`a=1; b=`): each cookie's name, its `=` and
   * the `; ` between cookies as written, each literal value read from the environment. Text with no `=`
   * is a value (the rest of the one a variable began, in `{{a}}1`).
   */
  private cookiePieces(text: string, whole: WholeSecret): Piece[] {
    return text.split(/(;\s*)/).flatMap((part, i): Piece[] => {
      if (i % 2 === 1) return [{ text: part }]
      const eq = part.indexOf('=')
      const name = part.slice(0, eq + 1)
      const value = part.slice(eq + 1)
      const read = value.trim() ? [{ code: this.envRead(value, whole.key, `a cookie's value in ${whole.standsFor}`) }] : [{ text: value }]
      return [...(name ? [{ text: name }] : []), ...read].filter((p) => !('text' in p) || p.text)
    })
  }

  private variableRead(name: string, original: string, what: string): Piece {
    if (name.startsWith('$')) {
      const dynamic = DYNAMIC[name]
      if (!dynamic) {
        this.note(what, `${original} (a dynamic variable with no equivalent: the text is sent as is)`)
        return { text: original }
      }
      if (dynamic.uses) this.uses.add(dynamic.uses)
      return { code: dynamic.expr }
    }
    this.uses.add('variable')
    this.uses.add('sentVariable')
    return { code: `sentVariable(ctx, ${quote(name)})` }
  }

  /**
   * A `{{var}}` outside quotes in a JSON body (`"n": {{num}}`). Postman puts the variable's text there,
   * so `42` is sent as a number and `{"x": 1}` as an object: jsonVariable parses it (see JSON_VARIABLE).
   * A dynamic variable is its value as it is (`{{$timestamp}}` is a number).
   */
  private jsonValueRead(reference: string): string {
    const name = reference.slice(2, -2).trim()
    if (name.startsWith('$')) return this.expression(reference, 'body')
    this.uses.add('variable')
    this.uses.add('sentVariable')
    this.uses.add('jsonVariable')
    return `jsonVariable(ctx, ${quote(name)}, ${quote(this.requestNow)})`
  }

  /**
   * A `{{var}}` outside quotes as a key of a JSON body (`{ {{k}}: 1 }`). Postman puts the variable's text
   * there, so a value written with its quotes (`"name"`) makes the key `name`, not `"name"`: jsonKey reads
   * it (see JSON_KEY). Undefined for a dynamic or a secret variable, whose key is its text as a template.
   */
  private jsonKeyRead(reference: string): string | undefined {
    const name = reference.slice(2, -2).trim()
    if (name.startsWith('$') || this.scope.secretVariables.has(name)) return undefined
    this.uses.add('variable')
    this.uses.add('sentVariable')
    this.uses.add('jsonKey')
    return `jsonKey(ctx, ${quote(name)})`
  }

  private body(body: Body | undefined): string | undefined {
    if (!body) return undefined
    if (body.mode === 'raw') {
      if (!body.raw?.trim()) return undefined
      return this.jsonBody(body.raw) ?? `body: ${this.template(body.raw, 'body')}`
    }
    if (body.mode === 'urlencoded')
      return `form: ${literal(Object.fromEntries((body.fields ?? []).map((f) => [f.key, this.template(f.value, 'body', this.secretField(f.key))])), '', 160, (s) => s)}`
    this.note('body', `a ${body.mode} body (not sent: write it by hand)`)
    return undefined
  }

  /**
   * A raw JSON body as `json: {...}`. `{{var}}` inside a string becomes part of a template, in a key too
   * (a computed key); outside a string (`"id": {{todoId}}`) it is sent as the JSON its text is, as Postman
   * sends it. Comments are left out, as Postman leaves them out of a JSON body. Undefined when the text
   * is not JSON.
   */
  private jsonBody(raw: string): string | undefined {
    const { text, names } = markedJson(raw)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
    const restore = (s: string) => s.replace(/@@vq(?:raw)?(\d+)@@/g, (_, n) => names[Number(n)]!)
    // Each string becomes its code here, where its key is known (a secret key's literal is read from the
    // environment); literal() then writes the code in place of a NUL marker no JSON text holds.
    const codes = new Map<string, string>()
    const marked = (expression: string): string => {
      const marker = `\u0000code${codes.size}`
      codes.set(marker, expression)
      return marker
    }
    const code = (s: string, key: string | undefined): string => {
      const whole = /^@@vqraw(\d+)@@$/.exec(s)
      return marked(whole ? this.jsonValueRead(names[Number(whole[1])]!) : this.template(restore(s), 'body', key === undefined ? undefined : this.secretField(key)))
    }
    // A key that is a `{{var}}` outside quotes (`{ {{k}}: 1 }`) is the key its text makes (jsonKeyRead);
    // another with a `{{var}}` in it is computed from the variable's text (`[`${...}`]: 1`); any other is
    // written as it is.
    const keyCode = (k: string) => {
      const whole = /^@@vqraw(\d+)@@$/.exec(k)
      if (whole) {
        const key = this.jsonKeyRead(names[Number(whole[1])]!)
        if (key) return marked(key)
      }
      return /@@vq(?:raw)?\d+@@/.test(k) ? marked(this.template(restore(k), 'body')) : k
    }
    const withCode = (v: unknown, key?: string): unknown => {
      if (typeof v === 'string') return code(v, key)
      if (Array.isArray(v)) return v.map((x) => withCode(x, key))
      if (v && typeof v === 'object') {
        // `{ "name": "password", "value": "..." }`: the value is read from the environment as the pair names it.
        const pairName = secretPairName(v)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [keyCode(k), withCode(x, pairName !== undefined && k === 'value' ? pairName : restore(k))]))
      }
      return v
    }
    return `json: ${literal(withCode(value), '', 140, (s) => codes.get(s), (k) => codes.get(k))}`
  }

  /** A body field whose name says it holds a secret (`password`, `client_secret`, `api_key`). */
  private secretField(key: string): WholeSecret | undefined {
    return isSecretKey(key) ? { key, standsFor: `the "${key}" field in the body of request "${this.requestNow}"` } : undefined
  }

  /** The request's auth, else its nearest folder's, else the collection's, with whose it is (to describe its secrets). */
  private auth(request: Request, folders: Folder[]): { auth: Auth; owner: string } | undefined {
    // `"type": "inherit"` says what no auth says: take the parent's.
    const own = (auth: Auth | undefined) => (auth && auth.type !== 'inherit' ? auth : undefined)
    const requestAuth = own(request.auth)
    if (requestAuth) return { auth: requestAuth, owner: `request "${request.name}"` }
    const folder = [...folders].reverse().find((f) => own(f.auth))
    if (folder?.auth) return { auth: folder.auth, owner: `folder "${folder.name}"` }
    const root = own(this.collection.root.auth)
    return root ? { auth: root, owner: 'the collection' } : undefined
  }

  /** The auth's header. Its credential (token, password, API key) is always read from the environment or a variable. */
  private authHeaders(owned: { auth: Auth; owner: string } | undefined): Record<string, string> {
    if (!owned || owned.auth.type === 'noauth') return {}
    const { auth, owner } = owned
    const field = (key: string) => this.templateInner(String(auth.fields[key] ?? ''), 'auth')
    const secretField = (key: string, name: string, what: string) =>
      this.templateInner(String(auth.fields[key] ?? ''), 'auth', { key: name, standsFor: `the ${what} in the auth of ${owner}` })
    if (auth.type === 'bearer') return { Authorization: `\`Bearer ${secretField('token', 'bearer token', 'bearer token')}\`` }
    if (auth.type === 'basic')
      return { Authorization: `\`Basic \${Buffer.from(\`${field('username')}:${secretField('password', 'basic password', 'basic auth password')}\`).toString('base64')}\`` }
    if (auth.type === 'apikey' && auth.fields.in === 'query') return {} // sent in the URL: see authQuery
    if (auth.type === 'apikey') {
      const header = String(auth.fields.key ?? 'X-API-Key')
      return { [header]: `\`${secretField('value', header, `${header} API key`)}\`` }
    }
    this.note('auth', `${auth.type} auth (not sent: add the header by hand)`)
    return {}
  }

  /** An `apikey` auth with `in: query`: the `key=value` query parameter Postman appends, its value read as a credential. */
  private authQuery(owned: { auth: Auth; owner: string } | undefined): Piece[] {
    if (owned?.auth.type !== 'apikey' || owned.auth.fields.in !== 'query') return []
    const key = String(owned.auth.fields.key ?? 'api_key')
    const value = this.templateInner(String(owned.auth.fields.value ?? ''), 'auth', { key, standsFor: `the ${key} API key in the auth of ${owned.owner}` })
    return [{ text: `${encodeURIComponent(key)}=` }, { code: `encodeURIComponent(\`${value}\`)` }]
  }
}

/** A script of a step, with the collection or the folder it belongs to (none: the request's own). */
interface OwnedScript {
  script: Script
  owner?: 'collection' | Folder
}

/**
 * Where a collection's or a folder's script is, and when Postman runs it: a check of it left out fails
 * each step it runs in, as Postman reports its tests for each request, and the failure says whose it is.
 */
function sharedScript(owner: 'collection' | Folder, phase: 'prerequest' | 'test'): string {
  const script = phase === 'prerequest' ? 'pre-request script' : 'test script'
  const when = phase === 'prerequest' ? 'before' : 'after'
  return owner === 'collection'
    ? `in the collection's ${script}, which Postman runs ${when} every request`
    : `in the ${script} of folder "${owner.name}", which Postman runs ${when} each of its requests`
}

/**
 * The helper for Postman's tests of one step. Postman runs every `pm.test` of a script, and the statements
 * after a failed one: a failure is kept, and the step fails at its end naming each failed test, as
 * Postman's test results list them. One failure is thrown as it was (an assertion's expected and actual
 * stay for the reports). A check the import could not translate counts as failed: it could only pass.
 */
const PM_TEST = [
  "/** Postman's tests of a step: each runs, a failure is kept and the script goes on, as in Postman; failIfAnyFailed() ends the step. */",
  'function postmanTests() {',
  '  const failed: Array<{ name: string; error: unknown }> = []',
  '  let count = 0',
  '  const keep = (name: string, error: unknown) => failed.push({ name, error })',
  '  return {',
  '    test(name: string, checks: () => void): void {',
  '      count++',
  '      try {',
  '        checks()',
  '      } catch (error) {',
  '        keep(name, error)',
  '      }',
  '    },',
  '    /** A legacy `tests[name] = passed`. */',
  '    record(name: string, passed: unknown): void {',
  '      count++',
  "      if (!passed) keep(name, new Error('its condition is false'))",
  '    },',
  "    /** A check left out; `from`: the collection's or a folder's script it is in, which runs in each of its steps. */",
  '    notTranslated(name: string, from?: string): void {',
  '      count++',
  `      keep(from ? \`\${name} (\${from})\` : name, new Error('not translated by venomqa import: write this check by hand where its "${NOT_TRANSLATED}" comment is'))`,
  '    },',
  '    failIfAnyFailed(): void {',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
  '      const lines = failed.map(({ name, error }) => `${name}: ${error instanceof Error ? error.message : String(error)}`)',
  '      const only = failed.length === 1 ? failed[0]!.error : undefined',
  '      if (only instanceof Error) throw Object.assign(only, { message: lines[0] })',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
  "      if (failed.length) throw new Error(`${failed.length} of ${count} tests failed:\\n${lines.map((l) => `  - ${l}`).join('\\n')}`)",
  '    },',
  '  }',
  '}',
]

/**
 * The helper for a `{{var}}` outside quotes as a key of a JSON body: the key Postman's text makes. A value
 * that is JSON text for a string (`"name"`) is that string; any other is taken as the key it reads as
 * (Postman would send it unquoted, which is no JSON, and the key is what the collection meant).
 */
const JSON_KEY = [
  '/** A Postman variable as a key outside quotes in a JSON body: `"name"`, quotes and all, is the key name; other text is the key as it reads. */',
  'function jsonKey(ctx: Context, name: string): string {',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
  '  const text = `${sentVariable(ctx, name)}`',
  `  if (!text.trimStart().startsWith('"')) return text`,
  '  try {',
  '    const parsed: unknown = JSON.parse(text)',
  "    return typeof parsed === 'string' ? parsed : text",
  '  } catch {',
  '    return text',
  '  }',
  '}',
]

/**
 * The helper for a `{{var}}` outside quotes in a JSON body. A value that is not JSON text, or that holds
 * an integer JSON.parse would round, fails the step, naming the variable and the request but never the
 * value (it may be a secret): Postman would send invalid JSON or another number, and sending the text as
 * a string instead would be a different request.
 */
const JSON_VARIABLE = [
  '/** A Postman variable outside quotes in a JSON body: Postman puts its text there, so it is sent as the JSON that text is (42, true, {"x": 1}). */',
  'function jsonVariable(ctx: Context, name: string, request: string): unknown {',
  '  const value = sentVariable(ctx, name)',
  "  if (typeof value !== 'string') return value",
  '  let parsed: unknown',
  '  try {',
  '    parsed = JSON.parse(value)',
  '  } catch {',
  "    throw unsentJson(name, request, 'its value is not JSON (a number, true, false, null, an object or an array)')",
  '  }',
  '  // JSON.parse rounds an integer past 2^53 (9007199254740993 to ...992): the body would send another number.',
  "  if (hasUnsafeInteger(value)) throw unsentJson(name, request, 'its value holds an integer too large for a JavaScript number to send exactly')",
  '  // A secret is masked by its text; once parsed, the body holds its parts (a number, an object\'s strings): masked too.',
  '  if (knownSecrets.has(value)) knownSecrets.add(jsonParts(parsed))',
  '  return parsed',
  '}',
  '',
  'function unsentJson(name: string, request: string, why: string): Error {',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
  '  return new Error(`the Postman variable {{${name}}} is outside quotes in the JSON body of request "${request}", and ${why}: put quotes around {{${name}}} in the body to send it as text`)',
  '}',
  '',
  '/** Whether JSON text holds an integer beyond Number.MAX_SAFE_INTEGER (its strings left out). */',
  'function hasUnsafeInteger(json: string): boolean {',
  String.raw`  const numbers = json.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? []`,
  String.raw`  return numbers.some((n) => /^-?\d+$/.test(n) && !Number.isSafeInteger(Number(n)))`,
  '}',
  '',
  '/** A parsed secret as a body holds it: each string and number in it, and each object or array as compact JSON. */',
  'function jsonParts(value: unknown): unknown[] {',
  "  if (value === null || typeof value !== 'object') return [value]",
  '  return [JSON.stringify(value), ...Object.values(value).flatMap(jsonParts)]',
  '}',
]

/**
 * A raw JSON body with each `{{var}}` replaced by a marker JSON.parse keeps: `@@vqN@@` inside a string,
 * `"@@vqrawN@@"` (a string of its own) outside one; `names` holds the references, in order. Comments
 * outside strings (`// ...`, `/* ... *\/`) are left out, as Postman leaves them out before sending.
 */
function markedJson(raw: string): { text: string; names: string[] } {
  const names: string[] = []
  let text = ''
  let inString = false
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!
    if (ch === '\\' && inString) {
      text += ch + (raw[i + 1] ?? '')
      i++
    } else if (ch === '"') {
      inString = !inString
      text += ch
    } else if (!inString && raw.startsWith('//', i)) {
      const end = raw.indexOf('\n', i)
      i = (end < 0 ? raw.length : end) - 1
    } else if (!inString && raw.startsWith('/*', i)) {
      const end = raw.indexOf('*/', i + 2)
      i = end < 0 ? raw.length : end + 1
    } else if (raw.startsWith('{{', i) && raw.indexOf('}}', i) > i) {
      const end = raw.indexOf('}}', i)
      names.push(raw.slice(i, end + 2))
      text += inString ? `@@vq${names.length - 1}@@` : `"@@vqraw${names.length - 1}@@"`
      i = end + 1
    } else text += ch
  }
  return { text, names }
}

/** Pieces as the inside of a template literal (no backticks). */
function templateOf(pieces: Piece[]): string {
  return pieces.map((p) => ('code' in p ? `\${${p.code}}` : templateText(p.text))).join('')
}

/** Pieces as a template literal. */
function asTemplate(pieces: Piece[]): string {
  return `\`${templateOf(pieces)}\``
}

function indentBy(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n')
}

export { NOT_TRANSLATED }
