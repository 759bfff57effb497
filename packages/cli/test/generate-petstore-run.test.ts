import { readFileSync } from 'node:fs'
import { copyFile } from 'node:fs/promises'
import path from 'node:path'
import { SchemaChecker, loadDocument, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { jsonApp, projectWithJsonApp } from './helpers/json-app'

/**
 * The journeys written from the Petstore 3.0 document, run twice against a Petstore in its own process
 * that behaves as a correct one with a database that outlives a run: it gives ids itself, places an order
 * only for a pet it has, keeps a username taken once taken (a deleted user's row stays, as a soft delete
 * keeps it), and never lets an update change the username a user is read by.
 */
const SOURCE = path.join(import.meta.dirname, 'fixtures/openapi/petstore3.json')

const APP = jsonApp({
  state: 'const pets = new Map()\nconst orders = new Map()\nconst users = new Map()\nconst taken = new Set()\nlet nextId = 1',
  handle: `
    const [kind, second] = parts
    if (kind === 'pet') {
      if (req.method === 'POST' && parts.length === 1) {
        if (typeof body?.name !== 'string' || !Array.isArray(body.photoUrls)) return send(400, { error: 'a pet needs a name and photoUrls' })
        const pet = { ...body, id: nextId++ }
        pets.set(pet.id, pet)
        return send(200, pet)
      }
      if (second === 'findByStatus' || second === 'findByTags') return send(200, [...pets.values()])
      const pet = pets.get(Number(second))
      if (!pet) return send(404, { error: 'no such pet' })
      if (req.method === 'GET') return send(200, pet)
      if (req.method === 'POST') return send(200, pet)
      if (req.method === 'DELETE') return send(200, pets.delete(pet.id))
    }
    if (kind === 'store' && second === 'inventory') return send(200, { available: pets.size })
    if (kind === 'store' && second === 'order') {
      if (req.method === 'POST') {
        if (!pets.has(body?.petId)) return send(400, { error: 'no pet ' + body?.petId + ' to order' })
        const order = { ...body, id: nextId++ }
        orders.set(order.id, order)
        return send(200, order)
      }
      const order = orders.get(Number(parts[2]))
      if (!order) return send(404, { error: 'no such order' })
      if (req.method === 'GET') return send(200, order)
      if (req.method === 'DELETE') return send(200, orders.delete(order.id))
    }
    if (kind === 'user') {
      if (req.method === 'POST' && parts.length === 1) {
        if (typeof body?.username !== 'string') return send(400, { error: 'a user needs a username' })
        if (taken.has(body.username)) return send(409, { error: 'username ' + body.username + ' is taken' })
        taken.add(body.username)
        const user = { ...body, id: nextId++ }
        users.set(user.username, user)
        return send(200, user)
      }
      const user = users.get(decodeURIComponent(second))
      if (!user) return send(404, { error: 'no such user' })
      if (req.method === 'GET') return send(200, user)
      if (req.method === 'PUT') {
        if (body.username !== undefined && body.username !== user.username) return send(400, { error: 'a username cannot change' })
        if (body.id !== undefined && body.id !== user.id) return send(400, { error: 'an id cannot change' })
        return send(200, Object.assign(user, body))
      }
      if (req.method === 'DELETE') return send(200, users.delete(user.username))
    }
    send(405, { error: 'method not allowed' })`,
})

describe('venomqa generate: the Petstore journeys, run twice against a Petstore in its own process', () => {
  const running = projectWithJsonApp(APP)

  it('passes on each run, and every body it sends is one the document accepts (ajv)', async () => {
    const { project, app } = running
    await copyFile(SOURCE, path.join(project.dir, 'petstore3.json'))
    const generated = await project.venomqa(['generate', '--openapi', 'petstore3.json', '--out', 'journeys'])
    expect(generated.code, generated.stderr).toBe(0)
    expect(readFileSync(path.join(project.dir, 'journeys', 'store.journey.ts'), 'utf8')).toContain("petId: ctx.require('petId')")
    const env = { API_TOKEN: 'petstore-token', API_KEY: 'petstore-key' }
    for (const round of [1, 2]) {
      const run = await project.venomqa(['run', 'journeys', '--base-url', app.url], { env })
      expect(run.stdout, `run ${round}: ${run.stdout}${run.stderr}`).toMatch(/Journeys {2}3 passed of 3/)
      expect(run.code).toBe(0)
    }
    const doc = await loadDocument(SOURCE, { root: import.meta.dirname })
    const received = (await (await fetch(`${app.url}/received`)).json()) as { operation: string; body: unknown }[]
    const checker = new SchemaChecker(doc.openapi, doc, { request: true })
    // The app writes each segment after a collection's as `{}` (`POST /store/{}` is `POST /store/order`).
    const schemaOf = (operation: string) => {
      const [method, route] = operation.split(' ') as [string, string]
      const segments = route.split('/')
      const fits = (p: string) => p.split('/').length === segments.length && p.split('/').every((s, i) => segments[i] === '{}' || s === segments[i])
      return operations(doc).find((o) => o.method === method && o.requestBody && fits(o.path))!.requestBody!.schema!
    }
    expect(new Set(received.map((r) => r.operation))).toEqual(new Set(['POST /pet', 'POST /store/{}', 'POST /user', 'PUT /user/{}']))
    for (const r of received) expect(checker.check(schemaOf(r.operation), r.body), `${r.operation} ${JSON.stringify(r.body)}`).toBeUndefined()
  })
})
