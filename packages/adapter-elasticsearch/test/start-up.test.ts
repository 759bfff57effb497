/**
 * The Elasticsearch client is loaded when the plugin first needs it (its port is made, a given `client` is
 * checked), not when the plugin is imported: loading it takes about 100 ms, which every run that configured
 * the plugin paid before its first step. Runs on the built package (CI builds before the tests), each case
 * in a fresh process. No Elasticsearch server is needed: making a client connects to nothing.
 */
import path from 'node:path'
import { fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { expect, it } from 'vitest'

const DIST = path.join(import.meta.dirname, '../dist/index.js')

/** The files of the client that Node has loaded once `after` ran, in a fresh process that imported the plugin as `mod`. */
const clientFilesAfter = (after: string) => {
  const { modules, output } = modulesLoadedBy(DIST, after)
  return { files: modules.filter(fromPackage('@elastic/elasticsearch')), output }
}

it('importing the plugin and checking options without a client loads no Elasticsearch client', () => {
  const { files, output } = clientFilesAfter(`
    const r = mod.elasticsearchPluginOptions.safeParse({ node: 'http://127.0.0.1:9', indexPrefix: 'qa-' })
    process.stdout.write(String(r.success))`)
  expect(output).toBe('true')
  expect(files).toEqual([])
})

it('making the search port loads the client, the instance an import of it gives', () => {
  const { files, output } = clientFilesAfter(`
    const port = new mod.ElasticsearchSearch({ node: 'http://127.0.0.1:9' })
    const { Client } = await import('@elastic/elasticsearch')
    process.stdout.write(String(port.client instanceof Client))
    await port.close()`)
  expect(output).toBe('true')
  expect(files.length).toBeGreaterThan(0)
})

it('a client given as an option is checked against the same class; anything else is refused', () => {
  const { output } = clientFilesAfter(`
    const { Client } = await import('@elastic/elasticsearch')
    const client = new Client({ node: 'http://127.0.0.1:9' })
    const given = mod.elasticsearchPluginOptions.safeParse({ client })
    const fake = mod.elasticsearchPluginOptions.safeParse({ client: { search() {} } })
    process.stdout.write(JSON.stringify([given.success, fake.success, fake.error?.issues.map((i) => i.path.join('.') + ': ' + i.message)]))
    await client.close()`)
  expect(JSON.parse(output)).toEqual([true, false, ['client: expected an @elastic/elasticsearch Client']])
})
