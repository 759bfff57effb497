import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import {
  ConfigError,
  type Journey,
  MAX_MISTAKES_TOLD,
  UserError,
  didYouMean,
  errorMessage,
  firstFew,
  isJourney,
  isUserError,
  plural,
  validateJourney,
  withRefusedDefinitions,
} from '@venomqa/core'
import { importUserFile, loadFailure } from '../load-module'
import { namedWithNear } from '../named-near'
import { loading } from '../pending-loads'
import { keepSharedWithJiti } from '../typescript/native'
import { escapeGlob, globFiles, hasMagic, scriptsNotMatched } from './glob'

export interface LoadedJourney {
  journey: Journey
  /** Relative to the project root, for reports. */
  file: string
}

export const JOURNEY_EXTENSIONS = '{ts,js,mts,mjs}'

/**
 * Split `venomqa run` (or `explore`) arguments into files/globs and names: an argument that is an existing
 * file, a directory (its `**\/*.<kind>.{ts,js,mts,mjs}`) or a glob selects files; anything else is a name.
 */
export function splitRunArgs(args: readonly string[], cwd: string, kind: 'journey' | 'explore' = 'journey'): { patterns: string[]; names: string[] } {
  const patterns: string[] = []
  const names: string[] = []
  for (const arg of args) {
    const abs = path.resolve(cwd, arg)
    // What exists is looked at before the wildcards: `journeys/[id].journey.ts` (a route-named file) is
    // that file, where read as a glob it matched `journeys/i.journey.ts`, or nothing. The pattern made of
    // it has its wildcard characters escaped, since every pattern is matched as a glob.
    const found = existsSync(abs) ? statSync(abs) : undefined
    if (found?.isDirectory()) patterns.push(`${escapeGlob(arg.replace(/[\\/]+$/, ''))}/**/*.${kind}.${JOURNEY_EXTENSIONS}`)
    else if (found) patterns.push(escapeGlob(arg))
    else if (hasMagic(arg)) patterns.push(arg)
    // A file that is not there, not a name: read as one, nothing matched it, and every file was loaded instead.
    else if (/\.(c|m)?(j|t)s$/.test(arg)) throw new UserError('E_NO_JOURNEYS', `${arg} does not exist (resolved to ${abs})`, { where: arg })
    else names.push(arg)
  }
  return { patterns, names }
}

/** The files the patterns select (journeys, explorations), relative to `root`. */
export async function discoverJourneyFiles(patterns: readonly string[], root: string): Promise<string[]> {
  return globFiles(
    patterns.map((p) => (path.isAbsolute(p) ? path.relative(root, p) : p)),
    root,
  )
}

/** The values of a module's exports that `is` accepts: its default export first, then every named export, lists flattened. */
export function exportsOf<T>(mod: Record<string, unknown>, is: (v: unknown) => v is T): T[] {
  const seen = new Set<T>()
  const add = (v: unknown) => {
    if (is(v)) seen.add(v)
    else if (Array.isArray(v)) for (const x of v) if (is(x)) seen.add(x)
  }
  add(mod.default)
  for (const [k, v] of Object.entries(mod)) if (k !== 'default') add(v)
  return [...seen]
}

/** A file's journeys: its default export and every named export that is a journey or a list of them. */
export function journeysOf(mod: Record<string, unknown>): Journey[] {
  return exportsOf(mod, isJourney)
}

/**
 * Import a user's definition file. A file that fails to load (a definition mistake throws as the file
 * is imported) is a user error naming the file.
 */
export async function importDefinitionFile(abs: string, root: string, warn?: (m: string) => void): Promise<{ file: string; mod: Record<string, unknown> }> {
  const file = path.relative(root, abs) || abs
  try {
    return { file, mod: await loading(file, 'import', () => importUserFile(abs, root, warn)) }
  } catch (err) {
    const { place, message } = loadFailure(err, abs)
    if (isUserError(err)) throw new UserError((err as UserError).code, placedMessage(`${file}${place}`, err, message), { where: `${file}${place}`, cause: err })
    throw new UserError('E_JOURNEY_LOAD', `could not load ${file}${place}: ${message}`, { where: `${file}${place}`, cause: err })
  }
}

