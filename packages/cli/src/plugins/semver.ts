/**
 * Just enough semver to check a plugin's `peerDependencies['@venomqa/core']` against the running core:
 * exact versions, x-ranges (`1.x`, `1.2.*`, `*`), `^`, `~`, comparators (`>=1.2 <2`), hyphen ranges
 * and `||`. A pre-release satisfies a range only through a comparator on the same major.minor.patch
 * that has a pre-release too, as npm does.
 */
interface Version {
  major: number
  minor: number
  patch: number
  pre: (string | number)[]
}

type Op = '<' | '<=' | '>' | '>=' | '='
interface Comparator {
  op: Op
  v: Version
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim())
  if (!m) return undefined
  return { major: +m[1]!, minor: +m[2]!, patch: +m[3]!, pre: m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? +p : p)) : [] }
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1
  if (!a.pre.length || !b.pre.length) return a.pre.length ? -1 : b.pre.length ? 1 : 0
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]
    const y = b.pre[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return 0
}

const v = (major: number, minor: number, patch: number, pre: (string | number)[] = []): Version => ({ major, minor, patch, pre })
/** The lowest version of a release line: `<2.0.0-0` excludes 2.0.0's pre-releases too. */
const floor = (major: number, minor: number, patch: number) => v(major, minor, patch, [0])

interface Partial {
  major?: number
  minor?: number
  patch?: number
  pre: (string | number)[]
}

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL.exec(text)
  if (!m) return undefined
  const num = (s?: string) => (s === undefined || /^[xX*]$/.test(s) ? undefined : +s)
  const major = num(m[1])
  const minor = major === undefined ? undefined : num(m[2])
  const patch = minor === undefined ? undefined : num(m[3])
  return { major, minor, patch, pre: patch !== undefined && m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? +p : p)) : [] }
}

function comparators(op: string, p: Partial): Comparator[] | undefined {
  const { major, minor, patch, pre } = p
  if (major === undefined) return op === '<' || op === '>' ? [{ op: '<', v: floor(0, 0, 0) }] : []
  const lo = v(major, minor ?? 0, patch ?? 0, pre)
  switch (op) {
    case '^': {
      const hi = major > 0 || minor === undefined ? floor(major + 1, 0, 0) : minor > 0 || patch === undefined ? floor(0, minor + 1, 0) : floor(0, 0, patch + 1)
      return [{ op: '>=', v: lo }, { op: '<', v: hi }]
    }
    case '~':
      return [{ op: '>=', v: lo }, { op: '<', v: minor === undefined ? floor(major + 1, 0, 0) : floor(major, minor + 1, 0) }]
    case '':
    case '=':
      if (patch !== undefined) return [{ op: '=', v: lo }]
      return [{ op: '>=', v: lo }, { op: '<', v: minor === undefined ? floor(major + 1, 0, 0) : floor(major, minor + 1, 0) }]
    case '>=':
      return [{ op: '>=', v: lo }]
    case '<':
      return [{ op: '<', v: patch === undefined ? floor(major, minor ?? 0, 0) : lo }]
    case '>':
      if (patch !== undefined) return [{ op: '>', v: lo }]
      return [{ op: '>=', v: minor === undefined ? v(major + 1, 0, 0) : v(major, minor + 1, 0) }]
    case '<=':
      if (patch !== undefined) return [{ op: '<=', v: lo }]
      return [{ op: '<', v: minor === undefined ? floor(major + 1, 0, 0) : floor(major, minor + 1, 0) }]
    default:
      return undefined
  }
}

function parseSet(text: string): Comparator[] | undefined {
  const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(text)
  if (hyphen) {
    const a = parsePartial(hyphen[1]!)
    const b = parsePartial(hyphen[2]!)
    if (!a || !b) return undefined
    return [...(comparators('>=', a) ?? []), ...(comparators('<=', b) ?? [])]
  }
  const out: Comparator[] = []
  // `>= 1.2` is written with a space sometimes: glue operators to their version first.
  const tokens = text.replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1').trim().split(/\s+/).filter(Boolean)
  for (const token of tokens) {
    const m = /^(<=|>=|<|>|=|\^|~>?|)(.*)$/.exec(token)!
    const op = m[1] === '~>' ? '~' : m[1]!
    const p = parsePartial(m[2]!)
    if (!p) return undefined
    const cs = comparators(op, p)
    if (!cs) return undefined
    out.push(...cs)
  }
  return out
}

function test(c: Comparator, x: Version): boolean {
  const d = compareVersions(x, c.v)
  return c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : c.op === '>=' ? d >= 0 : d === 0
}

/**
 * Does `version` satisfy `range`? `workspace:` ranges (a package read inside the monorepo) accept any
 * version for `*`, `^`, `~` and check the rest. An unparsable range throws, naming it.
 */
export function satisfies(version: string, range: string): boolean {
  const x = parseVersion(version)
  if (!x) throw new Error(`"${version}" is not a version`)
  let r = range.trim()
  if (r.startsWith('workspace:')) {
    r = r.slice('workspace:'.length)
    if (r === '*' || r === '^' || r === '~' || r === '') return true
  }
  if (r === '' || r === '*' || r === 'latest') return !x.pre.length
  for (const part of r.split('||')) {
    const set = parseSet(part)
    if (!set) throw new Error(`"${range}" is not a version range`)
    if (!set.every((c) => test(c, x))) continue
    if (!x.pre.length) return true
    if (set.some((c) => c.v.pre.length && c.v.major === x.major && c.v.minor === x.minor && c.v.patch === x.patch && !(c.v.pre.length === 1 && c.v.pre[0] === 0)))
      return true
  }
  return false
}
