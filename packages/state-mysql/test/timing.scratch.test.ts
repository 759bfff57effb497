import { it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { freshDatabase, dropDatabase, urlFor } from './helpers'
it('timing', async () => {
  await freshDatabase('venomqa_my_scratch')
  for (let i = 0; i < 3; i++) {
    const b = new MysqlSnapshotBackend({ url: urlFor('venomqa_my_scratch') })
    let t = performance.now(); await b.connect(); const c = performance.now() - t
    t = performance.now(); await b.checkpoint('a'); const cp = performance.now() - t
    t = performance.now(); await b.rollback('a'); const rb = performance.now() - t
    t = performance.now(); await b.disconnect(); const d = performance.now() - t
    console.log({ c, cp, rb, d })
  }
  await dropDatabase('venomqa_my_scratch')
})
