import { UserError } from '@venomqa/core'
import { afterEach, describe, expect, it } from 'vitest'
import { globFiles, globToRegExp } from '../src/journeys/glob'
import { discoverJourneyFiles, filterJourneys, loadJourneys, splitRunArgs } from '../src/journeys/load'
import { tempDir } from './helpers/tmp'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})
async function project(files: Record<string, string>) {
  const t = await tempDir(files)
  cleanups.push(t.remove)
  return t.dir
}

const J = (name: string, tags: string[] = []) =>
  `{ kind: 'journey', name: '${name}', tags: ${JSON.stringify(tags)}, requires: [], steps: [{ kind: 'step', name: 's', action: () => 1, options: {} }] }`

describe('globs', () => {
  it('match ** (zero or more directories), *, ?, {a,b} and [abc]', () => {
    const re = globToRegExp('journeys/**/*.journey.{ts,mjs}')
    expect(re.test('journeys/a.journey.ts')).toBe(true)
    expect(re.test('journeys/x/y/a.journey.mjs')).toBe(true)
    expect(re.test('journeys/a.journey.js')).toBe(false)
    expect(re.test('other/a.journey.ts')).toBe(false)
    expect(globToRegExp('a?.[jt]s').test('ab.ts')).toBe(true)
    expect(globToRegExp('a?.[jt]s').test('ab.cs')).toBe(false)
  })

  it('an unclosed { is a literal character, not an invalid regular expression; commas outside braces are literal too', () => {
    const re = globToRegExp('journeys/**/*.{journey.ts')
    expect(re.test('journeys/x/a.{journey.ts')).toBe(true)
    expect(re.test('journeys/a.journey.ts')).toBe(false)
    expect(globToRegExp('a{b,c}d{e').test('acd{e')).toBe(true)
    expect(globToRegExp('a,b').test('a,b')).toBe(true)
  })

  it('find files sorted, skip node_modules and dot directories, and honour ! excludes', async () => {
    const dir = await project({
      'journeys/b.journey.ts': '',
      'journeys/a.journey.ts': '',
      'journeys/wip/c.journey.ts': '',
      'journeys/node_modules/d.journey.ts': '',
      'journeys/.hidden/e.journey.ts': '',
      'journeys/readme.md': '',
    })
    const files = await globFiles(['journeys/**/*.journey.ts', '!journeys/wip/**'], dir)
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['journeys/a.journey.ts', 'journeys/b.journey.ts'])
  })
})

