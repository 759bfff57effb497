import type { TrackedTable } from './catalog'
import { PRIVATE_SCHEMA, SHAPE_FUNCTION_SQL } from './catalog'
import { LARGE_OBJECT_FUNCTIONS_SQL } from './large-objects'
import { bigintLiteral, ident } from './sql'

/**
 * Change tracking for the snapshot mechanism, all inside one private schema so that dropping it removes
 * every trace (triggers depend on its functions).
 *
 * `log` is an undo log: a row trigger on each tracked table writes the image of every row before it
 * changes (and the key of every row that appears). The first entry of a key after a checkpoint's mark is
 * that row as it was at the checkpoint, so a rollback restores exactly the keys touched since, and costs
 * what the path changed. Tables without a primary key are copied whole, once, on the first statement
 * that changes them after a checkpoint.
 */
export const S = ident(PRIVATE_SCHEMA)

/**
 * Row images are kept as the row's text form (what COPY uses), which reads back exactly for every type.
 * The function is SECURITY DEFINER because the app may connect as a role that cannot write to the private
 * schema; the SET clauses pin the settings that change how values print, whatever the app's session uses.
 * One function per table, so that the key comparison is plain field access.
 */
const FUNCTION_HEADER = `LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres SET extra_float_digits = 3`

export function installSql(): string {
  return `
CREATE SCHEMA ${S};
COMMENT ON SCHEMA ${S} IS 'VenomQA change tracking; dropped when the run ends, and on the next connect after a crash';
CREATE SEQUENCE ${S}.seq;
CREATE UNLOGGED TABLE ${S}.log (
  seq bigint PRIMARY KEY DEFAULT nextval('${PRIVATE_SCHEMA}.seq'),
  rel oid NOT NULL,
  existed boolean NOT NULL,
  img text
);
CREATE INDEX log_rel_seq ON ${S}.log (rel, seq);
-- generation: moved by each checkpoint's mark and each restore, from a sequence, which every transaction
-- reads as it is now, whatever its snapshot (see capture_table).
CREATE SEQUENCE ${S}.generation;
CREATE UNLOGGED TABLE ${S}.state (mark bigint NOT NULL, generation bigint NOT NULL);
INSERT INTO ${S}.state VALUES (0, nextval('${PRIVATE_SCHEMA}.generation'));
${SHAPE_FUNCTION_SQL}
${LARGE_OBJECT_FUNCTIONS_SQL}

-- Other sessions with writes to tracked tables or large objects in flight (see inflight.ts). A function,
-- so that its plan is made once per session: pg_stat_activity is a view whose planning costs a round trip
-- about 0.7 ms, at every checkpoint and rollback; and read only when another session holds a lock that
-- tells such a write. pg_largeobject has the same oid in every database: its locks are this database's.
-- With mark_readers, also every session holding a lock on the mark's table (granted: not one waiting for
-- the restore's), which a statement on a table without a key takes, and keeps to its transaction's end,
-- whether or not it changed a row: a rollback waits for them (see restore() in snapshot.ts).
-- A prepared transaction (PREPARE TRANSACTION) keeps its locks and its uncommitted writes, with no session:
-- its locks have no pid, and are told its by their virtual transaction, which its xid's lock shares. It is
-- a writer like any other (its rows land when COMMIT PREPARED runs), named by its gid.
CREATE FUNCTION ${S}.in_flight_writers(tracked oid[], mark_readers boolean DEFAULT false)
  RETURNS TABLE (pid int, application text, "user" text, client text, open_seconds float8, state text, gid text)
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE db oid := (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
DECLARE mark_table oid := '${PRIVATE_SCHEMA}.state'::regclass;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid IS DISTINCT FROM pg_backend_pid() AND (
      (l.locktype = 'relation' AND l.mode <> 'AccessShareLock' AND l.relation = ANY (tracked))
      OR (l.database = db AND l.locktype = 'relation' AND l.relation = 'pg_largeobject'::regclass AND l.mode = 'RowExclusiveLock')
      OR (l.database = db AND l.locktype = 'object' AND l.classid = 'pg_largeobject'::regclass)
      OR (mark_readers AND l.database = db AND l.locktype = 'relation' AND l.relation = mark_table AND l.granted))) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT a.pid, coalesce(a.application_name, '')::text, coalesce(a.usename::text, ''), host(a.client_addr),
      extract(epoch FROM clock_timestamp() - a.xact_start)::float8, a.state::text, NULL::text
    FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND (
      (a.backend_xid IS NOT NULL AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND (
        (l.locktype = 'relation' AND l.mode <> 'AccessShareLock' AND l.relation = ANY (tracked))
        OR (l.database = db AND l.locktype = 'relation' AND l.relation = 'pg_largeobject'::regclass AND l.mode = 'RowExclusiveLock')
        OR (l.database = db AND l.locktype = 'object' AND l.classid = 'pg_largeobject'::regclass))))
      OR (mark_readers AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.database = db AND l.locktype = 'relation' AND l.relation = mark_table AND l.granted)))
    UNION ALL
    SELECT NULL::int, ''::text, p.owner::text, NULL::text, extract(epoch FROM clock_timestamp() - p.prepared)::float8, 'prepared'::text, p.gid
    FROM pg_prepared_xacts p
    WHERE p.database = current_database() AND EXISTS (
      SELECT 1 FROM pg_locks x JOIN pg_locks l ON l.virtualtransaction = x.virtualtransaction AND l.pid IS NULL
      WHERE x.pid IS NULL AND x.locktype = 'transactionid' AND x.transactionid = p.transaction AND (
        (l.locktype = 'relation' AND l.mode <> 'AccessShareLock' AND l.relation = ANY (tracked))
        OR (l.database = db AND l.locktype = 'relation' AND l.relation = 'pg_largeobject'::regclass AND l.mode = 'RowExclusiveLock')
        OR (l.database = db AND l.locktype = 'object' AND l.classid = 'pg_largeobject'::regclass)
        OR (mark_readers AND l.database = db AND l.locktype = 'relation' AND l.relation = mark_table)))
    ORDER BY 5 DESC NULLS LAST;
END
$fn$;

-- TRUNCATE fires no row triggers: save every row first. The row is t.*, not t: a column named t
-- would be taken for it. FROM ONLY: a TRUNCATE of a parent fires this on each inheritance child too,
-- which saves its own rows; read without ONLY, the parent's copy would hold them as well.
CREATE FUNCTION ${S}.capture_truncate() RETURNS trigger ${FUNCTION_HEADER} AS $fn$
BEGIN
  EXECUTE format('INSERT INTO ${S}.log (rel, existed, img) SELECT %s, true, (t.*)::text FROM ONLY %s t', TG_RELID, TG_RELID::regclass);
  RETURN NULL;
END
$fn$;

-- A table without a primary key: one copy of the whole table per checkpoint, taken when it first changes.
-- FROM ONLY: the rows of its inheritance children are theirs, not its own (see restoreSql).
-- A statement trigger fires only on the table a statement names, not on the inheritance children or
-- partitions it reaches (UPDATE parent, DELETE FROM parent, INSERT routed into a partition): every
-- keyless tracked table below TG_RELID (those with this function as their _venomqa_capture trigger) is
-- copied here too, or their rows changed through the parent were never saved and stayed after a rollback.
-- A partitioned table holds no rows and is never tracked: it carries _venomqa_capture_parts for this only.
-- The mark as this statement's snapshot shows it may be one a checkpoint or a rollback has moved since: in a
-- transaction of the app that runs REPEATABLE READ or SERIALIZABLE and took its snapshot before, the
-- trigger saw the mark and the log as they were then, found the copy the rollback had removed and took
-- none (or copied the table as it was then), and the transaction's rows here stayed after the next
-- rollback while its rows in a table with a key were undone: half of it. The generation tells: the state
-- row shows the one of its snapshot, the sequence the newest. When they differ in such a transaction, the
-- row is read again FOR SHARE, which waits for a checkpoint taking its mark, and fails the statement (40001,
-- which such a transaction is retried on) when the row changed after its snapshot. Not under READ
-- COMMITTED, whose statement reads the newest committed mark already: its lock, taken while a checkpoint
-- marks, held the app's transaction there, and the checkpoint's look for writers found it in flight at
-- every try (with the app writing without pause from two connections, 7 checkpoints in 20 were taken in
-- one measure, against 19).
CREATE FUNCTION ${S}.capture_table() RETURNS trigger ${FUNCTION_HEADER} AS $fn$
DECLARE r oid;
DECLARE m bigint;
DECLARE g bigint;
BEGIN
  SELECT s.mark, s.generation INTO m, g FROM ${S}.state s;
  IF g <> (SELECT q.last_value FROM ${S}.generation q) AND pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
    BEGIN
      SELECT s.mark INTO m FROM ${S}.state s FOR SHARE;
    EXCEPTION WHEN serialization_failure THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('could not serialize access: a VenomQA rollback or checkpoint moved the change tracking''s mark after this transaction''s snapshot, so its write to table %s could not be tracked whole', TG_RELID::regclass),
        HINT = 'Retry the transaction, as for any serialization failure.';
    END;
  END IF;
  FOR r IN
    WITH RECURSIVE tree(rel) AS (SELECT TG_RELID UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent = tree.rel)
    SELECT tree.rel FROM tree WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = tree.rel
      AND g.tgname = '_venomqa_capture' AND g.tgfoid = '${S}.capture_table'::regproc)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM ${S}.log WHERE rel = r AND seq > m) THEN
      EXECUTE format('INSERT INTO ${S}.log (rel, existed, img) SELECT %s, true, coalesce(array_agg(t.*)::text, ''{}'') FROM ONLY %s t', r, r::regclass);
    END IF;
  END LOOP;
  RETURN NULL;
END
$fn$;
`
}

