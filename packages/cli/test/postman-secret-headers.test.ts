import { describe, expect, it } from 'vitest'
import type { Collection, Request } from '../src/postman/collection'
import { importCollection } from '../src/postman/emit'

// generate-import.test.ts imports whole collections end to end; this checks one rule on its own.

const request = (headers: Request['headers']): Request => ({ name: 'reports', method: 'GET', url: 'https://api.test/reports', headers, scripts: [], place: 'item[0]' })

describe('venomqa import postman: a hard-coded header', () => {
  it('named with a secret word among its words (X-Client-Key, X-Custom-Auth) is read from the environment, never written', () => {
    const collection: Collection = {
      name: 'Reports',
      variables: [],
      root: { name: 'Reports', items: [request([{ key: 'X-Client-Key', value: 'ck-HARDCODED-777' }, { key: 'X-Custom-Auth', value: 'ca-HARDCODED-888' }, { key: 'X-Author', value: 'ada' }])], scripts: [], place: '' },
    }
    const { files, secrets } = importCollection(collection)
    const content = files.map((f) => f.content).join('\n')
    for (const secret of ['ck-HARDCODED-777', 'ca-HARDCODED-888']) expect(content).not.toContain(secret)
    expect(secrets.map((s) => s.name)).toEqual(['VENOMQA_SECRET_X_CLIENT_KEY', 'VENOMQA_SECRET_X_CUSTOM_AUTH'])
    // A name that only looks alike is no secret: its value is written as it is.
    expect(content).toContain("'X-Author': 'ada'")
  })
})
