import { redactText } from './redact'
import type { Journey, JourneyNode } from './dsl'
import { DefinitionError } from './errors'

/**
 * Checks a journey before anything runs: names, actions, and that every branch names a checkpoint that
 * is declared earlier in its own line or in an enclosing one. Throws one DefinitionError for the first
 * mistake, naming the journey and the step.
 */
export function validateJourney(j: Journey): void {
  if (typeof j.name !== 'string' || !j.name.trim()) throw new DefinitionError(String(j.name), 'a journey needs a non-empty name')
  if (!Array.isArray(j.steps) || j.steps.length === 0) throw new DefinitionError(j.name, 'a journey needs at least one step')
  if (j.timeout !== undefined && !(typeof j.timeout === 'number' && j.timeout > 0))
    throw new DefinitionError(j.name, `timeout must be a positive number of ms, got ${String(j.timeout)}`)
  if (j.retries !== undefined && !(Number.isInteger(j.retries) && j.retries >= 0 && j.retries <= 100))
    throw new DefinitionError(j.name, `retries must be a whole number from 0 to 100, got ${String(j.retries)}`)
  if (j.failFast !== undefined && typeof j.failFast !== 'boolean') throw new DefinitionError(j.name, `failFast must be true or false, got ${String(j.failFast)}`)
  if (j.baseUrl !== undefined) {
    const problem = httpUrlProblem(j.baseUrl)
    if (problem) throw new DefinitionError(j.name, `baseUrl ${problem}`)
  }
  const allCheckpoints = new Set<string>()
  walk(j, j.steps, [], allCheckpoints, 'main line')
}

function walk(j: Journey, nodes: readonly JourneyNode[], visible: string[], all: Set<string>, where: string): void {
  const scope = [...visible]
  /** Checkpoints of this line a branch put it back before, by that branch's checkpoint. */
  const droppedBy = new Map<string, string>()
  const stepNames = new Set<string>()
  nodes.forEach((node, index) => {
    if (!node || typeof node !== 'object' || !('kind' in node))
      throw new DefinitionError(j.name, `item ${index + 1} of the ${where} is not a step, checkpoint or branch (use step(), checkpoint(), branch())`)
    switch (node.kind) {
      case 'step': {
        if (typeof node.name !== 'string' || !node.name.trim())
          throw new DefinitionError(j.name, `step ${index + 1} of the ${where} needs a name`)
        if (typeof node.action !== 'function') throw new DefinitionError(j.name, 'the action is not a function', node.name)
        if (stepNames.has(node.name))
          throw new DefinitionError(j.name, `duplicate step name in the ${where}; step names must differ within a line`, node.name)
        stepNames.add(node.name)
        const o = node.options ?? {}
        if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout > 0))
          throw new DefinitionError(j.name, `timeout must be a positive number of ms, got ${String(o.timeout)}`, node.name)
        if (o.retries !== undefined && !(Number.isInteger(o.retries) && o.retries >= 0 && o.retries <= 100))
          throw new DefinitionError(j.name, `retries must be a whole number from 0 to 100, got ${String(o.retries)}`, node.name)
        break
      }
      case 'checkpoint': {
        if (typeof node.name !== 'string' || !node.name.trim())
          throw new DefinitionError(j.name, `checkpoint ${index + 1} of the ${where} needs a name`)
        if (all.has(node.name))
          throw new DefinitionError(j.name, `duplicate checkpoint "${node.name}"; checkpoint names must be unique in a journey`, `checkpoint ${node.name}`)
        all.add(node.name)
        scope.push(node.name)
        break
      }
      case 'branch': {
        const label = `branch ${node.checkpoint}`
        const dropper = droppedBy.get(node.checkpoint)
        if (dropper !== undefined)
          throw new DefinitionError(
            j.name,
            `branch names checkpoint "${node.checkpoint}", which the branch from "${dropper}" before it dropped: after a branch the line is back at its checkpoint, and the checkpoints taken after that one are gone; branch from "${node.checkpoint}" before branching from "${dropper}"`,
            label,
          )
        if (!scope.includes(node.checkpoint)) {
          const later = all.has(node.checkpoint) || containsCheckpoint(nodes.slice(index + 1), node.checkpoint)
          throw new DefinitionError(
            j.name,
            later
              ? `branch names checkpoint "${node.checkpoint}", which comes after it or in another path; put checkpoint("${node.checkpoint}") before the branch`
              : `branch names unknown checkpoint "${node.checkpoint}"${scope.length ? ` (known here: ${scope.join(', ')})` : ' (no checkpoint is declared before it)'}`,
            label,
          )
        }
        if (!Array.isArray(node.paths) || node.paths.length === 0)
          throw new DefinitionError(j.name, 'a branch needs at least one path', label)
        const pathNames = new Set<string>()
        for (const p of node.paths) {
          if (!p || p.kind !== 'path') throw new DefinitionError(j.name, 'every item of a branch must be a path()', label)
          if (typeof p.name !== 'string' || !p.name.trim()) throw new DefinitionError(j.name, 'a path needs a name', label)
          if (pathNames.has(p.name)) throw new DefinitionError(j.name, `duplicate path "${p.name}" in the branch`, label)
          pathNames.add(p.name)
          if (!Array.isArray(p.steps) || p.steps.length === 0)
            throw new DefinitionError(j.name, `path "${p.name}" is empty; a path needs at least one step`, label)
          walk(j, p.steps, scope, all, `path "${p.name}"`)
        }
        // After the branch the line goes on from its checkpoint: those taken after it were rolled back with it.
        for (const gone of scope.splice(scope.indexOf(node.checkpoint) + 1)) droppedBy.set(gone, node.checkpoint)
        break
      }
      default:
        throw new DefinitionError(j.name, `item ${index + 1} of the ${where} has unknown kind "${(node as { kind: string }).kind}"`)
    }
  })
}

function containsCheckpoint(nodes: readonly JourneyNode[], name: string): boolean {
  return nodes.some(
    (n) => (n.kind === 'checkpoint' && n.name === name) || (n.kind === 'branch' && n.paths?.some((p) => containsCheckpoint(p.steps ?? [], name))),
  )
}

/**
 * Why a value is not an absolute http(s) URL, or undefined when it is one. Credentials in it are never
 * echoed back: the message shows the value with any `user:pass@` masked.
 */
export function httpUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return `must be an http:// or https:// URL, got ${value === '' ? 'an empty string' : typeof value}`
  const shown = JSON.stringify(redactText(value))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `must be an absolute http:// or https:// URL, got ${shown}`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http:// or https://, got ${shown}`
  // The text, not the parsed URL: a bare `?` or `#` parses to an empty search and hash, and would still take the path in.
  if (/[?#]/.test(value)) return `must have no query (?...) or fragment (#...), got ${JSON.stringify(redactText(value))}: ${BASE_URL_QUERY_HINT}`
  return undefined
}

/**
 * Why a base URL cannot have a query: every request's path is added at its end, and would land inside
 * the query (`/api?v=2` + `/todos` is `/api?v=2/todos`), sent to the wrong endpoint.
 */
export const BASE_URL_QUERY_HINT =
  "each request's path is added at its end, so it would land inside the query; give query parameters in the request's `query` option, or a key in `headers`"