describe('journey files', () => {
  it('a file gives its default export and named journeys or lists of them, each once', async () => {
    const dir = await project({
      'journeys/a.journey.mjs': `const a = ${J('a')}\nexport default a\nexport const same = a\nexport const list = [${J('b')}, ${J('c')}]\nexport const other = 42`,
      'journeys/d.journey.ts': `const d: { kind: 'journey' } = ${J('d', ['smoke'])}\nexport default d`,
    })
    const files = await discoverJourneyFiles(['journeys/**/*.journey.{ts,mjs}'], dir)
    const loaded = await loadJourneys(files, dir)
    expect(loaded.map((l) => [l.journey.name, l.file])).toEqual([
      ['a', 'journeys/a.journey.mjs'],
      ['b', 'journeys/a.journey.mjs'],
      ['c', 'journeys/a.journey.mjs'],
      ['d', 'journeys/d.journey.ts'],
    ])
  })

  it('a file without journeys is a warning; a definition mistake, a load failure and a duplicate name are user errors naming the file', async () => {
    const dir = await project({
      'empty.journey.mjs': 'export const x = 1',
      'bad.journey.mjs': `export default { kind: 'journey', name: 'bad', tags: [], requires: [], steps: [] }`,
      'syntax.journey.ts': 'export default journey(',
      'imports-broken.journey.ts': `import { helper } from './lib/helper'\nexport default helper`,
      'lib/helper.ts': 'export const helper = 1\nexport const broken = 1 +* 2\n',
      'dup1.journey.mjs': `export default ${J('same')}`,
      'dup2.journey.mjs': `export default ${J('same')}`,
    })
    const warnings: string[] = []
    expect(await loadJourneys([`${dir}/empty.journey.mjs`], dir, (m) => warnings.push(m))).toEqual([])
    expect(warnings).toEqual(['empty.journey.mjs exports no journeys (export default journey(...) or an array of journeys)'])

    const fail = async (files: string[]) => {
      try {
        await loadJourneys(files.map((f) => `${dir}/${f}`), dir)
      } catch (err) {
        expect(err).toBeInstanceOf(UserError)
        return err as UserError
      }
      throw new Error('expected a UserError')
    }
    expect((await fail(['bad.journey.mjs'])).message).toBe('bad.journey.mjs: journey "bad": a journey needs at least one step')
    const syntax = await fail(['syntax.journey.ts'])
    expect(syntax.message).toMatch(/^could not load syntax\.journey\.ts:1:24: Unexpected token/)
    expect(syntax.where).toBe('syntax.journey.ts:1:24')
    // A syntax error in a file the journey imports: that file's place, relative to where venomqa runs.
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      expect((await fail(['imports-broken.journey.ts'])).message).toBe('could not load imports-broken.journey.ts: lib/helper.ts:2:26: Unexpected token')
    } finally {
      process.chdir(cwd)
    }
    expect((await fail(['dup1.journey.mjs', 'dup2.journey.mjs'])).message).toBe(
      'two journeys are named "same" (dup1.journey.mjs and dup2.journey.mjs); journey names must be unique',
    )
  })

  it('run arguments: existing files, directories and globs select files; other words are names', async () => {
    const dir = await project({ 'journeys/a.journey.ts': '', 'flows/x.journey.ts': '' })
    expect(splitRunArgs(['journeys/a.journey.ts', 'flows', 'x/**/*.ts', 'checkout'], dir)).toEqual({
      patterns: ['journeys/a.journey.ts', 'flows/**/*.journey.{ts,js,mts,mjs}', 'x/**/*.ts'],
      names: ['checkout'],
    })
  })

  it('an existing file whose name holds glob characters is that file, not a glob', async () => {
    const dir = await project({ 'journeys/[id].journey.ts': '', 'journeys/i.journey.ts': '', 'journeys/d.journey.ts': '', 'flows/{a,b}*.journey.ts': '', 'flows/a.journey.ts': '' })
    for (const [arg, want] of [
      ['journeys/[id].journey.ts', 'journeys/[id].journey.ts'],
      ['flows/{a,b}*.journey.ts', 'flows/{a,b}*.journey.ts'],
    ]) {
      const { patterns, names } = splitRunArgs([arg!], dir)
      expect(names).toEqual([])
      expect((await discoverJourneyFiles(patterns, dir)).map((f) => f.slice(dir.length + 1))).toEqual([want])
    }
    // One that does not exist is still a glob.
    const { patterns } = splitRunArgs(['journeys/[di].journey.ts'], dir)
    expect((await discoverJourneyFiles(patterns, dir)).map((f) => f.slice(dir.length + 1))).toEqual(['journeys/d.journey.ts', 'journeys/i.journey.ts'])
  })
})

describe('filters', () => {
  const all = [
    { journey: { name: 'checkout', tags: ['smoke', 'cart'] } },
    { journey: { name: 'login', tags: ['smoke'] } },
    { journey: { name: 'admin_panel', tags: [] } },
  ] as never[]
  const names = (xs: { journey: { name: string } }[]) => xs.map((x) => x.journey.name)

  it('by name, by --grep (case-insensitive) and by any --tag, combined', () => {
    expect(names(filterJourneys(all, { names: ['login'] }))).toEqual(['login'])
    expect(names(filterJourneys(all, { grep: 'LOG|admin' }))).toEqual(['login', 'admin_panel'])
    expect(names(filterJourneys(all, { tags: ['cart', 'nope'] }))).toEqual(['checkout'])
    expect(names(filterJourneys(all, { tags: ['smoke,cart'], grep: '^c' }))).toEqual(['checkout'])
  })

  it('an unknown name or a broken pattern is a user error', () => {
    expect(() => filterJourneys(all, { names: ['nope'] })).toThrow('no journey named "nope" (and no such file); known journeys: checkout, login, admin_panel')
    // A typo of a known name is named with it, as a --tag typo is.
    expect(() => filterJourneys(all, { names: ['chekout'] })).toThrow('no journey named "chekout" (did you mean "checkout"?) (and no such file); known journeys: checkout, login, admin_panel')
    expect(() => filterJourneys(all, { grep: '(' })).toThrow('--grep "(" is not a valid regular expression')
    // `--tag "$SUITE"` with SUITE unset selected no tag, and so ran every journey.
    for (const empty of ['', '  ', ','])
      expect(() => filterJourneys(all, { tags: ['smoke', empty] }), JSON.stringify(empty)).toThrow('--tag: got no tag (an empty value); leave --tag out to run every journey')
  })
})
