import { createRequire } from 'node:module'
const mysql = createRequire('/work/main/packages/state-mysql/package.json')('mysql2/promise')
const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: 'venomqa_my_prof', multipleStatements: true })
await c.query('CREATE TABLE IF NOT EXISTS tiny (id INT PRIMARY KEY, v INT)')
const t = async (label: string, sql: string, n = 15) => { const s: number[] = []; for (let i = 0; i < n; i++) { const t0 = performance.now(); await c.query(sql.replace('$i', String(i))); s.push(performance.now() - t0) } ; s.sort((a,b)=>a-b); console.log(label.padEnd(30), 'median', s[Math.floor(n/2)].toFixed(1), 'all', s.map(x => x.toFixed(1)).join(' ')) }
await t('select 1', 'SELECT 1')
await t('autocommit insert (1 fsync)', 'REPLACE INTO tiny VALUES ($i, 1)')
await t('alter ai', 'ALTER TABLE tiny AUTO_INCREMENT = 5')
console.log((await c.query('SELECT @@innodb_flush_log_at_trx_commit f, @@innodb_flush_method m, @@sync_binlog s'))[0])
await c.end()
