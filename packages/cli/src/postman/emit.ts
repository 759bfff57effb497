import { kebabCase, literal, quote, snakeCase, templateText, uniqueNamer } from '../codegen'
import type { JourneyFile } from '../journey-files'
import { type Auth, type Body, type Collection, type Folder, type Request, type Script, type Variable, isFolder } from './collection'
import { NOT_TRANSLATED, type ScriptTranslation, translateScript } from './script'

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
}

export interface Imported {
  files: JourneyFile[]
  leftovers: Leftover[]
  /** The variable in front of the URLs, made the run's base URL, and its value (if any). */
  base?: { name: string; value?: string }
  /** Variables a journey reads that only another journey's scripts set: each journey has a context of its own. */
  unshared: Array<{ journey: string; variable: string; setBy: string[] }>
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

export function importCollection(collection: Collection, environment: Variable[] = []): Imported {
  const values = new Map<string, unknown>()
  for (const v of [...collection.variables, ...environment]) values.set(v.key, v.value)
  const baseName = baseVariable(collection.root)
  const base = baseName ? { name: baseName, value: typeof values.get(baseName) === 'string' ? (values.get(baseName) as string) : undefined } : undefined

  const fileName = uniqueNamer('-')
  const journeyName = uniqueNamer()
  const leftovers: Leftover[] = []
  const groups: Array<{ name: string; folders: Folder[]; requests: Array<{ request: Request; folders: Folder[] }> }> = []
  const loose = collection.root.items.filter((i): i is Request => !isFolder(i))
  if (loose.length) groups.push({ name: collection.name, folders: [], requests: loose.map((request) => ({ request, folders: [] })) })
  for (const item of collection.root.items) if (isFolder(item)) groups.push({ name: item.name, folders: [item], requests: flatten(item, [item]) })

  const files = groups
    .filter((g) => g.requests.length)
    .map((g) => {
      const file = `${fileName(kebabCase(g.name, 'requests'))}.journey.ts`
      const writer = new JourneyWriter(collection, values, base?.name, journeyName(snakeCase(g.name, 'requests')), (what, step, line) =>
        leftovers.push({ file, journey: writer.name, step, what, line }),
      )
      return { name: file, content: writer.write(g.folders[0], g.requests) }
    })
  return { files, leftovers, base, unshared: unshared(files, values) }
}

/**
 * In Postman, a folder sees what earlier folders set; a journey starts with a fresh ctx. Find the reads
 * that relied on that, so the user can move those requests together (or set the variable in the journey).
 */
function unshared(files: JourneyFile[], initial: Map<string, unknown>): Imported['unshared'] {
  const names = (text: string, re: RegExp) => new Set([...text.matchAll(re)].map((m) => m[1]!))
  const journeys = files.map((f) => ({
    name: /journey\('([^']+)'/.exec(f.content)?.[1] ?? f.name,
    sets: names(f.content, /ctx\.set\('([^']+)'/g),
    reads: names(f.content, /variable\(ctx, '([^']+)'\)/g),
  }))
  return journeys.flatMap((j) =>
    [...j.reads]
      .filter((v) => !j.sets.has(v) && !initial.has(v))
      .flatMap((variable) => {
        const setBy = journeys.filter((o) => o !== j && o.sets.has(variable)).map((o) => o.name)
        return setBy.length ? [{ journey: j.name, variable, setBy }] : []
      }),
  )
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

class JourneyWriter {
  private readonly uses = new Set<string>()
  private readonly stepName = uniqueNamer()
  private stepNow = ''
  /** What the current step could not translate outside its scripts, to mark in the file. */
  private notes: string[] = []

  constructor(
    private readonly collection: Collection,
    private readonly values: Map<string, unknown>,
    private readonly base: string | undefined,
    readonly name: string,
    private readonly leftover: (what: string, step: string, line: string) => void,
  ) {}

  write(folder: Folder | undefined, requests: Array<{ request: Request; folders: Folder[] }>): string {
    const steps = requests.map(({ request, folders }) => this.step(request, folders))
    return this.file(folder, steps)
  }

