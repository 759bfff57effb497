import { type Journey, type JourneyNode, type StepNode, escapeControlChars, nameOnOneLine as one, plural } from '@venomqa/core'
import { EXIT, type Io, warn } from '../exit'
import { loadJourneys } from '../journeys/load'
import { parseShard } from '../shard/split'
import { chooseJourneys, findJourneyFiles } from './run'
import { type ConfigFlags, resolveConfig } from './session'

export interface ListFlags extends ConfigFlags {
  grep?: string
  tag?: string[]
  json?: boolean
  /** Allow `journey.only` when CI is set, as `run --allow-only` does. */
  allowOnly?: boolean
  /** `i/n`: only the journeys `run --shard i/n` would run (a CI matrix checked before it runs). */
  shard?: string
}

/** `venomqa list`: every journey with its tags, file, and its steps, checkpoints, branches and paths. */
export async function listCommand(args: string[], flags: ListFlags, io: Io): Promise<number> {
  // As run does: a bad --shard is refused before the config and the journeys are loaded.
  const shardSpec = flags.shard === undefined ? undefined : parseShard(flags.shard)
  // It sets no plugin up and sends no request: a variable only a plugin's entry, the base URL or a header
  // reads may be unset (a developer listing journeys has no DATABASE_URL of the CI's).
  const config = await resolveConfig(io, flags, {}, { deferPluginVariables: true })
  // Chosen as `venomqa run` chooses them, so that the list is what a run would run: `journey.only`
  // narrows it (and is refused in CI), and files, filters or names that leave nothing are exit 2, where
  // the list used to show every journey, or "0 journeys" with exit 0.
  const { files, names } = await findJourneyFiles(args, config, io)
  const all = await loadJourneys(files, config.root, (m) => warn(io, m))
  const { journeys } = chooseJourneys(all, names, flags, io, shardSpec)
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        journeys.map(({ journey, file }) => ({ name: journey.name, file, tags: journey.tags, description: journey.description, ...(journey.mode ? { mode: journey.mode } : {}), tree: tree(journey.steps) })),
        null,
        2,
      )}\n`,
    )
    return EXIT.OK
  }
  const lines: string[] = []
  for (const { journey, file } of journeys) {
    // Names as the console prints them, each on its line (a newline in one would start a line of its own).
    lines.push(`${one(journey.name)}${journey.mode ? ` (${journey.mode})` : ''}${journey.tags.length ? `  [${journey.tags.map(one).join(', ')}]` : ''}  ${one(file)}`)
    if (journey.description) lines.push(`  ${escapeControlChars(journey.description).replace(/\n/g, '\n  ')}`)
    lines.push(...treeLines(journey.steps, '  '))
  }
  const tags = new Map<string, number>()
  for (const { journey } of journeys) for (const t of journey.tags) tags.set(t, (tags.get(t) ?? 0) + 1)
  lines.push(
    '',
    `${plural(journeys.length, 'journey')} in ${plural(new Set(journeys.map((j) => j.file)).size, 'file')}` +
      (tags.size ? `; tags: ${[...tags].sort().map(([t, n]) => `${one(t)} (${n})`).join(', ')}` : ''),
  )
  io.stdout.write(`${lines.join('\n')}\n`)
  return EXIT.OK
}

type TreeNode = { kind: string; name: string; mode?: string; expectFailure?: true; children?: TreeNode[] }

/** The journey's tree as JSON: what the text listing says of each node (a step's `(skip)`, `(expects failure)`) too. */
function tree(nodes: readonly JourneyNode[]): TreeNode[] {
  return nodes.map((n) => {
    if (n.kind === 'branch') return { kind: 'branch', name: n.checkpoint, children: n.paths.map((p) => ({ kind: 'path', name: p.name, children: tree(p.steps) })) }
    if (n.kind !== 'step') return { kind: n.kind, name: n.name }
    return { kind: 'step', name: n.name, ...(n.mode ? { mode: n.mode } : {}), ...(n.options.expectFailure ? { expectFailure: true as const } : {}) }
  })
}

/** A step's `(expects failure)`, with the statuses it expects when it names them: `(expects failure: 401, 403)`. */
function expectsFailure(expected: StepNode['options']['expectFailure']): string {
  if (!expected) return ''
  return typeof expected === 'boolean' ? ' (expects failure)' : ` (expects failure: ${[expected].flat().join(', ')})`
}

function treeLines(nodes: readonly JourneyNode[], pad: string): string[] {
  const out: string[] = []
  for (const n of nodes) {
    if (n.kind === 'step') out.push(`${pad}step ${one(n.name)}${expectsFailure(n.options.expectFailure)}${n.mode === 'skip' ? ' (skip)' : ''}`)
    else if (n.kind === 'checkpoint') out.push(`${pad}◆ checkpoint ${one(n.name)}`)
    else {
      out.push(`${pad}⑂ branch from ${one(n.checkpoint)}`)
      n.paths.forEach((p, i) => {
        const last = i === n.paths.length - 1
        out.push(`${pad}  ${last ? '└' : '├'} path ${one(p.name)}`)
        out.push(...treeLines(p.steps, `${pad}  ${last ? ' ' : '│'}   `))
      })
    }
  }
  return out
}

export type { Journey }
