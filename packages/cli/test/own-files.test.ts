import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ReadFile, ownFiles, refuseOutputsOverOwnFiles } from '../src/commands/own-files'

// What an output (a report file, --save, --har) may not replace, in a directory of real files and links.
/** Why `output` may not be written, with `reads` the files the command reads. */
const ownFileProblem = (output: string, reads: readonly ReadFile[]) => ownFiles(reads)(output)
const dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-own-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const at = (name: string, text = 'x') => {
  const file = path.join(dir, name)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

describe('ownFiles', () => {
  it('names a file the command reads, also reached through a link or a path with .. in it', () => {
    const results = at('out/run.json')
    symlinkSync('out', path.join(dir, 'reports'))
    const reads = [{ file: results, what: 'the results file to render' }]
    expect(ownFileProblem(results, reads)).toBe('the results file to render')
    expect(ownFileProblem(path.join(dir, 'reports/run.json'), reads)).toBe('the results file to render')
    expect(ownFileProblem(path.join(dir, 'out/../out/run.json'), reads)).toBe('the results file to render')
    expect(ownFileProblem(path.join(dir, 'out/other.json'), reads)).toBeUndefined()
  })

  it('refuses existing source files, VenomQA configs and package.json by what they are, read or not', () => {
    for (const name of ['a.journey.ts', 'helper.MTS', 'plugin.mjs', 'lib/x.cjs', 'c.tsx'])
      expect(ownFileProblem(at(name), [])).toBe('a JavaScript or TypeScript file')
    expect(ownFileProblem(at('venomqa.yaml'), [])).toBe('a VenomQA config file')
    expect(ownFileProblem(at('sub/venomqa.json'), [])).toBe('a VenomQA config file')
    expect(ownFileProblem(at('package.json'), [])).toBe("the project's package.json")
    // What the output reaches through a link decides, not the link's name.
    symlinkSync('a.journey.ts', path.join(dir, 'report.xml'))
    expect(ownFileProblem(path.join(dir, 'report.xml'), [])).toBe('a JavaScript or TypeScript file')
  })

  it('lets through what does not exist yet and what a report is: an earlier report is replaced as before', () => {
    expect(ownFileProblem(path.join(dir, 'new.ts'), [])).toBeUndefined()
    expect(ownFileProblem(path.join(dir, 'nowhere/venomqa.yaml'), [])).toBeUndefined()
    for (const name of ['junit.xml', 'results.json', 'report.md', 'index.html', 'run.har'])
      expect(ownFileProblem(at(`old/${name}`), [])).toBeUndefined()
    mkdirSync(path.join(dir, 'folder.ts'))
    expect(ownFileProblem(path.join(dir, 'folder.ts'), [])).toBeUndefined()
  })

  it('the refusal is a user error naming the output, who writes it, and what it would replace', () => {
    const config = at('conf/ci.yaml')
    try {
      refuseOutputsOverOwnFiles([{ file: path.join(dir, 'x.json'), who: '--save' }, { file: config, who: 'reporter "json"' }], ownFiles([{ file: config, what: 'the config file' }]), dir)
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({
        code: 'E_OUTPUT_OVER_INPUT',
        where: '--reporter',
        message: 'reporter "json" would write conf/ci.yaml, the config file, which it would replace; give it another file',
      })
    }
  })
})