  private file(folder: Folder | undefined, steps: string[]): string {
    const core = ['assert', 'assertEqual', 'assertStatus', 'deepEqual', 'journey', 'step'].filter((u) => this.uses.has(u) || u === 'journey' || u === 'step')
    if (this.uses.has('variable')) core.unshift('type Context')
    const lines = [
      `// Imported from the Postman collection "${this.collection.name}"${folder ? `, folder "${folder.name}"` : ''} by venomqa import postman.`,
    ]
    if (this.base)
      lines.push(
        `// Requests to {{${this.base}}} are relative: give the run a base URL (--base-url, or baseUrl in venomqa.config.ts)${typeof this.values.get(this.base) === 'string' ? `; the collection's is ${this.values.get(this.base)}` : ''}.`,
      )
    if (this.uses.has('randomUUID')) lines.push("import { randomUUID } from 'node:crypto'")
    lines.push(`import { ${core.join(', ')} } from '@venomqa/core'`, '')
    if (this.uses.has('variable')) lines.push(...this.variablesBlock(), '')
    if (this.uses.has('pmTest')) lines.push(...PM_TEST, '')
    const options = [`tags: ['postman']`]
    if (folder?.name) options.unshift(`description: ${quote(folder.name)}`)
    lines.push(`export default journey(${quote(this.name)}, {`, ...options.map((o) => `  ${o},`), '  steps: [', ...steps.map((s) => `${indentBy(s, '    ')},`), '  ],', '})', '')
    return lines.join('\n')
  }

  private variablesBlock(): string[] {
    const initial = Object.fromEntries([...this.values].filter(([k]) => k !== this.base))
    return [
      '// The collection variables, then the environment values, which win. Scripts set theirs in ctx.',
      `const variables: Record<string, unknown> = ${literal(initial, '', 120)}`,
      '',
      '/** A Postman variable: what a script set during the run, else its value above. Postman variables have no type. */',
      'const variable = (ctx: Context, name: string): any => (ctx.has(name) ? ctx.get(name) : variables[name])',
    ]
  }

  private step(request: Request, folders: Folder[]): string {
    const name = this.stepName(snakeCase(request.name, 'request'))
    this.stepNow = name
    const scripts = [...this.collectionScripts(), ...folders.flatMap((f) => f.scripts), ...request.scripts]
    const pre = this.scripts(scripts.filter((s) => s.listen === 'prerequest'), 'prerequest')
    const tests = this.scripts(scripts.filter((s) => s.listen === 'test'), 'test')
    const call = this.call(request, this.auth(request, folders))
    const statuses = tests.flatMap((t) => t.statuses)
    const usesCtx = /\bctx\b/.test([call, ...pre.flatMap((t) => t.lines), ...tests.flatMap((t) => t.lines)].join('\n'))
    const params = usesCtx ? '{ http, ctx }' : '{ http }'
    const head = `step(${quote(name)}, `
    const notes = this.notes.splice(0)
    if (!pre.length && !tests.length && !notes.length) return `${head}(${params}) => ${call})`
    const body = [...notes, ...this.join(pre), ...(tests.length ? [`const res = await ${call}`, ...this.join(tests)] : [`return ${call}`])]
    // A test that asserts a 4xx or 5xx status has checked it: returning the response would fail the step.
    if (tests.length && !statuses.some((s) => s >= 400)) body.push('return res')
    return `${head}async (${params}) => {\n${indentBy(body.join('\n'), '  ')}\n})`
  }

  private note(what: string, line: string): void {
    this.notes.push(`${NOT_TRANSLATED} ${what}: ${line}`)
    this.leftover(what, this.stepNow, line)
  }

  private collectionScripts(): Script[] {
    return this.collection.root.scripts
  }

  private scripts(scripts: Script[], phase: 'prerequest' | 'test'): ScriptTranslation[] {
    const what = phase === 'prerequest' ? 'pre-request script' : 'test script'
    return scripts.map((s) => {
      const t = translateScript(s.lines.join('\n'), phase)
      for (const u of t.uses) this.uses.add(u)
      for (const line of t.untranslated) this.leftover(what, this.stepNow, line)
      return t
    })
  }

  /** The scripts of one step, each in a block of its own when it declares a name an earlier one did. */
  private join(translations: ScriptTranslation[]): string[] {
    const declared = new Set<string>()
    return translations.flatMap((t) => {
      const clash = t.declared.some((d) => declared.has(d))
      for (const d of t.declared) declared.add(d)
      return clash ? ['{', ...t.lines.map((l) => `  ${l}`), '}'] : t.lines
    })
  }

  /** `http.post(url, { headers, json })` for the request. */
  private call(request: Request, auth: Auth | undefined): string {
    const options: string[] = []
    const headers: Record<string, string> = {}
    const body = this.body(request.body)
    for (const h of request.headers) {
      // The client sets the JSON content type itself for a json body.
      if (h.key.toLowerCase() === 'content-type' && /json/i.test(h.value) && body?.startsWith('json:')) continue
      headers[h.key] = this.template(h.value, 'header')
    }
    Object.assign(headers, this.authHeaders(auth))
    if (Object.keys(headers).length) options.push(`headers: ${literal(headers, '', 160, (s) => s)}`)
    if (body) options.push(body)
    const url = this.url(request.url)
    const method = request.method.toLowerCase()
    const known = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method)
    const args = [url, ...(options.length ? [`{ ${options.join(', ')} }`] : [])].join(', ')
    return known ? `http.${method}(${args})` : `http.request(${quote(request.method)} as never, ${args})`
  }

