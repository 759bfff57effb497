/**
 * `explore --openapi` writes one exploration module per document beside the regression journeys: a
 * second document explored into the same directory no longer rewrites the first one's, whose journeys
 * would then load the other document and pass without judging anything.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../src/config/load'
import { openApiExploration, openApiModuleName } from '../src/explorations/openapi'

// The module imports @venomqa/openapi: the project lives in this package, where it is found.
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const documentOf = (operationId: string) => ({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: { [`/${operationId}`]: { get: { operationId, responses: { 200: { description: 'ok' } } } } },
})

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(packageDir, '.openapi-module-name-'))
  await writeFile(path.join(root, 'shop.json'), JSON.stringify(documentOf('listProducts')))
  await mkdir(path.join(root, 'billing'))
  await writeFile(path.join(root, 'billing/shop.json'), JSON.stringify(documentOf('listInvoices')))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const config = () => ({ root, baseUrl: 'http://127.0.0.1:9' }) as ResolvedConfig

describe('the exploration module of explore --openapi', () => {
  it('is one per document in the same directory, each loading its own document', async () => {
    const first = await openApiExploration('shop.json', config(), 'journeys/regressions')
    const second = await openApiExploration('billing/shop.json', config(), 'journeys/regressions')
    expect(first.file).toMatch(/^journeys\/regressions\/shop-[0-9a-f]{8}\.exploration\.ts$/)
    expect(second.file).toMatch(/^journeys\/regressions\/shop-[0-9a-f]{8}\.exploration\.ts$/)
    expect(second.file).not.toBe(first.file)
    expect((await readdir(path.join(root, 'journeys/regressions'))).sort()).toEqual([path.basename(first.file), path.basename(second.file)].sort())
    for (const [{ file }, document] of [
      [first, 'shop.json'],
      [second, 'billing/shop.json'],
    ] as const) {
      expect(await readFile(path.join(root, file), 'utf8')).toContain(`openApiExploration(${JSON.stringify(document)},`)
      const loaded = (await import(pathToFileURL(path.join(root, file)).href)).default
      expect(loaded).toMatchObject({ kind: 'exploration', name: `openapi ${document}` })
    }
  })

  it('is the same file every time for one document, however it is named on the command line', async () => {
    const again = await openApiExploration('./shop.json', config(), 'journeys/regressions')
    expect(again.file).toBe(`journeys/regressions/${openApiModuleName('shop.json')}`)
    expect(await readdir(path.join(root, 'journeys/regressions'))).toHaveLength(2)
  })

  it('is named from a URL without its key, so that a new key keeps the name', () => {
    const a = openApiModuleName('http://127.0.0.1:8080/v1/openapi.yaml?api_key=KEY0123456789')
    expect(a).toMatch(/^openapi-[0-9a-f]{8}\.exploration\.ts$/)
    expect(openApiModuleName('http://127.0.0.1:8080/v1/openapi.yaml?api_key=OTHER987654321')).toBe(a)
    expect(openApiModuleName('http://127.0.0.1:8080/v2/openapi.yaml')).not.toBe(a)
    // Nothing to slug: still a name.
    expect(openApiModuleName('http://127.0.0.1:8080/')).toMatch(/^openapi-[0-9a-f]{8}\.exploration\.ts$/)
    expect(openApiModuleName('My API (v2).yaml')).toMatch(/^my-api-v2-[0-9a-f]{8}\.exploration\.ts$/)
  })
})
