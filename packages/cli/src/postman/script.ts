import { STATUS_CODES } from 'node:http'
import { type Node, parse } from 'acorn'
import { KnownSecrets, REDACTED, isSecretKey, looksLikeSecret, redactText } from '@venomqa/core'
import { commentText, quote } from '../codegen'
import { credentialSpans } from './secrets'

/**
 * Translate a Postman script (pre-request or test) into the body of a VenomQA step. The script is parsed
 * (acorn), and each statement is translated as a whole or not at all: a statement this translator does
 * not know is kept as `// venomqa import: not translated: <line>` comments and reported, never dropped.
 *
 * What it knows: `pm.collectionVariables`, `pm.environment`, `pm.globals` and `pm.variables` get, set,
 * unset and has (all of them one context: `ctx`); `pm.response.json()`, `.text()`, `.code`,
 * `.headers.get(name)`; `pm.response.to.have.status(n)`, `.to.be.ok`, `.to.be.success`, `.to.have.header(h)`;
 * `pm.test(name, fn)`; `pm.expect(x)` chains (eql, equal, ok, true, false, null, undefined, exist, empty,
 * a/an, above, below, least, most, include, property, lengthOf, oneOf, match, with `not`); the legacy
 * `tests[name] = cond`, `responseBody` and `responseCode.code`; `console.log`, `.info`, `.warn`, `.error`
 * and `.debug`, as the step's `log`. Code without any of these is copied as is.
 */

export const NOT_TRANSLATED = '// venomqa import: not translated:'

export interface ScriptTranslation {
  /** Lines of TypeScript, unindented. */
  lines: string[]
  /** Source lines left as comments. */
  untranslated: string[]
  /** Names declared at the top level (to keep two scripts of one step apart). */
  declared: string[]
  /** Statuses the tests assert: `pm.response.to.have.status(n)`, `pm.expect(pm.response.code).to.eql(n)`... */
  statuses: number[]
  /** Helpers and core exports the lines use. */
  uses: Set<string>
  /** The script has a `return` outside any function: it ends the script, which the step must not end with. */
  returns?: true
}

/**
 * Globals of the Postman sandbox: an expression without any of them is plain JavaScript, copied as is.
 * `console` among them: copied, a script's `console.log(token)` would print the token raw at run time.
 */
const SANDBOX = new Set(['pm', 'postman', 'tests', 'responseBody', 'responseCode', 'responseHeaders', 'responseTime', 'request', 'console'])
/**
 * The libraries the Postman sandbox gives a script as globals (lodash as `_`, moment, cheerio...), and
 * `require` of its modules. Node has none of them: copied, the line would fail at run time with a
 * ReferenceError, so a statement using one is not translated. A name the script declares at its top
 * level is its own everywhere; one a statement declares (`items.map((_, i) => i)`, `catch (_)`) is its
 * own in that statement only: another statement's `_.get(...)` is still lodash's.
 */
const SANDBOX_LIBRARIES = ['_', 'moment', 'xml2Json', 'cheerio', 'CryptoJS', 'tv4', 'require']
/** The console methods the step's `log` has a level for; the run masks what goes through it, as every report does. */
const LOG_LEVELS = new Map([
  ['log', 'info'],
  ['info', 'info'],
  ['debug', 'debug'],
  ['warn', 'warn'],
  ['error', 'error'],
])
const SCOPES = new Set(['collectionVariables', 'environment', 'globals', 'variables'])
/** Chai's words that compare a number: after a `lengthOf` chain, they compare the length. */
const COMPARISONS = new Set(['above', 'gt', 'greaterThan', 'below', 'lt', 'lessThan', 'least', 'gte', 'most', 'lte'])
const LENGTH_WORDS = new Set(['lengthOf', 'length'])
const FILLERS = new Set(['to', 'be', 'been', 'is', 'that', 'which', 'and', 'has', 'have', 'with', 'at', 'of', 'same', 'does', 'still', 'deep'])

class Untranslatable extends Error {
  constructor(
    why: string,
    /** String literals of the statement to mask where it is kept as a comment: secrets redaction cannot tell by their form or their key. */
    readonly secrets: readonly Node[] = [],
  ) {
    super(why)
  }
}
const no = (why = 'unknown', secrets: readonly Node[] = []): never => {
  throw new Untranslatable(why, secrets)
}

export interface TranslateOptions {
  /** A script of the step names `log` itself: `log.info(...)` would be its, so console calls are not translated. */
  logTaken?: boolean
  /** The script is the collection's or a folder's (`in the collection's test script, which ...`): a check left out says so. */
  from?: string
}

/**
 * The names the journey file gives its own things, in a step (its response, client, ctx and tests) and
 * at its top (the helpers and imports the steps call). None is a global of the Postman sandbox, so a
 * script that names one means a variable of its own: see ownNamesApart.
 */
const JOURNEY_NAMES = new Set([
  'res',
  'http',
  'ctx',
  'pmTests',
  'postmanTests',
  'variables',
  'variable',
  'sentVariable',
  'jsonVariable',
  'jsonKey',
  'unsentJson',
  'hasUnsafeInteger',
  'jsonParts',
  'knownSecrets',
  'secretSources',
  'fromEnvironment',
  'assert',
  'assertEqual',
  'assertStatus',
  'deepEqual',
  'includesValue',
  'journey',
  'step',
  'randomUUID',
  'STATUS_CODES',
])

const PARSE_OPTIONS = { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true } as const

