import { PRIVATE_SCHEMA } from './catalog'
import { bigintLiteral, ident } from './sql'

/**
 * Large objects (lo_create, lo_import, lo_put, lo_unlink) live in pg_largeobject, a system catalog: no
 * trigger sees them change, and the undo log holds none of them. A checkpoint reads each one's state (its
 * owner, its privileges and a digest of its content); a rollback reads them again and removes the ones a
 * path created, which undoes them exactly. One a path changed or removed cannot be put back (its content
 * was not kept): the rollback names it and fails, as for DDL.
 */
const S = ident(PRIVATE_SCHEMA)

/** Bytes of a large object read at a time for its digest: lo_get of a whole one holds all of it in memory. */
const CHUNK_BYTES = 1024 * 1024

/** What a large object's state says when the backend's user may not read its content. */
const NOT_READABLE = 'not readable'

/**
 * Installed with the change tracking (see installSql). `large_objects` reads every large object's state:
 * pg_largeobject_metadata is readable by every user, the content only through lo_get, which needs SELECT
 * on that large object (its owner, a superuser, a GRANT, or lo_compat_privileges); one the user may not
 * read is told as such, not a failure. `unlink_large_objects` removes the given ones and returns those the
 * user may not remove (lo_unlink needs its owner or a superuser); each in a subtransaction of its own, so
 * that one refused does not abort the restore's transaction.
 */
export const LARGE_OBJECT_FUNCTIONS_SQL = `
CREATE FUNCTION ${S}.large_objects() RETURNS TABLE (lo oid, state text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE m record; digest text; chunk bytea; pos int8;
BEGIN
  FOR m IN SELECT l.oid, l.lomowner, l.lomacl FROM pg_catalog.pg_largeobject_metadata l ORDER BY l.oid LOOP
    digest := '';
    pos := 0;
    BEGIN
      LOOP
        chunk := pg_catalog.lo_get(m.oid, pos, ${CHUNK_BYTES});
        EXIT WHEN chunk IS NULL OR length(chunk) = 0;
        digest := md5(digest || md5(chunk));
        pos := pos + length(chunk);
      END LOOP;
      digest := pos || ':' || digest;
    EXCEPTION WHEN insufficient_privilege THEN
      digest := '${NOT_READABLE}';
    END;
    lo := m.oid;
    state := m.lomowner::text || ':' || coalesce(m.lomacl::text, '') || ':' || digest;
    RETURN NEXT;
  END LOOP;
END
$fn$;
CREATE FUNCTION ${S}.unlink_large_objects(los oid[]) RETURNS SETOF oid
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE o oid;
BEGIN
  FOREACH o IN ARRAY los LOOP
    BEGIN
      PERFORM pg_catalog.lo_unlink(o);
    EXCEPTION
      WHEN undefined_object THEN NULL; -- gone already: nothing left
      WHEN insufficient_privilege THEN RETURN NEXT o;
    END;
  END LOOP;
END
$fn$;
`

/** Large objects by oid: their state (owner, privileges, content digest) as large_objects() reads it. */
export type LargeObjects = Map<string, string>

export const READ_LARGE_OBJECTS_SQL = `SELECT lo::int8::text AS lo, state FROM ${S}.large_objects()`

export function toLargeObjects(rows: { lo: string; state: string }[]): LargeObjects {
  return new Map(rows.map((r) => [r.lo, r.state]))
}

/** How the large objects differ from a checkpoint's. */
export interface LargeObjectChanges {
  /** Created since: a rollback removes them. */
  created: string[]
  /** Content, owner or privileges changed: cannot be put back. */
  changed: string[]
  /** Removed since: cannot be put back. */
  removed: string[]
  /** Not readable by the backend's user then and now: whether they changed is unknown. */
  unreadable: string[]
}

export function largeObjectChanges(before: LargeObjects, after: LargeObjects): LargeObjectChanges {
  const changes: LargeObjectChanges = { created: [], changed: [], removed: [], unreadable: [] }
  for (const [lo, state] of before) {
    const now = after.get(lo)
    if (now === undefined) changes.removed.push(lo)
    else if (now !== state) changes.changed.push(lo)
    else if (state.endsWith(`:${NOT_READABLE}`)) changes.unreadable.push(lo)
  }
  for (const lo of after.keys()) if (!before.has(lo)) changes.created.push(lo)
  return changes
}

/** Remove `los`; the statement returns those the user may not remove. */
export function unlinkLargeObjectsSql(los: string[]): string {
  return `SELECT lo::int8::text AS lo FROM ${S}.unlink_large_objects(ARRAY[${los.map(bigintLiteral).join(', ')}]::oid[]) lo`
}

/**
 * What a rollback could not undo, in words: large objects changed, removed, unreadable, or created and
 * not removable (`left`). Empty when none.
 */
export function describeLargeObjectsLeft(changes: LargeObjectChanges, left: string[], user: string): string[] {
  const list = (los: string[]) => `${los.length === 1 ? 'large object' : 'large objects'} ${los.join(', ')}`
  const out: string[] = []
  if (changes.changed.length)
    out.push(`${list(changes.changed)} changed (lo_put, lo_truncate, lowrite, ALTER LARGE OBJECT, GRANT or REVOKE) and cannot be put back`)
  if (changes.removed.length) out.push(`${list(changes.removed)} removed (lo_unlink) and cannot be put back`)
  if (left.length) out.push(`${list(left)} created, which user "${user}" may not remove (lo_unlink needs their owner or a superuser)`)
  if (changes.unreadable.length)
    out.push(
      `${list(changes.unreadable)} not readable by user "${user}" (permission denied), so whether the path changed ${changes.unreadable.length === 1 ? 'it' : 'them'} is unknown`,
    )
  return out
}
