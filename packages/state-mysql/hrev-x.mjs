import mysql from 'mysql2/promise'
const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
const q = async (s) => { try { const [r] = await c.query(s); return r } catch (e) { return 'ERR ' + e.message.slice(0, 400) } }
const tails = ['PRECEDES `trg1`SET NEW.n = 1', 'PRECEDES `trg1` SET NEW.n = 1', 'PRECEDES `trg1`\nSET NEW.n = 1', ' PRECEDES `trg1`SET NEW.n = 1', 'PRECEDES `trg1`  SET NEW.n = 1', 'PRECEDES trg1 SET NEW.n = 1']
let i = 0
for (const mode of ['STRICT_TRANS_TABLES', 'IGNORE_SPACE,STRICT_TRANS_TABLES'])
for (const tail of tails) {
  const db = `hrev_t6_${i++}`
  await q(`DROP DATABASE IF EXISTS ${db}`); await q(`CREATE DATABASE ${db}`); await q(`USE ${db}`)
  await q(`SET SESSION sql_mode = '${mode}'`)
  await q('CREATE TABLE items (id INT PRIMARY KEY, n INT)')
  await q('CREATE TRIGGER trg1 BEFORE INSERT ON items FOR EACH ROW SET NEW.n = 5')
  const cr = await q('CREATE DEFINER=`root`@`127.0.0.1` TRIGGER trgx BEFORE INSERT ON items FOR EACH ROW ' + tail)
  const sh = await q('SHOW CREATE TRIGGER trgx')
  const ins = await q('INSERT INTO items (id) VALUES (1)')
  console.log(JSON.stringify({ mode, tail, create: typeof cr === 'string' ? cr : 'ok', stored: typeof sh === 'string' ? sh : sh[0]['SQL Original Statement'].replace(/.*FOR EACH ROW/, 'ROW'), insert: typeof ins === 'string' ? ins.slice(0, 200) : 'ok' }))
  const dr = await q(`DROP DATABASE ${db}`); if (typeof dr === 'string') console.log('   drop:', dr)
}
await c.end()