export function translateScript(source: string, phase: 'prerequest' | 'test', options: TranslateOptions = {}): ScriptTranslation {
  const out: ScriptTranslation = { lines: [], untranslated: [], declared: [], statuses: [], uses: new Set() }
  let program: any
  try {
    program = parse(source, PARSE_OPTIONS)
  } catch (err) {
    // A script that does not parse is kept whole: there is no statement to translate. The list of what was
    // not translated says why first, or its lines read as statements this import does not know.
    const why = `the script does not parse (${commentText((err as Error).message)})`
    out.lines.push(`// venomqa import: ${why}`)
    out.untranslated.push(`${why}:`)
    for (const line of source.split('\n')) if (line.trim()) out.lines.push(keep(out, line))
    // Its checks, left out, could only pass.
    if (/\bpm\s*\.\s*(?:test|expect|response\s*\.\s*to)\b|\btests\s*\[/.test(source)) {
      out.uses.add('pmTest')
      out.lines.push(`pmTests.notTranslated(${[quote('the checks of a script that does not parse'), ...(options.from ? [quote(options.from)] : [])].join(', ')})`)
    }
    return out
  }
  if (returnsAtTopLevel(program)) out.returns = true
  const sandbox = new Set([...SANDBOX, ...SANDBOX_LIBRARIES.filter((name) => !declaresAtTopLevel(program, name))])
  const t = new Translator(source, phase, out, options.logTaken === true, sandbox, options.from, ownNamesApart(program))
  out.lines.push(...t.statements(program.body))
  for (const node of program.body)
    if (node.type === 'VariableDeclaration') for (const d of node.declarations) if (d.id.type === 'Identifier') out.declared.push(d.id.name)
  return out
}

/** A change to a script's text: what to write from `start` to `end` in its place. */
interface Rename {
  start: number
  end: number
  text: string
}

/**
 * The renames that give each variable of a script's own that has the name of one of the journey's
 * (JOURNEY_NAMES: `const res = pm.response.json()`, `const pmTests = []`) the name `own` and that name
 * (`ownRes`), every place it is named: in the step's body it would redeclare the journey's, a
 * SyntaxError, or hide it from the lines the import writes there (`res.json()` for `pm.response.json()`).
 * A shorthand property keeps its key (`{ res }` is `{ res: ownRes }`). What is kept as a comment, and
 * the labels of assertions, show the script as written.
 */
function ownNamesApart(program: Node): Rename[] {
  const named = new Set<string>()
  anyNode(program, (n) => {
    if (n.type === 'Identifier') named.add(n.name)
    return false
  })
  const renamed = new Map<string, string>()
  for (const name of named) {
    if (!JOURNEY_NAMES.has(name)) continue
    let own = `own${name[0]!.toUpperCase()}${name.slice(1)}`
    for (let i = 2; named.has(own) || JOURNEY_NAMES.has(own); i++) own = `own${name[0]!.toUpperCase()}${name.slice(1)}${i}`
    renamed.set(name, own)
  }
  const edits: Rename[] = []
  if (!renamed.size) return edits
  anyNode(program, (n, parent, key) => {
    if (n.type !== 'Identifier' || !renamed.has(n.name)) return false
    const own = renamed.get(n.name)!
    if (parent?.type === 'Property' && parent.shorthand) {
      // One node stands for both the key and the value: written once, as `key: own`.
      if (key === 'key') edits.push({ start: n.start, end: n.end, text: `${n.name}: ${own}` })
      return false
    }
    const property = (key === 'property' && parent?.type === 'MemberExpression' && !parent.computed) || (key === 'key' && !parent?.computed)
    if (!property) edits.push({ start: n.start, end: n.end, text: own })
    return false
  })
  return edits.sort((a, b) => b.start - a.start)
}

/** Whether a script names `name` as a variable (not as a property: `console.log` does not name `log`). False when it does not parse. */
export function scriptNames(source: string, name: string): boolean {
  try {
    const program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true })
    return mentions(program, (n) => n === name)
  } catch {
    return false
  }
}

function keep(out: ScriptTranslation, line: string): string {
  // Only shown (in a comment and in the import's output), never run: a credential in it is masked, as the
  // rest of the file reads secrets from the environment.
  const shown = maskedLine(line.trim())
  out.untranslated.push(shown)
  return `${NOT_TRANSLATED} ${commentText(shown)}`
}

/**
 * A line with its credentials masked. A string that names a credential but holds no value
 * (`'api_key='`) is set aside first: redaction would take the code after it (`');`) for the value.
 */
