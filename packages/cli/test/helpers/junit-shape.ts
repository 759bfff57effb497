import { XMLParser, XMLValidator } from 'fast-xml-parser'

/**
 * Check a JUnit report against the shape of the JUnit XSD that Jenkins (junit-10.xsd) and GitLab read:
 * well-formed XML; <testsuites> holding <testsuite> elements with name, tests, failures, errors, time,
 * timestamp (ISO 8601 without zone) and hostname; children in order properties?, testcase*, system-out?,
 * system-err?; each <testcase> with name, classname and time and at most one of failure/error/skipped,
 * or, passing, Surefire's flakyFailure/flakyError, or, failing, Surefire's rerunFailure/rerunError after
 * its failure/error (a retried test, as Playwright writes it); failures and errors with message and type; and counts
 * that agree with the testcases. Returns the
 * problems found (empty when valid) and the parsed document.
 */
export function checkJUnit(xml: string): { problems: string[]; suites: Suite[] } {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) return { problems: [`not well-formed XML: ${valid.err.msg} at line ${valid.err.line}`], suites: [] }
  const problems: string[] = []
  const ordered = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, trimValues: false }).parse(xml) as Ordered[]
  const root = ordered.filter((n) => !('?xml' in n))
  if (root.length !== 1 || !('testsuites' in root[0]!)) problems.push('the root element must be <testsuites>')
  const suitesNode = root[0] as Ordered
  const rootAttrs = attrs(suitesNode)
  const suites: Suite[] = []
  for (const child of children(suitesNode, 'testsuites')) {
    const name = tag(child)
    if (name === '#text') continue
    if (name !== 'testsuite') {
      problems.push(`<testsuites> may only hold <testsuite>, found <${name}>`)
      continue
    }
    suites.push(checkSuite(child, problems))
  }
  const sum = (k: 'tests' | 'failures' | 'errors') => suites.reduce((t, s) => t + s[k], 0)
  for (const k of ['tests', 'failures', 'errors'] as const) {
    if (rootAttrs[k] === undefined) problems.push(`<testsuites> needs ${k}`)
    else if (Number(rootAttrs[k]) !== sum(k)) problems.push(`<testsuites ${k}="${rootAttrs[k]}"> but its suites add up to ${sum(k)}`)
  }
  return { problems, suites }
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> }
export interface Suite {
  name: string
  tests: number
  failures: number
  errors: number
  skipped: number
  /**
   * `flaky`: the texts of its Surefire <flakyFailure>/<flakyError> elements, on a case that passed;
   * `reruns`: those of its <rerunFailure>/<rerunError> elements, on a case that failed.
   */
  cases: { name: string; classname: string; outcome: 'passed' | 'failure' | 'error' | 'skipped'; text: string; flaky: string[]; reruns: string[] }[]
  systemOut: string
}

const tag = (n: Ordered) => Object.keys(n).find((k) => k !== ':@')!
const attrs = (n: Ordered) => n[':@'] ?? {}
const children = (n: Ordered, name: string) => (n[name] as Ordered[]) ?? []
const textOf = (n: Ordered, name: string) =>
  children(n, name)
    .map((c) => (c['#text'] !== undefined ? String(c['#text']) : c.__cdata ? (c.__cdata as Ordered[]).map((x) => String(x['#text'] ?? '')).join('') : ''))
    .join('')

