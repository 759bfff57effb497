/**
 * Where a regression journey reads an id from when one step's exchanges hold its value twice: a create
 * that lists its collection first (what `--openapi` actions do) got `{ data: [], page: 1 }` from the list
 * and `{ id: 1 }` from the create. The journey read `projectId` from the list's `page`, the first exchange
 * holding a 1: on a database whose next id is not 1 it sent every later request to a project nobody made,
 * and failed on a 404 the API was right to answer, not on the bug.
 */
import { type HttpExchange, action, exploration, invariant } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun } from '../src/contracts'
import { jsonExchange as exchange, journeyWriter, stepRun } from './emit-fixtures'

const projects = exploration('projects', {
  actions: [action('createProject', () => undefined), action('getProject', () => undefined)],
  invariants: [invariant('projects readable', () => true)],
})

const writer = journeyWriter(projects, 'projects readable', 'projects')
afterAll(writer.clean)
const emitText = (run: SequenceRun) => writer.text(run)

describe('an id held by two exchanges of a step', () => {
  it("is read from the create's id, not from the list's page that holds the same number first", async () => {
    const text = await emitText({
      steps: [
        stepRun(
          'createProject',
          [exchange('GET', '/projects', undefined, 200, { data: [], page: 1, total: 0 }), exchange('POST', '/projects', { name: 'a' }, 201, { id: 1, name: 'a' })],
          {},
          { projectId: 1 },
        ),
        stepRun('getProject', [exchange('GET', '/projects/1', undefined, 200, { id: 1, name: 'a' })], { projectId: 1 }, { projectId: 1 }),
      ],
      violation: 'unreadable',
      probes: [],
    })
    expect(text).not.toContain('.page)')
    expect(text).toMatch(/ctx\.set\('projectId', \w+\.json\(\)\.id\)/)
  })

  it('still comes from the first exchange when both hold it under a name that says so', async () => {
    const text = await emitText({
      steps: [
        stepRun(
          'createProject',
          [exchange('GET', '/projects', undefined, 200, [{ id: 1, name: 'a' }]), exchange('POST', '/projects', { name: 'b' }, 201, { id: 1, name: 'b' })],
          {},
          { projectId: 1 },
        ),
      ],
      violation: 'unreadable',
      probes: [],
    })
    expect(text).toMatch(/ctx\.set\('projectId', res\.json\(\)\[0\]\.id\)/)
  })
})

/**
 * The shapes test/emit-id-offsets.test.ts found, each written from a fresh app where every table's ids
 * start at 1: the cart, its product, its line and its order are all 1, and only the place each came from
 * tells them apart.
 */
const shop = exploration('shop', {
  actions: ['create_cart', 'add_line', 'checkout', 'gift', 'pick'].map((name) => action(name, () => undefined)),
  invariants: [invariant('carts add up', () => true)],
})
const shopWriter = journeyWriter(shop, 'carts add up', 'shop')
afterAll(shopWriter.clean)

const cartCreated = stepRun(
  'create_cart',
  [exchange('GET', '/products', undefined, 200, [{ id: 1, name: 'widget' }]), exchange('POST', '/carts', undefined, 201, { id: 1, total: 0 })],
  {},
  { cartId: 1 },
)