export function triggerSql(t: TrackedTable): string {
  if (t.primaryKey.length === 0)
    return `CREATE TRIGGER _venomqa_capture BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t.sql} FOR EACH STATEMENT EXECUTE FUNCTION ${S}.capture_table();
${partitionedParentsTriggerSql(t)}`
  const fn = `${S}.${ident(`capture_${t.oid}`)}`
  const keyChanged = t.primaryKey.map((k) => `OLD.${ident(k)} IS DISTINCT FROM NEW.${ident(k)}`).join(' OR ')
  return `CREATE FUNCTION ${fn}() RETURNS trigger ${FUNCTION_HEADER} AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${S}.log (rel, existed, img) VALUES (TG_RELID, false, NEW::text);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO ${S}.log (rel, existed, img) VALUES (TG_RELID, true, OLD::text);
  ELSE
    INSERT INTO ${S}.log (rel, existed, img) VALUES (TG_RELID, true, OLD::text);
    -- A changed key leaves a row under the new key that did not exist at the checkpoint.
    IF ${keyChanged} THEN
      INSERT INTO ${S}.log (rel, existed, img) VALUES (TG_RELID, false, NEW::text);
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER _venomqa_capture AFTER INSERT OR UPDATE OR DELETE ON ${t.sql} FOR EACH ROW EXECUTE FUNCTION ${fn}();
CREATE TRIGGER _venomqa_capture_truncate BEFORE TRUNCATE ON ${t.sql} FOR EACH STATEMENT EXECUTE FUNCTION ${S}.capture_truncate();`
}

