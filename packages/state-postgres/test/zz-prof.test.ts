import { it } from 'vitest'
import pg from 'pg'
import { postgresState } from '../src/index'
import { fingerprint } from '../src/catalog'
it('prof', async () => {
  const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres'
  const URL = 'postgres://postgres@127.0.0.1:5432/venomqa_pg_prof'
  const a = new pg.Client(ADMIN); await a.connect()
  await a.query('DROP DATABASE IF EXISTS venomqa_pg_prof WITH (FORCE)'); await a.query('CREATE DATABASE venomqa_pg_prof')
  const c = new pg.Client(URL); await c.connect()
  for (let i = 0; i < 10; i++) {
    await c.query(`CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL, amount numeric(12,2), payload text, updated_at timestamptz NOT NULL DEFAULT now()${i ? ', parent_id int REFERENCES t0(id) ON DELETE CASCADE' : ''})`)
    await c.query(`INSERT INTO t${i} (name, amount, payload${i ? ', parent_id' : ''}) SELECT 'row ' || g, g * 1.5, repeat(md5(g::text), 4)${i ? ', 1 + (g % 10000)' : ''} FROM generate_series(1, 10000) g`)
  }
  const b = postgresState({ url: URL }); await b.connect(); await b.checkpoint('base')
  const t = async (label: string, f: () => Promise<unknown>) => { const s: number[] = []; for (let i = 0; i < 50; i++) { const t0 = performance.now(); await f(); s.push(performance.now() - t0) } s.sort((x, y) => x - y); console.log(label, s[25].toFixed(2)) }
  const scope = { schemas: ['public'], exclude: [] }
  await t('fingerprint', () => fingerprint(c, scope))
  await t('dirty query', () => c.query(`SELECT DISTINCT rel FROM _venomqa.log WHERE seq > 5`))
  await t('path', async () => { await c.query(`UPDATE t1 SET name = 'x' WHERE id BETWEEN 100 AND 139`); await c.query(`INSERT INTO t2 (name, amount, parent_id) SELECT 'new ' || g, g, 1 FROM generate_series(1, 30) g`); await c.query(`DELETE FROM t3 WHERE id BETWEEN 500 AND 529`) ; await b.rollback('base') })
  await t('rollback only', async () => { await b.rollback('base') })
  const paths = async () => { await c.query(`UPDATE t1 SET name = 'x' WHERE id BETWEEN 100 AND 139`); await c.query(`INSERT INTO t2 (name, amount, parent_id) SELECT 'new ' || g, g, 1 FROM generate_series(1, 30) g`); await c.query(`DELETE FROM t3 WHERE id BETWEEN 500 AND 529`) }
  const s: number[] = []
  for (let i = 0; i < 50; i++) { await paths(); const t0 = performance.now(); await b.rollback('base'); s.push(performance.now() - t0) }
  s.sort((x, y) => x - y); console.log('rollback after path', s[25].toFixed(2))
  await c.query('SET session_replication_role = replica')
  // time the restore statements alone
  await b.disconnect(); await c.end(); await a.query('DROP DATABASE venomqa_pg_prof WITH (FORCE)'); await a.end()
}, 60000)