function maskedLine(line: string): string {
  const setAside: string[] = []
  const marked = line.replace(/(['"`])(?:\\.|(?!\1)[^\\])*\1/g, (text) => {
    if (!onlyEmptyValues(text.slice(1, -1))) return text
    setAside.push(text)
    return `\u0000${setAside.length - 1}\u0000`
  })
  return redactText(marked).replace(/\u0000(\d+)\u0000/g, (_, n) => setAside[Number(n)]!)
}

class Translator {
  constructor(
    private readonly source: string,
    private readonly phase: 'prerequest' | 'test',
    private readonly out: ScriptTranslation,
    private readonly logTaken: boolean,
    /** The sandbox's globals the script does not declare at its top level; narrowed per statement (see ownNames). */
    private sandbox: ReadonlySet<string>,
    /** The collection's or a folder's script this is, for a check left out to say (see TranslateOptions). */
    private readonly from: string | undefined,
    /** The script's own names to write apart from the journey's (see ownNamesApart), last first. */
    private readonly renames: readonly Rename[],
  ) {}

  /** Each statement translated, or kept as comments when it cannot be. */
  statements(nodes: any[]): string[] {
    return nodes.flatMap((node) => {
      // A status counts as asserted only if its statement is translated: one kept as a comment checks nothing.
      const statuses = this.out.statuses.length
      try {
        return this.ownNames(node, () => this.statement(node))
      } catch (err) {
        if (!(err instanceof Untranslatable)) throw err
        this.out.statuses.length = statuses
        const kept = this.withoutSecrets(node, err.secrets)
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => keep(this.out, l))
        return this.isCheck(node) ? [...kept, this.checkNotTranslated(node, kept[0]!)] : kept
      }
    })
  }

  /**
   * Whether a statement checks something (`pm.test`, `pm.expect`, `pm.response.to...`, a legacy
   * `tests[...]`): left out, it could only pass, where Postman's check may fail.
   */
  private isCheck(node: Node): boolean {
    return anyNode(node, (n, _parent, key) => {
      if (n.type === 'Identifier' && n.name === 'tests' && this.sandbox.has('tests') && key !== 'property' && key !== 'key') return true
      if (n.type !== 'MemberExpression') return false
      const path = this.calleePath(n)
      return path === 'pm.test' || path === 'pm.expect' || path === 'pm.response.to'
    })
  }

  /** A check kept as comments counts as a failed test, named by its pm.test's name, else by its first line. */
  private checkNotTranslated(node: any, firstKept: string): string {
    this.out.uses.add('pmTest')
    const name = node.type === 'ExpressionStatement' && this.calleePath(node.expression) === 'pm.test' ? node.expression.arguments[0] : undefined
    const label = name?.type === 'Literal' && typeof name.value === 'string' ? maskedLine(name.value) : firstKept.slice(NOT_TRANSLATED.length + 1)
    return `pmTests.notTranslated(${[quote(label), ...(this.from ? [quote(this.from)] : [])].join(', ')})`
  }

  /** Run `translate` with the sandbox's libraries this statement declares itself (a parameter `_`) taken as its own. */
  private ownNames<T>(node: any, translate: () => T): T {
    const outer = this.sandbox
    const own = SANDBOX_LIBRARIES.filter((name) => outer.has(name) && declares(node, name))
    if (!own.length) return translate()
    this.sandbox = new Set([...outer].filter((name) => !own.includes(name)))
    try {
      return translate()
    } finally {
      this.sandbox = outer
    }
  }

  private statement(node: any): string[] {
    if (!this.usesSandbox(node)) return dedent(this.copied(node), this.column(node))
    switch (node.type) {
      case 'ExpressionStatement':
        return this.expressionStatement(node.expression)
      case 'VariableDeclaration':
        return [`${node.kind === 'var' ? 'let' : node.kind} ${node.declarations.map((d: any) => `${this.text(d.id)}${d.init ? ` = ${this.expr(d.init)}` : ''}`).join(', ')}`]
      case 'IfStatement': {
        const lines = [`if (${this.expr(node.test)}) {`, ...indent(this.block(node.consequent))]
        if (!node.alternate) return [...lines, '}']
        if (node.alternate.type === 'IfStatement') {
          const [first, ...rest] = this.statement(node.alternate)
          return [...lines, `} else ${first}`, ...rest]
        }
        return [...lines, '} else {', ...indent(this.block(node.alternate)), '}']
      }
      case 'BlockStatement':
        return ['{', ...indent(this.statements(node.body)), '}']
      case 'ReturnStatement':
        return [node.argument ? `return ${this.expr(node.argument)}` : 'return']
      case 'ForOfStatement':
        return [`for (${this.text(node.left)} of ${this.expr(node.right)}) {`, ...indent(this.block(node.body)), '}']
      // Rebuilt, not copied, when only a console call in it is the sandbox's: a catch often logs the error.
      case 'TryStatement':
        return this.tryStatement(node)
      default:
        return no()
    }
  }

  private tryStatement(node: any): string[] {
    const lines = ['try {', ...indent(this.block(node.block))]
    if (node.handler) lines.push(`} catch${node.handler.param ? ` (${this.text(node.handler.param)})` : ''} {`, ...indent(this.block(node.handler.body)))
    if (node.finalizer) lines.push('} finally {', ...indent(this.block(node.finalizer)))
    return [...lines, '}']
  }

  private block(node: any): string[] {
    return node.type === 'BlockStatement' ? this.statements(node.body) : this.statements([node])
  }

  private expressionStatement(e: any): string[] {
    const path = this.calleePath(e)
    if (path === 'pm.test') return this.pmTest(e)
    // Legacy tests: tests['name'] = condition
    if (e.type === 'AssignmentExpression' && e.left.type === 'MemberExpression' && e.left.object.type === 'Identifier' && e.left.object.name === 'tests') {
      // A test result, as pm.test's: a false one is kept and the script goes on.
      this.out.uses.add('pmTest')
      this.out.statuses.push(...this.comparedStatuses(e.right))
      const name = e.left.computed ? this.expr(e.left.property) : quote(e.left.property.name)
      return [`pmTests.record(${name}, ${this.expr(e.right)})`]
    }
    const parts = this.chainParts(e)
    if (parts) return parts.flatMap((part) => this.expressionStatement(part))
    return [this.expr(e)]
  }

  /**
   * A `pm.expect` chain of several assertions (`.a('string').and.not.empty`) as one chain each, in order:
   * Chai checks each in turn, a `not` holding for the rest of the chain. Undefined for one assertion, and
   * for a chain whose subject changes on the way (`.property('id').that.is.a('string')` checks the
   * property's value), which stays not translated.
   */
  private chainParts(node: any): any[] | undefined {
    const chain = this.expectChain(node)
    if (!chain) return undefined
    const { root, words: links } = chain
    const parts: Array<Array<{ word: string; args?: any[] }>> = []
    let part: Array<{ word: string; args?: any[] }> = []
    let nots = 0
    for (const [i, link] of links.entries()) {
      part.push(link)
      if (link.word === 'not') nots++
      const next = links.slice(i + 1).find((l) => !FILLERS.has(l.word) && l.word !== 'not')
      const lengthChain = LENGTH_WORDS.has(link.word) && !link.args && next !== undefined && COMPARISONS.has(next.word)
      if (FILLERS.has(link.word) || link.word === 'not' || lengthChain) continue
      parts.push(part)
      part = Array.from({ length: nots }, () => ({ word: 'not' }))
    }
    if (parts.length < 2) return undefined
    if (parts.slice(0, -1).some((p) => p.some((l) => l.word === 'property'))) return no()
    const identifier = (name: string) => ({ type: 'Identifier', name })
    return parts.map((words) =>
      words.reduce(
        (object: any, { word, args }) =>
          args
            ? { type: 'CallExpression', callee: { type: 'MemberExpression', object, property: identifier(word), computed: false }, arguments: args }
            : { type: 'MemberExpression', object, property: identifier(word), computed: false },
        root,
      ),
    )
  }

  /** `pm.expect(actual)` and the words after it (`to`, `a('string')`, ...), in order; undefined for anything else. */
  private expectChain(node: any): { root: any; words: Array<{ word: string; args?: any[] }> } | undefined {
    const words: Array<{ word: string; args?: any[] }> = []
    let cur = node
    while (this.calleePath(cur) !== 'pm.expect') {
      if (cur.type === 'CallExpression' && cur.callee.type === 'MemberExpression' && !cur.callee.computed) {
        words.unshift({ word: cur.callee.property.name, args: cur.arguments })
        cur = cur.callee.object
      } else if (cur.type === 'MemberExpression' && !cur.computed) {
        words.unshift({ word: cur.property.name })
        cur = cur.object
      } else return undefined
    }
    return cur.type === 'CallExpression' ? { root: cur, words } : undefined
  }

  private pmTest(call: any): string[] {
    const [name, fn] = call.arguments
    if (!name || !fn || (fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression') || fn.async || fn.params.length) return no()
    this.out.uses.add('pmTest')
    const body = fn.body.type === 'BlockStatement' ? this.statements(fn.body.body) : this.expressionStatement(fn.body)
    return [`pmTests.test(${this.expr(name)}, () => {`, ...indent(body), '})']
  }

  /** An expression: copied when it touches nothing of Postman's, rebuilt around what it does. */
  expr(node: any): string {
    if (!this.usesSandbox(node)) return this.copied(node)
    const known = this.sandboxExpr(node)
    if (known !== undefined) return known
    switch (node.type) {
      case 'MemberExpression':
        return `${this.expr(node.object)}${node.computed ? `${node.optional ? '?.' : ''}[${this.expr(node.property)}]` : `${node.optional ? '?.' : '.'}${node.property.name}`}`
      case 'ChainExpression':
        return this.expr(node.expression)
      case 'CallExpression':
        return `${this.expr(node.callee)}${node.optional ? '?.' : ''}(${node.arguments.map((a: any) => this.expr(a)).join(', ')})`
      case 'BinaryExpression':
      case 'LogicalExpression':
        return `${this.operand(node.left)} ${node.operator} ${this.operand(node.right)}`
      case 'UnaryExpression':
        return `${node.operator}${/^[a-z]/.test(node.operator) ? ' ' : ''}${this.operand(node.argument)}`
      case 'ConditionalExpression':
        return `${this.operand(node.test)} ? ${this.operand(node.consequent)} : ${this.operand(node.alternate)}`
      case 'AssignmentExpression':
        return `${this.expr(node.left)} ${node.operator} ${this.expr(node.right)}`
      case 'TemplateLiteral':
        return `\`${node.quasis.map((q: any, i: number) => q.value.raw + (i < node.expressions.length ? `\${${this.expr(node.expressions[i])}}` : '')).join('')}\``
      case 'ArrayExpression':
        return `[${node.elements.map((el: any) => (el ? this.expr(el) : '')).join(', ')}]`
      case 'ObjectExpression':
        return `{ ${node.properties.map((p: any) => (p.type === 'Property' && !p.computed && p.kind === 'init' && !p.method && !p.shorthand ? `${this.text(p.key)}: ${this.expr(p.value)}` : no())).join(', ')} }`
      case 'ArrowFunctionExpression':
      case 'FunctionExpression': {
        if (node.async || node.generator) return no()
        const params = `(${node.params.map((p: any) => this.text(p)).join(', ')})`
        if (node.body.type !== 'BlockStatement') return `${params} => ${this.expr(node.body)}`
        return `${params} => {\n${indent(this.statements(node.body.body)).join('\n')}\n}`
      }
      default:
        return no()
    }
  }

  private operand(node: any): string {
    const text = this.expr(node)
    return /^(BinaryExpression|LogicalExpression|ConditionalExpression|AssignmentExpression|ArrowFunctionExpression)$/.test(node.type) ? `(${text})` : text
  }

  /** The forms of the Postman sandbox this translator knows, or undefined to rebuild the node from its parts. */
  private sandboxExpr(node: any): string | undefined {
    const path = this.calleePath(node)
    const args: any[] = node.type === 'CallExpression' ? node.arguments : []
    const scope = path?.match(/^pm\.(\w+)\.(get|set|unset|has)$/)
    if (scope && SCOPES.has(scope[1]!)) {
      const key = args[0] ? this.expr(args[0]) : no()
      this.out.uses.add('variable')
      if (scope[2] === 'get') return `variable(ctx, ${key})`
      // `pm.environment.set('password', 'hunter2')`: a secret by the name it is set under, written in the
      // script, which no form tells (holdsCredential sees the value alone): kept out of the file as well.
      if (scope[2] === 'set' && setsWrittenSecret(args)) no('it holds a credential', [args[1]])
      if (scope[2] === 'set') return `ctx.set(${key}, ${args[1] ? this.expr(args[1]) : 'undefined'})`
      if (scope[2] === 'unset') return `ctx.delete(${key})`
      return `(variable(ctx, ${key}) !== undefined)`
    }
    if (path === 'pm.expect') return no('pm.expect without an assertion')
    if (path?.startsWith('pm.response') || path === 'responseBody' || path?.startsWith('responseCode') || path?.startsWith('responseHeaders')) {
      if (this.phase !== 'test') return no('the response exists only in test scripts')
      return this.response(node, path, args)
    }
    if (path === 'console' || path?.startsWith('console.')) return this.consoleCall(node, path, args)
    const asserted = this.expectation(node)
    if (asserted !== undefined) return asserted
    // pm.sendRequest, setNextRequest, pm.info, pm.cookies, pm.iterationData, require(...): nothing to map them to.
    if (node.type === 'Identifier' || path !== undefined) return no()
    return undefined
  }

  private response(node: any, path: string, args: any[]): string {
    switch (path) {
      case 'pm.response.json':
        return node.type === 'CallExpression' ? 'res.json()' : no()
      case 'pm.response.text':
        return node.type === 'CallExpression' ? 'res.text()' : no()
      case 'responseBody':
        return 'res.bodyText'
      case 'pm.response.code':
      case 'responseCode.code':
        return 'res.status'
      // Postman's `status` is the reason phrase (`'Not Found'`), the code's text in Node's table too.
      case 'pm.response.status':
        this.out.uses.add('STATUS_CODES')
        return "(STATUS_CODES[res.status] ?? '')"
      case 'pm.response.headers.get':
      case 'responseHeaders':
        if (path === 'responseHeaders') return 'res.headers'
        return args[0]?.type === 'Literal' && typeof args[0].value === 'string' ? `res.headers[${quote(args[0].value.toLowerCase())}]` : `res.headers[String(${this.expr(args[0] ?? no())}).toLowerCase()]`
      case 'pm.response.to.have.status': {
        const status = statusArgument(args[0])
        this.out.uses.add('assertStatus')
        this.out.statuses.push(status)
        return `assertStatus(res, ${status})`
      }
      case 'pm.response.to.have.header': {
        this.out.uses.add('assert')
        const name = args[0]?.type === 'Literal' && typeof args[0].value === 'string' ? args[0].value.toLowerCase() : no()
        return `assert(res.headers[${quote(name)}] !== undefined, ${quote(`the response has a ${name} header`)})`
      }
      default:
        return this.statusProperty(path) ?? no()
    }
  }

  /**
   * Chai-Postman's status properties: `pm.response.to.be.notFound` (one status) and
   * `pm.response.to.be.clientError` (a class). A 4xx or 5xx one counts as asserting that status (see
   * ScriptTranslation.statuses; a class by its first status), as `to.have.status(404)` does: listed as not
   * translated, a negative test's step failed on the very answer its test expected.
   */
  private statusProperty(path: string): string | undefined {
    const name = /^pm\.response\.to\.be\.(\w+)$/.exec(path)?.[1]
    if (name === undefined) return undefined
    const status = Object.hasOwn(STATUS_OF, name) ? STATUS_OF[name] : undefined
    if (status !== undefined) {
      this.out.uses.add('assertStatus')
      this.out.statuses.push(status)
      return `assertStatus(res, ${status})`
    }
    const range = Object.hasOwn(STATUS_CLASS, name) ? STATUS_CLASS[name] : undefined
    if (range === undefined) return undefined
    const [from, to, what] = range
    this.out.uses.add('assert')
    if (from >= 400) this.out.statuses.push(from)
    return `assert(res.status >= ${from} && res.status < ${to}, \`expected ${what} status, got \${res.status}\`)`
  }

  /**
   * `console.log(...)` as the step's `log.info(message, data)`. A first argument that is text is the
   * message, and what follows the data (one value, or an array of them); otherwise the arguments' source
   * is the message and their values the data, so that the log masks them by key. Any other use of
   * `console` (`console.table`, a spread, `console.log` passed as a value) is not translated: copied, it
   * would print unmasked.
   */
  private consoleCall(node: any, path: string, args: any[]): string {
    const level = LOG_LEVELS.get(path.slice('console.'.length))
    if (node.type !== 'CallExpression' || !level || this.logTaken || args.some((a) => a.type === 'SpreadElement')) return no('a console call the step log has no equivalent for')
    this.out.uses.add('log')
    const [first, ...rest] = args
    const message = first === undefined ? "''" : isText(first) ? this.expr(first) : quote(args.map((a) => this.written(a)).join(', '))
    const values = first === undefined || isText(first) ? rest : args
    const data = values.length > 1 ? `[${values.map((a) => this.expr(a)).join(', ')}]` : values.length ? this.expr(values[0]) : undefined
    return `log.${level}(${message}${data === undefined ? '' : `, ${data}`})`
  }

  /** `pm.expect(actual).to.<words>.<assertion>(args)` as a core assertion. */
  private expectation(node: any): string | undefined {
    const chain = this.expectChain(node)
    if (!chain?.words.length) return undefined
    const { root: cur, words } = chain
    const actualNode = cur.arguments[0] ?? no()
    // Chai's `lengthOf` (or `length`) read as a property, not called, makes the length what a comparison
    // after it compares: `.to.have.lengthOf.at.least(1)`.
    const words0 = words.filter((w) => !FILLERS.has(w.word) && w.word !== 'not')
    const ofLength = words0.length === 2 && LENGTH_WORDS.has(words0[0]!.word) && !words0[0]!.args && COMPARISONS.has(words0[1]!.word)
    if (ofLength) words.splice(words.indexOf(words0[0]!), 1)
    const operand = this.operand(actualNode)
    const actual = !ofLength ? operand : /^(Identifier|MemberExpression|CallExpression|ArrayExpression|Literal|TemplateLiteral)$/.test(actualNode.type) ? `${operand}.length` : `(${operand}).length`
    const label = `${this.written(actualNode)}${ofLength ? '.length' : ''}`
    // `pm.expect(x, 'message')`: Chai shows the message when the assertion fails, and so does the step.
    const message = cur.arguments[1] ? this.expr(cur.arguments[1]) : undefined
    const labelled = (text: string) => message ?? quote(text)
    const negate = words.filter((w) => w.word === 'not').length % 2 === 1
    const rest = words.filter((w) => !FILLERS.has(w.word) && w.word !== 'not')
    if (rest.length !== 1) return no()
    const { word, args = [] } = rest[0]!
    if (!negate) this.out.statuses.push(...this.expectedStatuses(actualNode, word, args))
    const arg = (i = 0) => (args[i] ? this.expr(args[i]) : no())
    const check = (condition: string, what: string) => {
      this.out.uses.add('assert')
      return `assert(${negate ? `!(${condition})` : condition}, ${labelled(`${label} ${negate ? 'is not' : 'is'} ${what}`)})`
    }
    const equal = (expected: string) => {
      if (negate) {
        this.out.uses.add('deepEqual')
        return check(`deepEqual(${actual}, ${expected})`, `equal to ${expected}`)
      }
      this.out.uses.add('assertEqual')
      return `assertEqual(${actual}, ${expected}, ${labelled(label)})`
    }
    switch (word) {
      case 'eql':
      case 'eqls':
      case 'equal':
      case 'equals':
      case 'eq':
        return equal(arg())
      case 'true':
      case 'false':
      case 'null':
      case 'undefined':
        return equal(word)
      case 'ok':
        return check(actual, 'truthy')
      case 'exist':
        return check(`${actual} !== undefined && ${actual} !== null`, 'present')
      case 'empty':
        return check(`Object.keys(${actual}).length === 0`, 'empty')
      case 'a':
      case 'an': {
        const type = args[0]?.type === 'Literal' && typeof args[0].value === 'string' ? args[0].value.toLowerCase() : no()
        const test =
          type === 'array' ? `Array.isArray(${actual})` : type === 'null' ? `${actual} === null` : type === 'object' ? `typeof ${actual} === 'object' && ${actual} !== null && !Array.isArray(${actual})` : `typeof ${actual} === ${quote(type)}`
        return check(test, `${word} ${type}`)
      }
      case 'above':
      case 'gt':
      case 'greaterThan':
        return check(`${actual} > ${arg()}`, `above ${arg()}`)
      case 'below':
      case 'lt':
      case 'lessThan':
        return check(`${actual} < ${arg()}`, `below ${arg()}`)
      case 'least':
      case 'gte':
        return check(`${actual} >= ${arg()}`, `at least ${arg()}`)
      case 'most':
      case 'lte':
        return check(`${actual} <= ${arg()}`, `at most ${arg()}`)
      case 'include':
      case 'includes':
      case 'contain':
      case 'contains': {
        // Chai's include is a substring of a string, an item of an array, properties of an object (each
        // compared deep after `deep`): core's includesValue, where `.includes()` was wrong for objects.
        this.out.uses.add('includesValue')
        const deep = words.some((w) => w.word === 'deep')
        return check(`includesValue(${actual}, ${arg()}${deep ? ', true' : ''})`, `including ${arg()}`)
      }
      case 'property':
        if (args.length > 1 && !negate) {
          this.out.uses.add('assertEqual')
          return `assertEqual(${actual}?.[${arg()}], ${arg(1)}, ${labelled(`${label}.${args[0].value ?? 'property'}`)})`
        }
        return check(`${actual}?.[${arg()}] !== undefined`, `having the property ${arg()}`)
      case 'lengthOf':
      case 'length':
        if (negate) return check(`${actual}.length === ${arg()}`, `of length ${arg()}`)
        this.out.uses.add('assertEqual')
        return `assertEqual(${actual}.length, ${arg()}, ${labelled(`${label}.length`)})`
      case 'oneOf':
        return check(`${arg()}.includes(${actual})`, `one of ${arg()}`)
      case 'match':
        return check(`${arg()}.test(${actual})`, `matching ${arg()}`)
      default:
        return no()
    }
  }

  /**
   * The statuses a (not negated) expectation asserts the response has: `pm.expect(pm.response.code)` with
   * eql/equal (one) or oneOf (each listed), and `pm.expect(pm.response.code === 404)` true or ok.
   */
  private expectedStatuses(actualNode: any, word: string, args: any[]): number[] {
    if (this.isStatusCode(actualNode)) {
      if (EQUAL_WORDS.has(word)) return numbers([args[0]])
      if (word === 'oneOf' && args[0]?.type === 'ArrayExpression') return numbers(args[0].elements)
    }
    // `pm.expect(pm.response.status).to.eql('Not Found')`: the status by its reason phrase.
    if (actualNode?.type === 'MemberExpression' && this.calleePath(actualNode) === 'pm.response.status') {
      if (EQUAL_WORDS.has(word)) return reasonStatuses([args[0]])
      if (word === 'oneOf' && args[0]?.type === 'ArrayExpression') return reasonStatuses(args[0].elements)
    }
    return word === 'true' || word === 'ok' ? this.comparedStatuses(actualNode) : []
  }

  /** The statuses a condition compares the response's to: `pm.response.code === 404`, joined by `||`. */
  private comparedStatuses(node: any): number[] {
    if (node.type === 'LogicalExpression' && node.operator === '||') return [...this.comparedStatuses(node.left), ...this.comparedStatuses(node.right)]
    if (node.type !== 'BinaryExpression' || (node.operator !== '===' && node.operator !== '==')) return []
    if (this.isStatusCode(node.left)) return numbers([node.right])
    return this.isStatusCode(node.right) ? numbers([node.left]) : []
  }

  /** `pm.response.code` or the legacy `responseCode.code`. */
  private isStatusCode(node: any): boolean {
    if (node?.type !== 'MemberExpression') return false
    const path = this.calleePath(node)
    return path === 'pm.response.code' || path === 'responseCode.code'
  }

  /** `pm.environment.set` for a call or member chain of plain names, else undefined. */
  private calleePath(node: any): string | undefined {
    let cur = node.type === 'CallExpression' ? node.callee : node
    const parts: string[] = []
    while (cur.type === 'MemberExpression' && !cur.computed) {
      parts.unshift(cur.property.name)
      cur = cur.object
    }
    if (cur.type !== 'Identifier' || !this.sandbox.has(cur.name)) return undefined
    return [cur.name, ...parts].join('.')
  }

  private usesSandbox(node: Node): boolean {
    return mentions(node, (name) => this.sandbox.has(name))
  }

  /**
   * A statement's text with each secret literal in it masked where it stands, however short or common,
   * and its value masked wherever else the statement writes it as core masks a known secret: a word-like
   * or short one as a whole token only, so `pass` leaves `password` whole and `abc` leaves `abcd`, a long
   * one anywhere. Shorter than core remembers (four characters) too: the statement is kept as a comment,
   * where masking a word that is also the value's hides nothing that runs.
   */
  private withoutSecrets(node: Node, secrets: readonly Node[]): string {
    const values = new KnownSecrets({ shortest: 1 })
    values.add(secrets.map((secret) => this.written(secret).slice(1, -1)))
    let text = this.written(node)
    for (const secret of [...secrets].sort((a, b) => b.start - a.start)) {
      const delimiter = this.source[secret.start]
      text = `${text.slice(0, secret.start - node.start)}${delimiter}${REDACTED}${delimiter}${text.slice(secret.end - node.start)}`
    }
    return values.mask(text)
  }

  private text(node: Node): string {
    let text = this.source.slice(node.start, node.end)
    for (const r of this.renames)
      if (r.start >= node.start && r.end <= node.end) text = `${text.slice(0, r.start - node.start)}${r.text}${text.slice(r.end - node.start)}`
    return text
  }

  /** A node's text as the script has it, its own names unchanged: for what is shown, not run. */
  private written(node: Node): string {
    return this.source.slice(node.start, node.end)
  }

  /**
   * Plain JavaScript to copy as it is; but one that holds a credential (`configure({ apiKey: '...' })`) is
   * not copied into a file that gets committed: its statement is kept as a comment, masked, like any the
   * import cannot translate, and the user puts the secret in the environment, as the rest of the file does.
   */
  private copied(node: Node): string {
    if (holdsCredential(node)) no('it holds a credential')
    return this.text(node)
  }

  /** The column a node starts at, to re-indent the lines of code copied as is. */
  private column(node: Node): number {
    return node.start - (this.source.lastIndexOf('\n', node.start - 1) + 1)
  }
}

/**
 * Whether `found` holds for a node anywhere inside `node` (itself included), told each node's parent and
 * the key it sits under there; the walk stops at the first.
 */
function anyNode(node: Node, found: (n: any, parent: any, key: string | undefined) => boolean): boolean {
  const visit = (n: any, parent?: any, key?: string): boolean => {
    if (!n || typeof n.type !== 'string') return false
    if (found(n, parent, key)) return true
    for (const [k, v] of Object.entries(n)) {
      if (Array.isArray(v) ? v.some((c) => visit(c, n, k)) : v && typeof v === 'object' && visit(v, n, k)) return true
    }
    return false
  }
  return visit(node)
}

/** Whether a node names a variable `wanted` accepts anywhere inside it. */
function mentions(node: Node, wanted: (name: string) => boolean): boolean {
  // `x.pm` or `{ pm: 1 }` name a property, not the sandbox.
  return anyNode(node, (n, _parent, key) => n.type === 'Identifier' && wanted(n.name) && key !== 'property' && key !== 'key')
}

/**
 * Whether code holds a credential as written: a string that is one by its form (a JSON Web Token, a
 * Bearer value, a random key), or any string under a secret name (`{ apiKey: '...' }`, `const secret =
 * '...'`, `auth.password = '...'`). Only strings: `const token = data.token` reads one, and is copied.
 */
function holdsCredential(node: Node): boolean {
  const nameOf = (n: any): string | undefined =>
    n?.type === 'Identifier' ? n.name : n?.type === 'Literal' ? String(n.value) : n?.type === 'MemberExpression' && !n.computed ? n.property.name : undefined
  const secretName = (n: any) => {
    const name = nameOf(n)
    return name !== undefined && isSecretKey(name)
  }
  return anyNode(node, (n, parent) => {
    const text =
      n.type === 'Literal' && typeof n.value === 'string'
        ? n.value
        : n.type === 'TemplateLiteral'
          ? n.quasis.map((q: any) => q.value.cooked ?? q.value.raw).join(' ')
          : undefined
    if (text === undefined) return false
    const named =
      (parent?.type === 'Property' && parent.value === n && secretName(parent.key)) ||
      (parent?.type === 'VariableDeclarator' && secretName(parent.id)) ||
      (parent?.type === 'AssignmentExpression' && parent.right === n && secretName(parent.left))
    return named || (looksLikeSecret(text) && !onlyEmptyValues(text))
  })
}

/** Text where redaction finds a credential's name but no value (`'api_key='`, `'?token='`): no secret. */
function onlyEmptyValues(text: string): boolean {
  return redactText(text) !== text && credentialSpans(text).every((span) => !span.secret)
}

/** Whether code declares `name` anywhere inside it: a variable, a function, a class, a parameter, a catch's. */
function declares(node: Node, name: string): boolean {
  return anyNode(node, (n) => bindings(n).includes(name))
}

/** Whether a script has a `return` of its own, outside the functions it defines. */
function returnsAtTopLevel(program: any): boolean {
  const visit = (n: any): boolean => {
    if (!n || typeof n.type !== 'string') return false
    if (n.type === 'ReturnStatement') return true
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type.startsWith('Class')) return false
    return Object.values(n).some((v) => (Array.isArray(v) ? v.some(visit) : v && typeof v === 'object' && visit(v)))
  }
  return program.body.some(visit)
}

/** Whether a script declares `name` among its own top-level statements: then the name is the script's everywhere. */
function declaresAtTopLevel(program: any, name: string): boolean {
  return program.body.some((statement: any) => topLevelNames(statement).includes(name))
}

/** The names a top-level statement declares for the whole script (a function's parameters are its own). */
function topLevelNames(statement: any): string[] {
  if (statement.type === 'VariableDeclaration') return statement.declarations.flatMap((d: any) => boundNames(d.id))
  return (statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') && statement.id ? [statement.id.name] : []
}

/** The names one node binds: a declarator's, a function's or class's own name and parameters, a catch's parameter. */
function bindings(n: any): string[] {
  switch (n.type) {
    case 'VariableDeclarator':
      return boundNames(n.id)
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return [...(n.id ? [n.id.name] : []), ...n.params.flatMap(boundNames)]
    case 'ClassDeclaration':
    case 'ClassExpression':
      return n.id ? [n.id.name] : []
    case 'CatchClause':
      return n.param ? boundNames(n.param) : []
    default:
      return []
  }
}

/** The names a pattern binds: `x`, `{ a, b: c }`, `[d, ...e]`, `f = 1`. */
function boundNames(pattern: any): string[] {
  switch (pattern?.type) {
    case 'Identifier':
      return [pattern.name]
    case 'ObjectPattern':
      return pattern.properties.flatMap((p: any) => boundNames(p.type === 'RestElement' ? p.argument : p.value))
    case 'ArrayPattern':
      return pattern.elements.flatMap(boundNames)
    case 'AssignmentPattern':
      return boundNames(pattern.left)
    case 'RestElement':
      return boundNames(pattern.argument)
    default:
      return []
  }
}

const EQUAL_WORDS = new Set(['eql', 'eqls', 'equal', 'equals', 'eq'])

/** The numbers among literal nodes (`404` of `eql(404)`); anything else is left out. */
function numbers(nodes: any[]): number[] {
  return nodes.flatMap((n) => (n?.type === 'Literal' && typeof n.value === 'number' ? [n.value] : []))
}

/** The statuses whose reason phrases the string literals among `nodes` are (`'Not Found'` is 404). */
function reasonStatuses(nodes: any[]): number[] {
  return nodes.flatMap((n) => (n?.type === 'Literal' && typeof n.value === 'string' ? (statusOfReason(n.value) ?? []) : []))
}

/** `(name, value)` of a variable's `set`: a name that is a secret's (`password`, `apiKey`), and a value written out as text. */
function setsWrittenSecret([name, value]: any[]): boolean {
  const written = value?.type === 'Literal' ? typeof value.value === 'string' && value.value !== '' : value?.type === 'TemplateLiteral' && !value.expressions.length
  return written && name?.type === 'Literal' && typeof name.value === 'string' && isSecretKey(name.value)
}

/** An expression that is text as written: a string, a template, or a `+` with one of them. */
function isText(node: any): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string'
  if (node.type === 'TemplateLiteral') return true
  return node.type === 'BinaryExpression' && node.operator === '+' && (isText(node.left) || isText(node.right))
}

function indent(lines: string[]): string[] {
  return lines.flatMap((l) => l.split('\n')).map((l) => (l ? `  ${l}` : l))
}

/** Lines after the first lose the indentation the statement had in the script. */
function dedent(text: string, column: number): string[] {
  return text.split('\n').map((line, i) => (i ? line.replace(new RegExp(`^ {0,${column}}`), '') : line))
}

/** Chai-Postman's properties for one status: `pm.response.to.be.notFound` is a 404. */
const STATUS_OF: Record<string, number> = { ok: 200, accepted: 202, badRequest: 400, unauthorized: 401, forbidden: 403, notFound: 404, rateLimited: 429 }

/** Chai-Postman's properties for a class of statuses: from, up to (not included), and how a failure names it. */
const STATUS_CLASS: Record<string, [number, number, string]> = {
  info: [100, 200, 'a 1xx'],
  success: [200, 300, 'a 2xx'],
  redirection: [300, 400, 'a 3xx'],
  clientError: [400, 500, 'a 4xx'],
  serverError: [500, 600, 'a 5xx'],
  error: [400, 600, 'a 4xx or 5xx'],
}

/**
 * The status `to.have.status(...)` is given: a number, or a reason phrase as Postman takes it (`'Not
 * Found'`), looked up in Node's table of them.
 */
function statusArgument(arg: any): number {
  if (arg?.type === 'Literal' && typeof arg.value === 'number') return arg.value
  if (arg?.type === 'Literal' && typeof arg.value === 'string') return statusOfReason(arg.value) ?? no(`a status text that is no HTTP reason phrase (${arg.value})`)
  return no('a status that is not a number')
}

/** The status whose reason phrase `text` is, in Node's table (`'not found'` too), or undefined. */
function statusOfReason(text: string): number | undefined {
  const wanted = text.trim().toLowerCase()
  const found = Object.entries(STATUS_CODES).find(([, reason]) => reason?.toLowerCase() === wanted)
  return found ? Number(found[0]) : undefined
}