/**
 * A statement on a partitioned table fires no statement trigger of the partition it writes, so a keyless
 * partition's copy was never taken for an INSERT, UPDATE or DELETE naming its parent: the rollback left
 * those rows. Each partitioned ancestor gets a statement trigger of its own that runs capture_table, which
 * copies the keyless tracked partitions below it (it holds no rows itself). Created once per ancestor
 * (several keyless partitions share it); dropped with the private schema, as the function goes.
 */
function partitionedParentsTriggerSql(t: TrackedTable): string {
  return `DO $do$
DECLARE p regclass;
BEGIN
  FOR p IN SELECT a.relid FROM pg_catalog.pg_partition_ancestors(${bigintLiteral(t.oid)}::oid) a
      JOIN pg_catalog.pg_class c ON c.oid = a.relid WHERE c.relkind = 'p'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = a.relid AND g.tgname = '_venomqa_capture_parts')
  LOOP
    EXECUTE format('CREATE TRIGGER _venomqa_capture_parts BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ${S}.capture_table()', p);
  END LOOP;
END
$do$;`
}

/**
 * Put back the rows of `t` that changed after `mark`; runs with triggers and foreign keys off. DELETE FROM
 * ONLY: without it, a DELETE of a table with inheritance children removes their rows too (a parent without
 * a key lost every row of its children, which its copy then put back into the parent; one with a key lost
 * the child rows holding a key it restored), and the children's own restore never sees them.
 */
export function restoreSql(t: TrackedTable, mark: string): string {
  const m = bigintLiteral(mark)
  const cols = t.columns.map(ident)
  const override = t.identityAlways ? ' OVERRIDING SYSTEM VALUE' : ''
  if (t.primaryKey.length === 0) {
    return `DELETE FROM ONLY ${t.sql};
INSERT INTO ${t.sql} (${cols.join(', ')})${override}
  SELECT ${cols.map((c) => `r.${c}`).join(', ')} FROM unnest(
    (SELECT img FROM ${S}.log WHERE rel = ${t.oid} AND seq > ${m} ORDER BY seq LIMIT 1)::${t.sql}[]) r;`
  }
  const pk = t.primaryKey.map(ident)
  const changed = `SELECT l.seq AS _vq_seq, l.existed AS _vq_existed, r.* FROM ${S}.log l
    CROSS JOIN LATERAL unnest(ARRAY[l.img::${t.sql}]) r WHERE l.rel = ${t.oid} AND l.seq > ${m}`
  return `DELETE FROM ONLY ${t.sql} t USING (${changed}) c WHERE ${pk.map((k) => `t.${k} = c.${k}`).join(' AND ')};
INSERT INTO ${t.sql} (${cols.join(', ')})${override}
  SELECT ${cols.map((c) => `f.${c}`).join(', ')} FROM (
    SELECT DISTINCT ON (${pk.map((k) => `c.${k}`).join(', ')}) c.* FROM (${changed}) c
    ORDER BY ${pk.map((k) => `c.${k}`).join(', ')}, c._vq_seq) f
  WHERE f._vq_existed;`
}