/**
 * A user error's message after the place it comes from. A definition error holding several mistakes
 * (DefinitionError.every) has its line saying how many, then each mistake on a line of its own, placed
 * too: each line names the file, the journey and the step or key. By its shape, not its class: the file's
 * `@venomqa/core` may be another copy of the CLI's.
 */
function placedMessage(place: string, err: unknown, message = errorMessage(err), problemPlaces: readonly string[] = []): string {
  const problems = problemsOf(err)
  if (problems.length < 2) return `${place}: ${message}`
  return [`${place}: ${message.split('\n')[0]}`, ...problems.map((p, i) => `  ${problemPlaces[i] ?? place}: ${errorMessage(p)}`)].join('\n')
}

/** The mistakes of a definition that has several (DefinitionError.problems); none otherwise. */
function problemsOf(err: unknown): readonly unknown[] {
  const problems = (err as { problems?: unknown } | null)?.problems
  return Array.isArray(problems) && problems.length > 1 ? problems : []
}

/**
 * Where in `abs` each mistake of a definition with several is (`file:line:column`): a checkpoint's, a
 * branch's or a path's at its own call (core's placeAtCall), the others where the whole definition is
 * placed (`place`).
 */
function problemPlaces(err: unknown, abs: string, file: string, place: string): string[] {
  return problemsOf(err).map((p) => {
    const own = loadFailure(p, abs).place
    return `${file}${own || place}`
  })
}

/**
 * One error for the definition mistakes of every journey file that has any: the mistake alone, as it
 * always read, when there is one; else a line saying in how many journeys of how many files, then each
 * journey's, indented.
 */
function definitionErrors(errors: readonly UserError[]): UserError {
  if (errors.length === 1) return errors[0]!
  const files = [...new Set(errors.map((e) => e.where?.replace(/:\d+(:\d+)?$/, '')))]
  const lines = errors.flatMap((e) => e.message.split('\n').map((line) => `  ${line}`))
  const where =
    files.length === errors.length ? plural(files.length, 'journey file') : `${plural(errors.length, 'journey')} of ${files.length === 1 ? files[0] : plural(files.length, 'journey file')}`
  return new UserError('E_DEFINITION', [`definition mistakes in ${where}:`, ...lines].join('\n'), { where: errors[0]!.where })
}

/** A definition journey() refused as a file was evaluated, with its place in the file it is told under. */
interface Refusal {
  err: unknown
  place: string
  message: string
  /** The file it is told under (absolute): where each of its several mistakes is placed (see problemPlaces). */
  abs: string
}

/**
 * The definitions each journey module refused when it was evaluated, by its module (or by what its import
 * threw): one imported again in this process (`run --watch` with the file unchanged, a second command in
 * one process) is not evaluated again, so no journey() of it says them a second time.
 */
const refusedBy = new WeakMap<object, readonly Refusal[]>()

const asKey = (v: unknown): object | undefined => (typeof v === 'object' && v !== null) || typeof v === 'function' ? (v as object) : undefined

/**
 * A file's refused definitions as lines of mistakes, each placed as a throw of it was: up to
 * MAX_MISTAKES_TOLD journeys (a journeysFor of thousands of broken cases made a message of megabytes),
 * then how many more.
 */
function refusalMistakes(file: string, refused: readonly Refusal[]): UserError[] {
  const told = refused
    .slice(0, MAX_MISTAKES_TOLD)
    .map(({ err, place, message, abs }) =>
      new UserError('E_DEFINITION', placedMessage(`${file}${place}`, err, message, problemPlaces(err, abs, file, place)), { where: `${file}${place}`, cause: err }),
    )
  if (refused.length > MAX_MISTAKES_TOLD)
    told.push(new UserError('E_DEFINITION', `${file}: ${plural(refused.length - MAX_MISTAKES_TOLD, 'more journey')} with definition mistakes, not told`, { where: file }))
  return told
}

/**
 * Import each file and collect its journeys. A file that fails to load, a journey definition mistake,
 * or two journeys with one name are user errors that name the file.
 */
