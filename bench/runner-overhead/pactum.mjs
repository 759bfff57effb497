// The same flow through Pactum, a peer API testing tool, as its users write it.
import pactum from 'pactum'
const n = Number(process.env.N)
pactum.request.setBaseUrl(process.env.TARGET)
const t0 = performance.now()
for (let i = 0; i < n; i++) {
  const id = await pactum.spec().post('/items').withJson({ name: `item ${i}` }).expectStatus(201).returns('id')
  await pactum.spec().get(`/items/${id}`).expectStatus(200)
  await pactum.spec().delete(`/items/${id}`).expectStatus(204)
}
const ms = performance.now() - t0
process.stdout.write(JSON.stringify({ innerMs: ms }))
