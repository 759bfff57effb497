import { it } from 'vitest'
import pg from 'pg'
import { postgresState } from '../src/index'
import { findTables } from '../src/catalog'
import { restoreSql } from '../src/tracking'
it('prof2', async () => {
  const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres'
  const URL = 'postgres://postgres@127.0.0.1:5432/venomqa_pg_prof'
  const a = new pg.Client(ADMIN); await a.connect()
  await a.query('DROP DATABASE IF EXISTS venomqa_pg_prof WITH (FORCE)'); await a.query('CREATE DATABASE venomqa_pg_prof')
  const c = new pg.Client(URL); await c.connect()
  for (let i = 0; i < 10; i++) {
    await c.query(`CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL, amount numeric(12,2), payload text, updated_at timestamptz NOT NULL DEFAULT now()${i ? ', parent_id int REFERENCES t0(id) ON DELETE CASCADE' : ''})`)
    await c.query(`INSERT INTO t${i} (name, amount, payload${i ? ', parent_id' : ''}) SELECT 'row ' || g, g * 1.5, repeat(md5(g::text), 4)${i ? ', 1 + (g % 10000)' : ''} FROM generate_series(1, 10000) g`)
  }
  await c.query('ANALYZE')
  const b = postgresState({ url: URL }); await b.connect(); await b.checkpoint('base')
  const { tables } = await findTables(c, { schemas: ['public'], exclude: [] })
  const mark = (await c.query('SELECT mark::text FROM _venomqa.state')).rows[0].mark
  const acc: Record<string, number[]> = {}
  const t = async (label: string, f: () => Promise<unknown>) => { const t0 = performance.now(); await f(); (acc[label] ??= []).push(performance.now() - t0) }
  for (let i = 0; i < 40; i++) {
    await c.query(`UPDATE t1 SET name = 'x' WHERE id BETWEEN 100 AND 139`); await c.query(`INSERT INTO t2 (name, amount, parent_id) SELECT 'new ' || g, g, 1 FROM generate_series(1, 30) g`); await c.query(`DELETE FROM t3 WHERE id BETWEEN 500 AND 529`)
    await t('begin', () => c.query('BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off'))
    await t('dirty', () => c.query(`SELECT DISTINCT rel FROM _venomqa.log WHERE seq > ${mark}`))
    for (const n of ['t1', 't2', 't3']) await t('restore ' + n, () => c.query(restoreSql(tables.find((x) => x.name === n)!, mark)))
    await t('dellog', () => c.query(`DELETE FROM _venomqa.log WHERE seq > ${mark}`))
    await t('setval', () => c.query(`SELECT ${tables.map((x) => `setval('${x.name}_id_seq', 10000, true)`).join(', ')}`))
    await t('commit', () => c.query('COMMIT'))
    await c.query(`SELECT setval('t2_id_seq', 10000, true)`)
  }
  for (const [k, v] of Object.entries(acc)) { v.sort((x, y) => x - y); console.log(k.padEnd(12), v[20]!.toFixed(3)) }
  console.log(restoreSql(tables.find((x) => x.name === 't1')!, mark))
  console.log((await c.query('EXPLAIN ' + restoreSql(tables.find((x) => x.name === 't1')!, mark).split(';')[0])).rows.map(r => r['QUERY PLAN']).join('\n'))
  await b.disconnect(); await c.end(); await a.query('DROP DATABASE venomqa_pg_prof WITH (FORCE)'); await a.end()
}, 60000)