function checkSuite(node: Ordered, problems: string[]): Suite {
  const a = attrs(node)
  const label = `<testsuite name="${a.name}">`
  for (const k of ['name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'hostname']) if (a[k] === undefined) problems.push(`${label} needs ${k}`)
  if (a.timestamp !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(a.timestamp)) problems.push(`${label} timestamp "${a.timestamp}" is not ISO 8601 without zone`)
  for (const k of ['tests', 'failures', 'errors', 'skipped', 'time']) if (a[k] !== undefined && !/^\d+(\.\d+)?$/.test(a[k]!)) problems.push(`${label} ${k}="${a[k]}" is not a number`)
  const order = ['properties', 'testcase', 'system-out', 'system-err']
  let last = -1
  const suite: Suite = { name: a.name ?? '', tests: 0, failures: 0, errors: 0, skipped: 0, cases: [], systemOut: '' }
  for (const child of children(node, 'testsuite')) {
    const name = tag(child)
    if (name === '#text') continue
    const i = order.indexOf(name)
    if (i < 0) problems.push(`${label} may not hold <${name}>`)
    else if (i < last || (i === last && name !== 'testcase')) problems.push(`${label}: <${name}> is out of order or repeated`)
    last = Math.max(last, i)
    if (name === 'properties')
      for (const p of children(child, 'properties')) if (tag(p) === 'property' && (attrs(p).name === undefined || attrs(p).value === undefined)) problems.push(`${label}: <property> needs name and value`)
    if (name === 'system-out') suite.systemOut = textOf(child, 'system-out')
    if (name !== 'testcase') continue
    const ca = attrs(child)
    for (const k of ['name', 'classname', 'time']) if (ca[k] === undefined) problems.push(`${label}: a <testcase> needs ${k}`)
    const outcomes = children(child, 'testcase').filter((c) => ['failure', 'error', 'skipped'].includes(tag(c)))
    if (outcomes.length > 1) problems.push(`${label}: <testcase name="${ca.name}"> has more than one of failure/error/skipped`)
    const o = outcomes[0]
    const outcome = (o ? tag(o) : 'passed') as Suite['cases'][number]['outcome']
    if (o && outcome !== 'skipped') for (const k of ['message', 'type']) if (attrs(o)[k] === undefined) problems.push(`${label}: <${outcome}> needs ${k}`)
    // Maven Surefire's flaky test (Jenkins reads it; Playwright writes it): a passing case whose failures did not repeat.
    const flaky = children(child, 'testcase').filter((c) => tag(c) === 'flakyFailure' || tag(c) === 'flakyError')
    if (flaky.length && o) problems.push(`${label}: <testcase name="${ca.name}"> is flaky and has a <${outcome}> too`)
    const reruns = children(child, 'testcase').filter((c) => tag(c) === 'rerunFailure' || tag(c) === 'rerunError')
    if (reruns.length && (!o || outcome === 'skipped')) problems.push(`${label}: <testcase name="${ca.name}"> has a <${tag(reruns[0]!)}> but no failure or error`)
    const kids = children(child, 'testcase').map(tag)
    if (reruns.length && o && kids.indexOf(tag(reruns[0]!)) < kids.indexOf(outcome)) problems.push(`${label}: <testcase name="${ca.name}">: a rerun element comes before its ${outcome}`)
    for (const f of [...flaky, ...reruns]) {
      for (const k of ['message', 'type']) if (attrs(f)[k] === undefined) problems.push(`${label}: <${tag(f)}> needs ${k}`)
      if (children(f, tag(f)).some((c) => !['stackTrace', 'system-out', 'system-err', '#text'].includes(tag(c)))) problems.push(`${label}: <${tag(f)}> may hold only stackTrace, system-out and system-err`)
    }
    const others = children(child, 'testcase').filter(
      (c) => !['failure', 'error', 'skipped', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError', 'system-out', 'system-err', 'properties', '#text'].includes(tag(c)),
    )
    for (const c of others) problems.push(`${label}: <testcase name="${ca.name}"> may not hold <${tag(c)}>`)
    suite.cases.push({
      name: ca.name ?? '',
      classname: ca.classname ?? '',
      outcome,
      text: o ? textOf(o, outcome) : '',
      flaky: flaky.map((f) => children(f, tag(f)).filter((c) => tag(c) === 'stackTrace').map((c) => textOf(c, 'stackTrace')).join('')),
      reruns: reruns.map((f) => children(f, tag(f)).filter((c) => tag(c) === 'stackTrace').map((c) => textOf(c, 'stackTrace')).join('')),
    })
    suite.tests++
    if (outcome === 'failure') suite.failures++
    if (outcome === 'error') suite.errors++
    if (outcome === 'skipped') suite.skipped++
  }
  for (const k of ['tests', 'failures', 'errors', 'skipped'] as const)
    if (a[k] !== undefined && Number(a[k]) !== suite[k]) problems.push(`${label} says ${k}="${a[k]}" but holds ${suite[k]}`)
  return suite
}