describe('an id every table held, in a fresh app', () => {
  it("is read from the answer of the request that made it (POST /carts's id), not from a list read before it", async () => {
    const text = await shopWriter.text({ steps: [cartCreated], violation: 'v', probes: [] })
    expect(text).toMatch(/const res = await http\.post\('\/carts'\)[\s\S]*ctx\.set\('cartId', res\.json\(\)\.id\)/)
    expect(text).not.toContain("ctx.set('cartId', res.json()[0].id)")
  })

  it("is read from the object named like the key (order.id for orderId), not the cart's id before it", async () => {
    const cart = { cartId: 1 }
    const checkout = exchange('POST', '/carts/1/checkout', undefined, 201, { cart: { id: 1, total: 250 }, order: { id: 1, total: 250 } })
    const text = await shopWriter.text({ steps: [cartCreated, stepRun('checkout', [checkout], cart, { ...cart, orderId: 1 })], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('orderId', res.json().order.id)")
  })

  it("keeps a value the step's input holds as the input's (qty: 1), not the line's id that is 1 too", async () => {
    const cart = { cartId: 1 }
    const line = exchange('POST', '/carts/1/lines', { productId: 1, quantity: 1 }, 201, { id: 1, cartId: 1, productId: 1, quantity: 1 })
    const text = await shopWriter.text({ steps: [cartCreated, stepRun('add_line', [line], cart, { ...cart, lineId: 1, qty: 1 }, { qty: 1 })], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('qty', 1)")
    expect(text).toContain("ctx.set('lineId', res.json().id)")
  })

  it("sends a product id read from the product list (a bare [0].id of GET /products) from there, not the cart's id", async () => {
    const cart = { cartId: 1 }
    const add = stepRun(
      'add_line',
      [exchange('GET', '/products', undefined, 200, [{ id: 1, name: 'widget' }]), exchange('POST', '/carts/1/lines', { productId: 1, quantity: 2 }, 201, { id: 1, quantity: 2 })],
      cart,
      cart,
      { qty: 2 },
    )
    const text = await shopWriter.text({ steps: [cartCreated, add], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('add_line.0_id', res.json()[0].id)")
    expect(text).toContain("{ json: { productId: ctx.require('add_line.0_id'), quantity: 2 } }")
  })

  it("keeps a count of a list as the list's size, not the [0].id of its one item, and says the id held it too", async () => {
    const counted = stepRun('pick', [exchange('GET', '/products', undefined, 200, [{ id: 1, name: 'widget' }])], {}, { productsBefore: 1 })
    const text = await shopWriter.text({ steps: [counted], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('productsBefore', res.json().length)")
    expect(text).toContain('// AMBIGUOUS: "productsBefore" (1) is read from the size of GET /products (the body) by its value alone; GET /products [0].id held the same value.')
  })

  it('keeps the count of an empty list as its size too, not as the literal 0 of one run', async () => {
    const counted = stepRun('pick', [exchange('GET', '/products', undefined, 200, [])], {}, { productsBefore: 0 })
    const text = await shopWriter.text({ steps: [counted], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('productsBefore', res.json().length)")
  })

  it('says in a comment when a value sent was matched by value alone while other sources held it too', async () => {
    // What the setup put in the context.
    const ctx = { cartId: 1, orderId: 1 }
    const gift = stepRun('gift', [exchange('POST', '/gifts', { recipientId: 1 }, 201, { id: 5 })], ctx, ctx)
    const text = await shopWriter.text({ steps: [gift], violation: 'v', probes: [] })
    expect(text).toContain(
      `// AMBIGUOUS: 1 (sent as "recipientId") is read from the context key "orderId" by its value alone; the context key "cartId" held the same value. Check it is where the action took it from.`,
    )
  })

  it('says in a comment when a number in a path after a word that names no key was matched to the one key holding it', async () => {
    const ctx = { cartId: 1 }
    const text = await shopWriter.text({ steps: [stepRun('gift', [exchange('GET', '/reports/pages/1', undefined, 200, { rows: [] })], ctx, ctx)], violation: 'v', probes: [] })
    expect(text).toContain(
      '// AMBIGUOUS: 1 (in the path after "pages") is read from the context key "cartId" by its value alone; no name ties the two. Check it is where the action took it from.',
    )
  })

  it('says in a comment when a context value was read from one of several places, none named like its key', async () => {
    const pick = stepRun('pick', [exchange('GET', '/carts/1', undefined, 200, { id: 1, lines: [{ id: 1 }] })], { cartId: 1 }, { cartId: 1, winner: 1 })
    const text = await shopWriter.text({ steps: [cartCreated, pick], violation: 'v', probes: [] })
    expect(text).toContain(`ctx.set('winner', res.json().id)`)
    expect(text).toContain(`// AMBIGUOUS: "winner" (1) is read from GET /carts/1 .id by its value alone; GET /carts/1 .lines[0].id held the same value.`)
  })
})

describe('an id a Location alone gives, in a fresh app', () => {
  /** `POST /products/1/reviews` answered with the product's id and the stars in its body (each 1), the review's id in its Location. */
  const reviewed = (): HttpExchange => {
    const x = exchange('POST', '/products/1/reviews', { stars: 1 }, 201, { productId: 1, stars: 1 })
    x.response!.headers.location = '/products/1/reviews/1'
    return x
  }
  const product = { productId: 1 }

  it("keeps the review's id from the Location's segment after `reviews`, not the body's productId or the input's stars", async () => {
    const text = await shopWriter.text({ steps: [stepRun('pick', [reviewed()], product, { ...product, reviewId: 1 }, { stars: 1 })], violation: 'v', probes: [] })
    expect(text).toContain("ctx.set('reviewId', Number(decodeURIComponent(new URL(res.headers.location!, res.url).pathname.split('/').at(-1)!)))")
  })

  it("reads the review back at the Location's id, not at the product's id that is also in the request's path", async () => {
    const readBack = exchange('GET', '/products/1/reviews/1', undefined, 200, { id: 1, stars: 1 })
    const text = await shopWriter.text({ steps: [stepRun('pick', [reviewed(), readBack], product, product)], violation: 'v', probes: [] })
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.get(`/products/${ctx.require('productId')}/reviews/${ctx.require('pick.location')}`)")
  })
})