  private url(raw: string): string {
    const trimmed = raw.trim()
    const prefix = this.base ? `{{${this.base}}}` : undefined
    const rest = prefix && trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) || '/' : trimmed
    return this.template(rest, 'URL')
  }

  /** A `{{var}}` text as a string literal, or a template literal reading the variables. */
  private template(text: string, what: string): string {
    return /\{\{[^{}]+\}\}/.test(text) ? `\`${this.templateInner(text, what)}\`` : quote(text)
  }

  /** The inside of a template literal (no backticks) for a `{{var}}` text. */
  private templateInner(text: string, what: string): string {
    let out = ''
    let last = 0
    for (const m of text.matchAll(VARIABLE)) {
      out += templateText(text.slice(last, m.index)) + this.variableRead(m[1]!.trim(), m[0], what)
      last = m.index! + m[0].length
    }
    return out + templateText(text.slice(last))
  }

  private variableRead(name: string, original: string, what: string): string {
    if (name.startsWith('$')) {
      const dynamic = DYNAMIC[name]
      if (!dynamic) {
        this.note(what, `${original} (a dynamic variable with no equivalent: the text is sent as is)`)
        return templateText(original)
      }
      if (dynamic.uses) this.uses.add(dynamic.uses)
      return `\${${dynamic.expr}}`
    }
    this.uses.add('variable')
    return `\${variable(ctx, ${quote(name)})}`
  }

  private body(body: Body | undefined): string | undefined {
    if (!body) return undefined
    if (body.mode === 'raw') {
      if (!body.raw?.trim()) return undefined
      return this.jsonBody(body.raw) ?? `body: ${this.template(body.raw, 'body')}`
    }
    if (body.mode === 'urlencoded')
      return `form: ${literal(Object.fromEntries((body.fields ?? []).map((f) => [f.key, this.template(f.value, 'body')])), '', 160, (s) => s)}`
    this.note('body', `a ${body.mode} body (not sent: write it by hand)`)
    return undefined
  }

  /**
   * A raw JSON body as `json: {...}`. `{{var}}` inside a string becomes part of a template; outside a string
   * (`"id": {{todoId}}`) it is the variable's value itself. Undefined when the text is not JSON.
   */
  private jsonBody(raw: string): string | undefined {
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
      } else if (raw.startsWith('{{', i) && raw.indexOf('}}', i) > i) {
        const end = raw.indexOf('}}', i)
        names.push(raw.slice(i, end + 2))
        text += inString ? `@@vq${names.length - 1}@@` : `"@@vqraw${names.length - 1}@@"`
        i = end + 1
      } else text += ch
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
    const restore = (s: string) => s.replace(/@@vq(?:raw)?(\d+)@@/g, (_, n) => names[Number(n)]!)
    const expression = (s: string): string | undefined => {
      const whole = /^@@vqraw(\d+)@@$/.exec(s)
      if (whole) return this.templateInner(names[Number(whole[1])]!, 'body').replace(/^\$\{(.*)\}$/, '$1')
      return s.includes('@@vq') ? this.template(restore(s), 'body') : undefined
    }
    const keysRestored = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(keysRestored) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [restore(k), keysRestored(x)])) : v
    return `json: ${literal(keysRestored(value), '', 140, expression)}`
  }

  private auth(request: Request, folders: Folder[]): Auth | undefined {
    return request.auth ?? [...folders].reverse().find((f) => f.auth)?.auth ?? this.collection.root.auth
  }

  private authHeaders(auth: Auth | undefined): Record<string, string> {
    if (!auth || auth.type === 'noauth') return {}
    const field = (key: string) => this.templateInner(String(auth.fields[key] ?? ''), 'auth')
    if (auth.type === 'bearer') return { Authorization: `\`Bearer ${field('token')}\`` }
    if (auth.type === 'basic') return { Authorization: `\`Basic \${Buffer.from(\`${field('username')}:${field('password')}\`).toString('base64')}\`` }
    if (auth.type === 'apikey' && auth.fields.in !== 'query') return { [String(auth.fields.key ?? 'X-API-Key')]: `\`${field('value')}\`` }
    this.note('auth', `${auth.type} auth (not sent: add the header by hand)`)
    return {}
  }
}

const PM_TEST = [
  '/** pm.test: run the checks; a failure names the test. */',
  'function pmTest(name: string, checks: () => void): void {',
  '  try {',
  '    checks()',
  '  } catch (err) {',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the generated journey
  '    if (err instanceof Error) err.message = `${name}: ${err.message}`',
  '    throw err',
  '  }',
  '}',
]

function indentBy(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n')
}

export { NOT_TRANSLATED }