export async function loadJourneys(files: readonly string[], root: string, warn: (m: string) => void = () => {}): Promise<LoadedJourney[]> {
  const out: LoadedJourney[] = []
  const byName = new Map<string, string>()
  // Every file's definition mistakes, told together once all are loaded: told one file at a time, a user
  // fixed one per run. Any other mistake (a file that does not load) still stops the loading at once.
  const mistakes: UserError[] = []
  // Refusals met while one file was evaluated that a file still to load made (the one imports the other):
  // told under that file, where its journeys are written, when its turn comes.
  const later = new Map<string, Refusal[]>()
  keepSharedWithJiti(files)
  for (const [index, abs] of files.entries()) {
    // Within a file too: journey() records what it refuses instead of throwing while the file is
    // evaluated (see withRefusedDefinitions), so the file's next journeys are checked as well.
    const made: unknown[] = []
    let loaded: Awaited<ReturnType<typeof importDefinitionFile>> | undefined
    let failed: { err: UserError } | undefined
    try {
      loaded = await withRefusedDefinitions(made, () => importDefinitionFile(abs, root, warn))
    } catch (err) {
      failed = { err: err as UserError }
    }
    const own = [...(later.get(abs) ?? []), ...placeRefusals(made, abs, files.slice(index + 1), later)]
    later.delete(abs)
    const key = asKey(loaded ? loaded.mod : failed?.err.cause)
    if (!own.length) own.push(...((key && refusedBy.get(key)) ?? []))
    else if (key) refusedBy.set(key, own)
    const file = loaded?.file ?? (path.relative(root, abs) || abs)
    if (failed) {
      const { err } = failed
      // A file that throws after journey() refused a definition (code that used what it gave) is told
      // by its refusals, as it was by the first of them, which threw before that code ran. What it threw
      // is told too when it is a definition mistake of its own (a journeysFor of two cases of one name).
      if (!own.length && err.code !== 'E_DEFINITION') throw err
      mistakes.push(...refusalMistakes(file, own))
      if (err.code === 'E_DEFINITION' && !own.some((r) => r.err === err.cause)) mistakes.push(err)
      continue
    }
    // A file with a refused journey adds none of its journeys, as when the refusal stopped it.
    if (own.length) {
      mistakes.push(...refusalMistakes(file, own))
      continue
    }
    const { mod } = loaded!
    const journeys = journeysOf(mod)
    if (!journeys.length) warn(`${file} exports no journeys (export default journey(...) or an array of journeys)`)
    for (const j of journeys) {
      try {
        validateJourney(j)
      } catch (err) {
        mistakes.push(new UserError('E_DEFINITION', placedMessage(file, err), { where: file, cause: err }))
        continue
      }
      const other = byName.get(j.name)
      if (other)
        throw new UserError('E_DUPLICATE_JOURNEY', `two journeys are named "${j.name}" (${other} and ${file}); journey names must be unique`, { where: file })
      byName.set(j.name, file)
      out.push({ journey: j, file })
    }
  }
  if (mistakes.length) throw definitionErrors(mistakes)
  return out
}

/**
 * Place each definition refused while `abs` was evaluated: in `abs` when its stack passes through it (the
 * call, or the call of a helper that defines it); else in the first of `next` whose code it was made in
 * (a journey file `abs` imports, still to load), kept in `later` for it; else in `abs`, with no place
 * (a file outside the selection), as its throw was told.
 */
function placeRefusals(made: readonly unknown[], abs: string, next: readonly string[], later: Map<string, Refusal[]>): Refusal[] {
  const own: Refusal[] = []
  for (const err of made) {
    const here = loadFailure(err, abs)
    if (!here.place) {
      const maker = next.find((f) => loadFailure(err, f).place)
      if (maker) {
        later.set(maker, [...(later.get(maker) ?? []), { err, ...loadFailure(err, maker), abs: maker }])
        continue
      }
    }
    own.push({ err, ...here, abs })
  }
  return own
}

export interface JourneyFilter {
  names?: string[]
  grep?: string
  tags?: string[]
}

