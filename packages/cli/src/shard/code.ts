import type * as ChildProcess from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { REGRESSION_JOURNEY_MARK, type ShardInfo, UserError, lazyBuiltin } from '@venomqa/core'
import { type ShardFile, groupBy, names } from './files'
import { compareIds } from './split'

/**
 * Loaded when a shard asks git for its commit, not when a run imports this module: every run does (see
 * commands/run.ts), few are shards, and loading child_process cost each of them 3 ms.
 */
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process')

/**
 * Where a shard finds the commit of the code it ran, the first one set winning: `VENOMQA_COMMIT` (any
 * value that names the code under test, e.g. the version of an API deployed from another repository),
 * then the CI's own. A CI's value that is no commit (Buildkite's can be `HEAD`) is passed over. Without
 * any, the commit of the project's git checkout is taken (see commitOf).
 */
export const COMMIT_VARIABLES = [
  'VENOMQA_COMMIT',
  'GITHUB_SHA',
  'CI_COMMIT_SHA',
  'BUILDKITE_COMMIT',
  'CIRCLE_SHA1',
  'BITBUCKET_COMMIT',
  'BUILD_SOURCEVERSION',
  'GIT_COMMIT',
] as const

const SHA = /^[0-9a-f]{7,64}$/i
/** Long enough for `git rev-parse` in a large checkout; a git that takes longer is taken as none. */
const GIT_TIMEOUT_MS = 5_000

/** The commit the environment names (see COMMIT_VARIABLES), or undefined. */
export function commitFromEnv(env: Readonly<Record<string, string | undefined>>): ShardInfo['commit'] {
  for (const from of COMMIT_VARIABLES) {
    const value = env[from]?.trim()
    if (!value) continue
    if (from === 'VENOMQA_COMMIT') return { value, from }
    if (SHA.test(value)) return { value: value.toLowerCase(), from }
  }
  return undefined
}

/**
 * The commit of the code a shard ran: the environment's (see commitFromEnv), else `git rev-parse HEAD` in
 * the project's directory when it is a git checkout. No git, no checkout, a checkout with no commit or a
 * git that fails for any reason: none, and the shard records none.
 */
export async function commitOf(env: Readonly<Record<string, string | undefined>>, root: string): Promise<ShardInfo['commit']> {
  const named = commitFromEnv(env)
  if (named) return named
  const head = await gitHead(root, env)
  return head ? { value: head, from: 'git' } : undefined
}

function gitHead(cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      childProcess().execFile('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd, env: env as NodeJS.ProcessEnv, timeout: GIT_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
        const sha = String(stdout ?? '').trim()
        resolve(!err && SHA.test(sha) ? sha.toLowerCase() : undefined)
      })
    } catch {
      resolve(undefined)
    }
  })
}

/**
 * A short hash of the files a split selected from (relative to `root`), by path and contents: shards whose
 * journey or exploration files differ hash differently. Line endings are not told apart (a Windows
 * checkout's CRLF is no edit). A file that cannot be read leaves the hash out: undefined.
 */
export async function filesHashOf(files: readonly string[], root: string): Promise<string | undefined> {
  return (await readCode(files, root)).filesHash
}

/**
 * The hash of the files (filesHashOf: none when one cannot be read), and those of them `venomqa explore
 * --emit` wrote (see ShardInfo.emitted), read once.
 */
async function readCode(files: readonly string[], root: string): Promise<{ filesHash?: string; emitted: string[] }> {
  const sorted = [...new Set(files.map((f) => f.replaceAll('\\', '/')))].sort(compareIds)
  const emitted: string[] = []
  if (!sorted.length) return { emitted }
  const hash = createHash('sha256')
  let readable = true
  for (const file of sorted) {
    let text: string
    try {
      text = await readFile(path.resolve(root, file), 'utf8')
    } catch {
      readable = false
      continue
    }
    if (text.startsWith(REGRESSION_JOURNEY_MARK)) emitted.push(file)
    hash.update(`${file}\u0000${createHash('sha256').update(text.replaceAll('\r\n', '\n')).digest('hex')}\u0000`)
  }
  return readable ? { filesHash: hash.digest('hex').slice(0, 16), emitted } : { emitted }
}

/** The shard with what identifies the code it ran: the commit, and the hash of the files it selected from. */
export async function withCode(shard: ShardInfo, files: readonly string[], root: string, env: Readonly<Record<string, string | undefined>>): Promise<ShardInfo> {
  const [commit, { filesHash, emitted }] = await Promise.all([commitOf(env, root), readCode(files, root)])
  return { ...shard, ...(commit ? { commit } : {}), ...(filesHash ? { filesHash } : {}), ...(emitted.length ? { emitted } : {}) }
}

/**
 * The shards ran the same code, as far as they tell: files that record different commits, or different
 * hashes of their journey (or exploration) files, are refused, naming the files of each. Merged, a shard of
 * another commit with the same journeys (a stale artifact of the last pipeline) would stand in for this
 * commit's. A file that records neither (saved before shards recorded them, or where no commit could be
 * found) is not compared.
 */
export function checkSameCode(files: readonly ShardFile[]): void {
  const commits = files.filter((f) => f.run.shard?.commit)
  const byCommit = groupBy(commits, (f) => f.run.shard!.commit!.value)
  if (byCommit.size > 1 && !sameCommits([...byCommit.keys()])) {
    const described = [...byCommit.values()].map((group) => `${names(group)} (commit ${group[0]!.run.shard!.commit!.value}, from ${group[0]!.run.shard!.commit!.from})`)
    throw new UserError(
      'E_MERGE',
      `the shards ran different code: ${described.join('; ')}. Merge the shards of one commit: a shard of another commit left among them would stand in for this one's`,
      { where: commits[0]!.file },
    )
  }
  const hashed = files.filter((f) => f.run.shard?.filesHash)
  const byHash = groupBy(hashed, (f) => f.run.shard!.filesHash!)
  if (byHash.size > 1) {
    const described = [...byHash.values()].map((group) => `${names(group)} (files ${group[0]!.run.shard!.filesHash})`)
    const what = hashed.some((f) => f.run.explorations?.length) ? 'exploration' : 'journey'
    throw new UserError(
      'E_MERGE',
      `the shards ran different ${what} files: ${described.join('; ')}. The split is the same, but the files differed where the shards ran (edited between them, or another checkout's): merge the shards of one run`,
      { where: hashed[0]!.file },
    )
  }
}

/**
 * Two values that name one commit: the same, or one a git SHA the other starts with (a CI that gives a
 * short one, a checkout that gives it whole).
 */
function sameCommits(values: readonly string[]): boolean {
  const [first, ...rest] = [...values].sort((a, b) => b.length - a.length)
  return rest.every((v) => SHA.test(v) && SHA.test(first!) && first!.toLowerCase().startsWith(v.toLowerCase()))
}
