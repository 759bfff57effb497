import { ConfigError } from '@venomqa/core'
import type { Operation } from './operations'

export interface Selection {
  /** operationIds, tags, or `METHOD /path` globs (`*` any run of characters but `/`, `**` any). Default: every operation. */
  include?: string[]
  exclude?: string[]
}

/**
 * The operations a selection keeps. An include entry that names no operation is a mistake (a typo
 * would otherwise silently explore nothing of what was meant): a ConfigError naming it.
 */
export function selectOperations(ops: readonly Operation[], selection: Selection, source: string): Operation[] {
  const { include, exclude = [] } = selection
  if (include) {
    const missing = include.filter((pattern) => !ops.some((op) => matches(op, pattern)))
    if (missing.length)
      throw new ConfigError(`${source}: include names ${missing.map((m) => JSON.stringify(m)).join(', ')}, which matches no operation, tag or METHOD /path of the document`, {
        where: `openapi.include`,
      })
  }
  return ops.filter((op) => (!include || include.some((p) => matches(op, p))) && !exclude.some((p) => matches(op, p)))
}

export function matches(op: Operation, pattern: string): boolean {
  if (pattern === op.operationId || op.tags.includes(pattern)) return true
  const at = methodAndPath(pattern)
  return !!at && (at.method === '*' || at.method === op.method) && glob(at.path).test(op.path)
}

/** `POST /login` (any case, any space between) as its method in capitals and its path; `*` for any method. */
export function methodAndPath(text: string): { method: string; path: string } | undefined {
  const m = /^([A-Za-z]+|\*)\s+(\S+)$/.exec(text.trim())
  return m ? { method: m[1]!.toUpperCase(), path: m[2]! } : undefined
}

function glob(pattern: string): RegExp {
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*')
  return new RegExp(`^${source}$`)
}