/** Keep the journeys every given filter accepts: any of the names, the grep pattern, any of the tags. */
export function filterJourneys<T extends { journey: Journey }>(all: readonly T[], filter: JourneyFilter): T[] {
  let grep: RegExp | undefined
  if (filter.grep) {
    try {
      grep = new RegExp(filter.grep, 'i')
    } catch (err) {
      throw new UserError('E_GREP', `--grep "${filter.grep}" is not a valid regular expression: ${errorMessage(err)}`, { where: '--grep' })
    }
  }
  // An empty --tag (`--tag "$SUITE"` with SUITE unset) selected nothing and so ran every journey.
  if (filter.tags?.some((t) => t.split(',').every((part) => !part.trim())))
    throw new ConfigError('--tag: got no tag (an empty value); leave --tag out to run every journey', { where: '--tag' })
  const tags = givenTags(filter.tags)
  const names = filter.names ?? []
  const unknown = names.filter((n) => !all.some((x) => x.journey.name === n))
  if (unknown.length)
    throw new UserError(
      'E_UNKNOWN_JOURNEY',
      `no journey named ${unknown.map((n) => namedWithNear(n, all.map((x) => x.journey.name))).join(', ')} (and no such file); known journeys: ${knownJourneys(all.map((x) => x.journey.name)) || 'none'}`,
      { where: unknown[0] },
    )
  return all.filter(
    (x) =>
      (!names.length || names.includes(x.journey.name)) &&
      (!grep || grep.test(x.journey.name)) &&
      (!tags.length || x.journey.tags.some((t) => tags.includes(t))),
  )
}


/** The tags `--tag` gave (repeated, or a comma-separated list): trimmed, lower case, none empty. */
function givenTags(given: readonly string[] | undefined): string[] {
  return (given ?? []).flatMap((t) => t.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean)
}

/**
 * The journeys a selection could have named, for a name or filter that matched none: the first ten, and
 * where to see them all when there are more (a suite of hundreds would fill the terminal with them).
 */
export function knownJourneys(names: readonly string[]): string {
  const shown = 10
  return names.length > shown ? `${firstFew(names, shown)} (venomqa list names them all)` : names.join(', ')
}

/**
 * What `--tag` got wrong when no journey has a tag given: `no journey is tagged "smok" (did you mean
 * "smoke"?); tags: regression, smoke`, where only the journeys' names were listed and the tags had to be
 * looked for in the files. Empty when every tag given is some journey's (another filter left nothing).
 */
export function unknownTagsHint(journeys: readonly { tags: readonly string[] }[], given: readonly string[] | undefined): string {
  const known = [...new Set(journeys.flatMap((j) => j.tags.map((t) => t.toLowerCase())))].sort()
  const unknown = [...new Set(givenTags(given))].filter((t) => !known.includes(t))
  if (!unknown.length) return ''
  const each = unknown.map((t) => {
    const near = didYouMean(t, known)
    return `${JSON.stringify(t)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`
  })
  return `; no journey is tagged ${each.join(' or ')}; ${known.length ? `tags: ${firstFew(known, 10)}` : 'no journey has a tag'}`
}

/**
 * When the config's globs match no file: the script files where they look, which they skip, named after
 * the words that no journey matched (run, list, doctor), as `; journeys/orders.ts is there, but not named
 * as journeys/**\/*.journey.ts asks (rename it journeys/orders.journey.ts)`. A first journey saved as
 * `orders.ts` was otherwise told only that nothing matched. Empty when there is none.
 */
export async function misnamedJourneysHint(globs: readonly string[], root: string): Promise<string> {
  const misnamed = await scriptsNotMatched(globs, root)
  if (!misnamed.length) return ''
  const rename = globs.some((g) => g.includes('.journey.')) ? ` (rename it ${misnamed[0]!.replace(/(\.[cm]?[jt]s)$/, '.journey$1')})` : ''
  return `; ${misnamed.join(', ')} ${misnamed.length === 1 ? 'is' : 'are'} there, but not named as ${globs.join(', ')} asks${rename}`
}

/**
 * A project with no config file and no journey is one that has not started: said how to, after the words
 * that no journey matched (run, list, doctor); nothing for a project whose config names its journeys.
 */
export function howToStart(config: { file?: string }): string {
  return config.file ? '' : ' (venomqa init writes a config and an example journey to start from)'
}
