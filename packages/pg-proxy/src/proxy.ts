import { randomBytes, randomInt } from 'node:crypto'
import { EventEmitter } from 'node:events'
import net from 'node:net'
import { TIMER_MS_EXPECTED, isTimerMs, redactConnectionUrl } from '@venomqa/core'
import { type BlockedSession, blockedSessions, blockedSessionsSql } from './blocked'
import { UpstreamLock, type WaitStats } from './lock'
import { md5Matches } from './protocol/auth'
import { FrameReader, type Message, message } from './protocol/frames'
import {
  authenticationOk,
  backendKeyData,
  cancelRequest,
  type Fields,
  errorResponse,
  parameterStatus,
  parse,
  readStartupPacket,
  readyForQuery,
  serverErrorResponse,
  type ServerError as ErrorFields,
  sync,
} from './protocol/messages'
import { CAVEATS, type RefusalRecord, refusalRecord, replicationRefused } from './refusals'
import { type Hub, INTERNAL, Session, type UpstreamObject } from './session'
import { escapeString, processIdOf } from './sql'
import { DEFAULT_UPSTREAM_TIMEOUT_MS, ServerError, Upstream, type UpstreamTarget, parseUpstreamUrl } from './upstream'

export interface PgProxyOptions {
  /** postgres://user:password@host:port/database: the database the app's data lives in. */
  upstream: string
  /** Where the app connects. Default host 127.0.0.1, port 0 (any free port; see `port` once listening). */
  host?: string
  port?: number
  /** Required from every client when set (md5); without it only loopback clients are accepted. */
  password?: string
  /** How long a connection may sit idle inside a transaction while another waits, ms. Default 5000. */
  idleInTransactionTimeoutMs?: number
  /** How long to wait for the upstream server at start, ms. Default 5000. */
  connectTimeoutMs?: number
  /**
   * How long the proxy's own statements (a checkpoint, a rollback, a release, a query, its start) may wait
   * for the database, ms. Default 30000. Past it the database is taken as gone: the proxy drops its session,
   * which rolls back everything done through it as a stop does, and every later operation fails at once.
   */
  upstreamTimeoutMs?: number
}

/** What PgProxy#rollback is given. */
export interface ProxyRollbackOptions {
  /** The run was interrupted (Ctrl-C): the app's statements under way are cancelled, not waited for. */
  readonly interrupt?: boolean
}

/** What a stop did, for the line a standalone proxy prints as it stops. */
export interface ProxyStopped {
  /** The app's connections open at the stop, which it ended. */
  connections: number
  /** How many of them were inside a transaction (rolled back with everything else). */
  inTransaction: number
  /** Whether the sequences were put back where they stood at start: `none` when the database has none. */
  sequences: 'put back' | 'left where they are' | 'none'
}

export interface ProxyStats extends WaitStats {
  /** Client connections accepted so far, and open now. */
  connections: number
  open: number
}

type Caveat = keyof typeof CAVEATS

/** A sequence's position, to put back after ROLLBACK TO (sequences are not transactional). */
interface SequenceValue {
  oid: string
  lastValue: string
  isCalled: boolean
}

/**
 * Reads every sequence of the database in one call; a temporary function, gone with the base transaction.
 * The proxy's functions run as the proxy's user (SECURITY DEFINER): the session they run on holds the
 * settings of the app's connection that had it last, a `SET ROLE` too, and a role that may not read or
 * setval the sequences (or read the tables) would fail every checkpoint, rollback and observe of the run.
 * A sequence with CACHE above 1 has its next values handed to the session in advance: its row then says
 * where the cache ends, not what nextval returned last. For those, this session's currval is the position
 * (unless a setval or ALTER SEQUENCE since then emptied the cache: the row is right again then, and not
 * ahead of currval, or not called).
 */
const SEQUENCES_FUNCTION = `
CREATE FUNCTION pg_temp.venomqa_sequences(OUT seq oid, OUT last_value int8, OUT is_called bool) RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $venomqa$
DECLARE r record; current int8;
BEGIN
  FOR r IN SELECT c.oid, s.seqcache, s.seqincrement FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
           WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_temp%'
           ORDER BY c.oid LOOP
    seq := r.oid;
    EXECUTE format('SELECT last_value, is_called FROM %s', r.oid::regclass) INTO last_value, is_called;
    IF r.seqcache > 1 AND is_called THEN
      BEGIN
        current := pg_catalog.currval(r.oid::regclass);
        IF (r.seqincrement > 0 AND current < last_value) OR (r.seqincrement < 0 AND current > last_value) THEN
          last_value := current;
        END IF;
      EXCEPTION WHEN object_not_in_prerequisite_state THEN
        NULL; -- not used by this session yet: nothing cached, the row is right
      END;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$venomqa$`

const READ_SEQUENCES = 'SELECT seq::int8::text, last_value::text, is_called::text FROM pg_temp.venomqa_sequences()'

/** Row counts of every table the app can see, in one round trip: what observe() reads after every step of an exploration. */
const ROW_COUNTS_FUNCTION = `
CREATE FUNCTION pg_temp.venomqa_row_counts(OUT name text, OUT n int8) RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $venomqa$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid, format('%I.%I', ns.nspname, c.relname) AS qualified FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname NOT LIKE 'pg\\_%'
           ORDER BY 2 LOOP
    name := r.qualified;
    EXECUTE format('SELECT count(*) FROM %s', r.oid::regclass) INTO n;
    RETURN NEXT;
  END LOOP;
END
$venomqa$`

/**
 * currval and lastval belong to a session, and every connection shares the proxy's. So the session's hold
 * only what the connection that has it now did since it got it: at each change of hands (and at a rollback,
 * and before the proxy's own query), this function keeps the values the session holds for the connection
 * they belong to (when it took any: lastval says so, or it called setval), merged into what was kept for
 * it before (`kept`), then clears them (`clear`: DISCARD SEQUENCES); it returns what is kept now when that
 * changed. Kept as a prepared statement `venomqa.sequences.<client>`, SELECTing them as JSON: prepared
 * statements belong to the session and, as currval, outlive a rollback (a temporary table, or a setting,
 * would be undone by a checkpoint rollback, and RESET ALL would clear a setting).
 *
 * A checkpoint keeps them too, without clearing them (the connection's sequence caches go on, as on
 * PostgreSQL). So the values held and not kept yet were taken since the last checkpoint or rollback, at
 * the positions `seqs`, `last_values`, `called`: only a sequence that moved since then (or is newer) is
 * read, each in a subtransaction. With `restore`, the sequences that moved are put back there, after the
 * values they held were kept (setval sets currval), as the proxy's user, whatever role the session holds
 * (see SEQUENCES_FUNCTION). Nothing here may fail the base transaction: what cannot be read is not kept.
 */
const SEQUENCES_KEEP_FUNCTION = `
CREATE FUNCTION pg_temp.venomqa_sequences_keep(client int, kept jsonb, setval_called bool, seqs oid[], last_values int8[], called bool[], restore bool, clear bool) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $venomqa$
DECLARE store text := 'venomqa.sequences.' || client; taken int8; seen jsonb := '{}'; moved oid[] := '{}'; s oid; now_kept jsonb;
BEGIN
  IF client IS NOT NULL THEN
    BEGIN
      taken := lastval();
      seen := jsonb_build_object('last', taken);
    EXCEPTION WHEN OTHERS THEN
      NULL; -- no nextval since the session was cleared
    END;
  END IF;
  IF taken IS NOT NULL OR setval_called OR restore THEN
    BEGIN
      moved := ARRAY(SELECT x.s FROM unnest(seqs, last_values, called) AS x(s, v, c) WHERE pg_sequence_last_value(x.s) IS DISTINCT FROM CASE WHEN x.c THEN x.v END);
    EXCEPTION WHEN OTHERS THEN
      -- A rollback that cannot read the sequences fails, saying why; what cannot be read is not kept.
      IF restore THEN RAISE; END IF;
    END;
  END IF;
  IF taken IS NOT NULL OR setval_called THEN
    -- The sequences that moved, and any newer one (maybe another session's temporary sequence: not read).
    -- After a setval, every one: it may have put a sequence back where it was, unmoved but with a currval.
    FOREACH s IN ARRAY CASE WHEN setval_called THEN seqs ELSE moved END || ARRAY(SELECT seqrelid FROM pg_sequence EXCEPT SELECT unnest(seqs)) LOOP
      BEGIN
        seen := seen || jsonb_build_object(s::text, currval(s::regclass));
      EXCEPTION WHEN OTHERS THEN
        NULL; -- not taken since the session was cleared
      END;
    END LOOP;
  END IF;
  IF restore THEN
    PERFORM setval(x.s::regclass, x.v, x.c) FROM unnest(seqs, last_values, called) AS x(s, v, c) WHERE NOT x.c OR x.s = ANY (moved);
  END IF;
  now_kept := coalesce(kept, '{}') || seen;
  IF now_kept = coalesce(kept, '{}') THEN
    now_kept := NULL;
  ELSE
    BEGIN
      IF kept IS NOT NULL THEN
        EXECUTE format('DEALLOCATE %I', store);
      END IF;
      EXECUTE format('PREPARE %I AS SELECT %L::pg_catalog.jsonb', store, now_kept);
    EXCEPTION WHEN OTHERS THEN
      now_kept := NULL;
    END;
  END IF;
  IF clear THEN
    DISCARD SEQUENCES;
  END IF;
  RETURN now_kept;
END
$venomqa$`

/**
 * What the app's currval(seq) and lastval() call (see ownCalls): the value the connection's own nextval
 * took, since it got the session (the session's), or before (kept for it, see SEQUENCES_KEEP_FUNCTION);
 * PostgreSQL's own error where it took none. As the app's role, which must be allowed to read the
 * sequence as for currval. Names qualified: the app's search_path applies here.
 */
const SEQUENCE_FUNCTIONS = `
CREATE FUNCTION pg_temp.currval(client int, seq regclass) RETURNS int8
LANGUAGE plpgsql AS $venomqa$
DECLARE kept pg_catalog.jsonb;
BEGIN
  BEGIN
    RETURN pg_catalog.currval(seq);
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    NULL;
  END;
  BEGIN
    EXECUTE pg_catalog.format('EXECUTE %I', 'venomqa.sequences.' || client) INTO kept;
  EXCEPTION WHEN invalid_sql_statement_name THEN
    NULL;
  END;
  RETURN coalesce((kept OPERATOR(pg_catalog.->>) seq::pg_catalog.oid::pg_catalog.text)::pg_catalog.int8, pg_catalog.currval(seq));
END
$venomqa$;
CREATE FUNCTION pg_temp.lastval(client int) RETURNS int8
LANGUAGE plpgsql AS $venomqa$
DECLARE kept pg_catalog.jsonb;
BEGIN
  BEGIN
    RETURN pg_catalog.lastval();
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    NULL;
  END;
  BEGIN
    EXECUTE pg_catalog.format('EXECUTE %I', 'venomqa.sequences.' || client) INTO kept;
  EXCEPTION WHEN invalid_sql_statement_name THEN
    NULL;
  END;
  RETURN coalesce((kept OPERATOR(pg_catalog.->>) 'last')::pg_catalog.int8, pg_catalog.lastval());
END
$venomqa$`

/**
 * What the app's set_config calls when it may name idle_in_transaction_session_timeout (see ownCalls):
 * that one is answered as the server answers it (the value as it shows it, its error for a value it does
 * not take) but not kept, set in a subtransaction that is then undone: set on the shared session, always
 * idle in a transaction between the app's statements, it would end it. Any other name is PostgreSQL's
 * set_config, as the app's role. No SET clause: it would undo a set_config(..., true) at the function's end.
 */
const SET_CONFIG_FUNCTION = `
CREATE FUNCTION pg_temp.set_config(name text, value text, is_local bool) RETURNS text
LANGUAGE plpgsql AS $venomqa$
DECLARE shown text;
BEGIN
  IF name IS NULL OR pg_catalog.lower(name) <> 'idle_in_transaction_session_timeout' THEN
    RETURN pg_catalog.set_config(name, value, is_local);
  END IF;
  BEGIN
    shown := pg_catalog.set_config(name, value, true);
    RAISE EXCEPTION USING ERRCODE = 'VQ001';
  EXCEPTION WHEN SQLSTATE 'VQ001' THEN
    NULL;
  END;
  RETURN shown;
END
$venomqa$`

/**
 * Rows committed around the proxy, read at a rollback after ROLLBACK TO and before the sequences are put
 * back: for each sequence that moved since the checkpoint (`seqs`, `last_values`, `called`: its position
 * there), the columns it feeds (OWNED BY, identity, or a DEFAULT that calls nextval of it) that hold a
 * value it handed out since and would hand out again once put back. The proxy's own writes since the checkpoint were
 * just undone, so what is there was committed by other sessions (under READ COMMITTED each query here
 * sees their commits; see PgProxy#committedAround for the other levels). Through each column's index
 * (the primary key's, mostly) a look costs one index probe. A column that cannot be read (a lock timeout,
 * a type the value does not compare with) is skipped, in a subtransaction: nothing here fails the base
 * transaction. As the proxy's user (see SEQUENCES_FUNCTION). Returns [seq, table, column, the first value the
 * sequence would hand out again, the farthest value found, where the sequence stands now] for each.
 */
const COMMITTED_AROUND_FUNCTION = `
CREATE FUNCTION pg_temp.venomqa_committed_around(seqs oid[], last_values int8[], called bool[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $venomqa$
DECLARE r record; found text; result jsonb := '[]';
BEGIN
  FOR r IN
    WITH moved AS (
      SELECT x.s, x.v, x.c, q.seqincrement AS inc, pg_sequence_last_value(x.s) AS now FROM unnest(seqs, last_values, called) AS x(s, v, c) JOIN pg_sequence q ON q.seqrelid = x.s
      WHERE pg_sequence_last_value(x.s) IS NOT NULL AND pg_sequence_last_value(x.s) IS DISTINCT FROM CASE WHEN x.c THEN x.v END
    )
    -- Per moved sequence, through pg_depend's indexes: the whole table of dependencies costs more than
    -- the rollback itself.
    SELECT m.s, m.v, m.c, m.inc, m.now, f.rel, att.attname FROM moved m CROSS JOIN LATERAL (
      SELECT d.refobjid AS rel, d.refobjsubid AS att FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = m.s AND d.objsubid = 0 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
      UNION
      SELECT a.adrelid, a.adnum FROM pg_depend d JOIN pg_attrdef a ON a.oid = d.objid
      WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = m.s AND d.classid = 'pg_attrdef'::regclass
    ) f
      JOIN pg_attribute att ON att.attrelid = f.rel AND att.attnum = f.att AND NOT att.attisdropped
      JOIN pg_class t ON t.oid = f.rel AND t.relkind IN ('r', 'p')
    ORDER BY m.s, f.rel, f.att
  LOOP
    BEGIN
      -- Past the position (at it too when not called yet) up to where the sequence is now: what it handed
      -- out since the checkpoint, and will again once put back. A row beyond (an explicit id of a seed) was
      -- not handed out by it since, and collides or not whether or not it is put back.
      EXECUTE format('SELECT %s(%I)::text FROM %s WHERE %I %s $1 AND %I %s $2', CASE WHEN r.inc > 0 THEN 'max' ELSE 'min' END, r.attname, r.rel::regclass, r.attname,
        CASE WHEN r.inc > 0 AND r.c THEN '>' WHEN r.inc > 0 THEN '>=' WHEN r.c THEN '<' ELSE '<=' END, r.attname, CASE WHEN r.inc > 0 THEN '<=' ELSE '>=' END) INTO found USING r.v, r.now;
    EXCEPTION WHEN OTHERS THEN
      found := NULL;
    END;
    IF found IS NOT NULL THEN
      result := result || jsonb_build_array(jsonb_build_array(r.s::text, r.rel::regclass::text, r.attname::text, CASE WHEN r.c THEN (r.v::numeric + r.inc)::text ELSE r.v::text END, found, r.now::text));
    END IF;
  END LOOP;
  RETURN result;
END
$venomqa$`

/** The proxy's temporary functions, made at its start and again after the app's DISCARD TEMP. */
/**
 * The names of the session's temporary relations, as a JSON array (null without any), read twice at every
 * rollback (see PgProxy#rollback). Through pg_depend's index on what depends on the session's temporary
 * schema, not a scan of pg_class, and as a function, whose plan PL/pgSQL keeps for the session: the same
 * query sent as SQL was planned at every call. The two reads cost a rollback about 0.24 ms that way, 0.07 ms
 * this one (bench/proxy-rollback: 1.5 ms a rollback, of which 0.4 ms were these reads). Every relation a
 * session makes in its temporary schema (a table, its serial's sequence, a view, a partition) depends on it.
 */
const TEMP_TABLES_FUNCTION = `
CREATE FUNCTION pg_temp.venomqa_temp_tables() RETURNS text
LANGUAGE plpgsql AS $venomqa$
BEGIN
  RETURN (SELECT pg_catalog.json_agg(c.relname ORDER BY c.relname)::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
    WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = pg_catalog.pg_my_temp_schema() AND d.refobjsubid = 0
      AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'));
END
$venomqa$`

/**
 * What the app's pg_backend_pid() calls (see ownCalls): the process id its connection was given at its start,
 * not the shared session's, the same for every connection. Named as PostgreSQL's, its column is too.
 */
const BACKEND_PID_FUNCTION = 'CREATE FUNCTION pg_temp.pg_backend_pid(pid int4) RETURNS int4 LANGUAGE sql IMMUTABLE AS $venomqa$SELECT $1$venomqa$'

const FUNCTIONS = [SEQUENCES_FUNCTION, ROW_COUNTS_FUNCTION, SEQUENCES_KEEP_FUNCTION, SEQUENCE_FUNCTIONS, SET_CONFIG_FUNCTION, COMMITTED_AROUND_FUNCTION, TEMP_TABLES_FUNCTION, BACKEND_PID_FUNCTION].join(';\n')

export const READ_ROW_COUNTS = 'SELECT name, n::text FROM pg_temp.venomqa_row_counts()'

/**
 * The app's DISCARD TEMP drops every temporary object of the session, the functions above with its
 * tables: they are made again in the same statement, so that the next checkpoint can read the sequences.
 * Made by the proxy's user, whose rights they run with: the role the app's connection set is put back after.
 */
const DISCARD_TEMP = `DO $venomqa_discard$ DECLARE r text := pg_catalog.current_setting('role'); BEGIN DISCARD TEMP; RESET ROLE; ${FUNCTIONS}; IF r <> 'none' THEN EXECUTE pg_catalog.format('SET ROLE %I', r); END IF; END $venomqa_discard$`

export class ProxyError extends Error {
  override name = 'ProxyError'
  /** What the user should do about it, when the proxy knows (the run's issue takes it as its suggestion). */
  readonly hint?: string

  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    if (options?.hint) this.hint = options.hint
  }
}

/**
 * The transaction proxy: the app's connections in front, one upstream session behind, inside one
 * transaction that is never committed. The app's transactions become savepoints and run one at a time;
 * a checkpoint is one more savepoint (and the sequences' positions), a rollback one round trip.
 */
export class PgProxy extends EventEmitter implements Hub {
  readonly lock = new UpstreamLock()
  readonly idleInTransactionTimeoutMs: number
  readonly upstreamTimeoutMs: number
  appliedSettings: string | undefined = ''
  sessionConfigOf?: Session
  /**
   * The connection whose currval and lastval values the upstream session holds (see #keepSequences): null
   * when it holds none, undefined when they are nobody's (the proxy's own query took them).
   */
  #sequencesOf: Session | null | undefined = null
  borrowing?: Promise<void>
  readonly leftStatements: UpstreamObject[] = []
  readonly discardTempSql = DISCARD_TEMP
  readonly tempFunctionsSql = FUNCTIONS
  #changeWaiters: (() => void)[] = []
  readonly target: UpstreamTarget
  readonly refusals: RefusalRecord[] = []
  readonly warnings: string[] = []
  #upstream?: Upstream
  #server?: net.Server
  readonly #options: PgProxyOptions
  readonly #sessions = new Map<number, { session: Session; socket: net.Socket; pid: number; secret: number }>()
  /** `settings`: the connection settings the upstream session held when the savepoint was taken (appliedSettings then). */
  readonly #checkpoints: { name: string; savepoint: string; sequences: SequenceValue[]; settings: string | undefined }[] = []
  readonly #caveatsSaid = new Set<Caveat>()
  /** The server's answers to clients' startup parameters, by the parameters (see #greeting). */
  readonly #greetings = new Map<string, Promise<{ parameters: Map<string, string> } | { refusal: Fields } | undefined>>()
  #atStart: SequenceValue[] = []
  /** The pids of the proxy's own sessions on the database (its session, its probes): not the app's (see #committedAroundWhy). */
  readonly #ownPids = new Set<number>()
  /** Whether the base transaction reads others' commits at each statement (READ COMMITTED): see #committedAround. */
  #readCommitted = true
  /**
   * Why no rollback can be trusted any more: rows were committed around the proxy (see #committedAround).
   * From then on the sequences are never put back (a rollback's setval, the stop's), as that would hand
   * out the ids of rows committed around it again.
   */
  #untrusted?: string
  /** Temporary tables a rollback dropped (made after its checkpoint), by name: the checkpoint, and whether the app met one missing since. */
  readonly #droppedTemp = new Map<string, { checkpoint: string; met: boolean }>()
  /** The sequences' positions at the last checkpoint or rollback (or the start), as the arguments of SEQUENCES_KEEP_FUNCTION. */
  #positions = ''
  #nextId = 1
  #counter = 0
  #connections = 0
  #lost?: Error
  #stopping = false
  /** The one stop: a second call (a quit run's letGo while the run's disconnect stops it) waits for it too. */
  #stopped?: Promise<ProxyStopped>

  constructor(options: PgProxyOptions) {
    super()
    this.#options = options
    this.target = parseUpstreamUrl(options.upstream)
    // Checked here too: PgProxy is used without the plugin's schema, and a timer given 0 or more than it
    // keeps fires at once, so every operation would fail "within 0 ms".
    for (const key of ['idleInTransactionTimeoutMs', 'connectTimeoutMs', 'upstreamTimeoutMs'] as const)
      if (options[key] !== undefined && !isTimerMs(options[key])) throw new ProxyError(`${key}: ${TIMER_MS_EXPECTED}, got ${JSON.stringify(options[key])}`)
    this.idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ?? 5000
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS
  }

  get upstream(): Upstream {
    if (!this.#upstream) throw new ProxyError('the proxy is not started')
    return this.#upstream
  }

  /** The port the proxy listens on (after start). */
  get port(): number {
    return (this.#server?.address() as net.AddressInfo | null)?.port ?? 0
  }

  get host(): string {
    return this.#options.host ?? '127.0.0.1'
  }

  /**
   * The URL the app should use: the upstream's user, database and settings, the proxy's host and port and
   * password. Not the parameters that are about the upstream connection: its password (the app has no use
   * for it, and the URL is printed), a host or port that would send the app past the proxy, and TLS
   * settings (the proxy answers TLS requests "no"; node-pg takes any sslmode as "TLS or fail").
   */
  get url(): string {
    const u = new URL(this.#options.upstream)
    u.hostname = this.host.includes(':') ? `[${this.host}]` : this.host
    u.port = String(this.port)
    u.password = this.#options.password ? encodeURIComponent(this.#options.password) : ''
    for (const key of [...u.searchParams.keys()]) if (/^(password|host|hostaddr|port|ssl\w*)$/i.test(key)) u.searchParams.delete(key)
    return u.toString()
  }

  get stats(): ProxyStats {
    return { ...this.lock.stats, connections: this.#connections, open: this.#sessions.size }
  }

  /** Checkpoint names, oldest first. */
  get checkpoints(): string[] {
    return this.#checkpoints.map((c) => c.name)
  }

  /** Connect upstream, open the base transaction, listen. */
  async start(): Promise<void> {
    const upstream = await Upstream.connect(this.target, { timeoutMs: this.#options.connectTimeoutMs })
    this.#upstream = upstream
    this.#ownPids.add(upstream.pid)
    upstream.onClose((err) => this.#upstreamLost(err))
    await this.#answered(upstream, 'the start of its transaction', async () => {
      await this.#prepareInternalStatements(upstream)
      // Made inside the base transaction, before any checkpoint: no rollback removes them, the end of the run does.
      await upstream.run(`BEGIN; ${FUNCTIONS}`)
      this.#atStart = toSequences((await upstream.run(READ_SEQUENCES)).rows)
      this.#positions = sequenceArrays(this.#atStart)
      this.#readCommitted = (await upstream.run(ISOLATION)).rows[0]?.[0] === 'read committed'
    })
    // What a client that gives no settings is greeted with: asked now, every such client has it at once.
    await this.#greeting({})
    // Half-open: a client that ends its side after its last messages still reads the answers (see Session's endOfInput).
    this.#server = net.createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket))
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject)
      this.#server!.listen(this.#options.port ?? 0, this.host, () => resolve())
    })
  }

  async #prepareInternalStatements(upstream: Upstream): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      let error: Error | undefined
      upstream.listen((m) => {
        if (m.type === 'E') error ??= new ProxyError(`preparing the proxy's statements failed: ${m.body.toString('utf8').replace(/\0/g, ' ')}`)
        if (m.type === 'Z') (error ? reject(error) : resolve())
      })
      upstream.write([...Object.values(INTERNAL).map(([name, sql]) => parse(name, sql)), sync()])
    })
  }

  // ---- checkpoints ---------------------------------------------------------------------------------

  /** A savepoint under everything the app did so far, and the sequences' positions. */
  async checkpoint(name: string): Promise<void> {
    await this.#exclusive(`checkpoint "${name}"`, async (upstream) => {
      if (this.#untrusted) throw new ProxyError(`checkpoint "${name}" cannot be trusted: ${this.#untrusted}`, { hint: this.#committedAroundHint() })
      // The settings the checkpoint saves (appliedSettings) must say what the session holds.
      await this.readSessionConfig(async (sql) => (await upstream.run(sql)).rows)
      const existing = this.#checkpoints.findIndex((c) => c.name === name)
      const drop = existing >= 0 ? `RELEASE SAVEPOINT ${this.#checkpoints[existing]!.savepoint}; ` : ''
      const savepoint = `venomqa_cp_${++this.#counter}`
      // The values the app's connection took so far are kept for it (see SEQUENCES_KEEP_FUNCTION): the next
      // checkpoint, or a rollback to here, reads only what moved since.
      const holder = this.#sequencesOf
      const kept = holder ? this.#keepSequences(holder, { positions: this.#positions, clear: false }) : undefined
      const result = await upstream.run(`${kept ? `${kept.sql}; ` : ''}${drop}SAVEPOINT ${savepoint}; ${READ_SEQUENCES}`).catch(async (err: unknown) => {
        // A failed read of the sequences (a sequence the upstream user may not read, a lock timeout) aborts
        // the base transaction: every statement of every connection would fail with 25P02 until a rollback
        // to an older checkpoint undid the app's work. Back to the savepoint just taken, which undoes
        // nothing, and it goes; the checkpoint of the same name was released before the read.
        await upstream.run(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`).catch(() => {})
        if (existing >= 0) this.#checkpoints.splice(existing)
        throw err
      })
      kept?.answered(result.rows[0]?.[0] ?? null)
      if (existing >= 0) this.#checkpoints.splice(existing)
      const sequences = toSequences(kept ? result.rows.slice(1) : result.rows)
      this.#checkpoints.push({ name, savepoint, sequences, settings: this.appliedSettings })
      this.#positions = sequenceArrays(sequences)
    })
  }

  /**
   * Everything since the checkpoint undone, sequences put back; the checkpoint stays, later ones go. On an
   * interrupt (`options.interrupt`) the app's statements under way are cancelled rather than waited for.
   */
  async rollback(name: string, options: ProxyRollbackOptions = {}): Promise<void> {
    const i = this.#find(name)
    const doing = `the rollback to "${name}"`
    const waiting = options.interrupt ? () => this.#cancelForInterrupt(doing) : undefined
    await this.#exclusive(doing, async (upstream) => {
      const cp = this.#checkpoints[i]!
      // A connection keeps its settings across a rollback, as on its own session: those made with
      // set_config since the checkpoint are read before the rollback undoes them, as its SETs are known.
      await this.readSessionConfig(async (sql) => (await upstream.run(sql)).rows)
      // The sequences that moved are put back; currval and lastval outlive a rollback, as on PostgreSQL:
      // kept for their connection first (setval sets currval).
      const positions = sequenceArrays(cp.sequences)
      // The temporary tables before and after: those the rollback drops were made after the checkpoint
      // (a pool's connect hook, say), and the app may count on them (see Session#droppedTempTable).
      // Between the rollback and the sequences' setval: the rows committed around the proxy (see
      // COMMITTED_AROUND_FUNCTION), read while the proxy's own writes since the checkpoint are undone. At
      // READ COMMITTED all of it is one round trip, as a rollback was before: a sequence found under such
      // rows (rare, and the end of a trusted run) is set forward again past them right after, so that its
      // next value collides with none. At other levels the rows are read first, from a connection of its own.
      const restore = !this.#untrusted
      const inOneTrip = this.#readCommitted && restore
      const keep = inOneTrip ? this.#keepSequences(this.#sequencesOf, { positions, restore }) : undefined
      const around = keep ? `; SELECT pg_temp.venomqa_committed_around(${positions})::text; ${keep.sql}` : ''
      const { rows } = await upstream.run(`${TEMP_TABLES}; ROLLBACK TO SAVEPOINT ${cp.savepoint}; ${TEMP_TABLES}${around}`)
      const after = new Set<string>(JSON.parse(rows[1]?.[0] ?? '[]'))
      for (const table of JSON.parse(rows[0]?.[0] ?? '[]') as string[]) if (!after.has(table)) this.#droppedTemp.set(table, { checkpoint: name, met: false })
      let committed: CommittedRows[]
      if (keep) {
        this.#sequencesOf = null
        keep.answered(rows[3]?.[0] ?? null)
        committed = committedRows(rows[2]?.[0])
        if (committed.length) await upstream.run(setForwardSql(committed))
      } else {
        committed = restore ? await this.#committedAround(positions) : []
        // A sequence under rows committed around the proxy is not put back: its next value would collide
        // with them. The others are (what went through the proxy does not outlive the rollback).
        const spared = new Set(committed.map((c) => c.seq))
        const sequences = this.#keepSequences(this.#sequencesOf, { positions: spared.size ? sequenceArrays(cp.sequences.filter((q) => !spared.has(q.oid))) : positions, restore })
        this.#sequencesOf = null
        const kept = await upstream.run(sequences.sql)
        sequences.answered(kept.rows[0]?.[0] ?? null)
      }
      if (restore) this.#positions = positions
      this.#checkpoints.splice(i + 1)
      // SETs made since the checkpoint were undone with it: the session holds the settings it held then, so
      // a connection with those needs no RESET ALL round trip before its next statement (most rollbacks).
      this.appliedSettings = cp.settings
      if (committed.length) this.#untrusted = await this.#committedAroundWhy(upstream, name, committed)
      // Also a rollback after rows were once found: they stay, and the sequences were not put back.
      else if (this.#untrusted) throw new ProxyError(`the rollback to "${name}" cannot be trusted: ${this.#untrusted}`, { hint: this.#committedAroundHint() })
      if (committed.length) throw new ProxyError(this.#untrusted!, { hint: this.#committedAroundHint() })
    }, waiting)
  }

  /** The fix for rows committed around the proxy, as the run's suggestion: the app's mistake, not the proxy's. */
  #committedAroundHint(): string {
    return `The app (or a worker, a second pool, a migration) wrote to the database directly, not through the proxy: give each of them the proxy's URL as its DATABASE_URL (${redactConnectionUrl(this.url)}), delete what it committed, and restart the proxy: until then no checkpoint or rollback can be trusted.`
  }

  /**
   * Rows committed around the proxy since the checkpoint, read from a connection of its own: the base
   * transaction's snapshot (REPEATABLE READ or SERIALIZABLE, the server's default level) does not see
   * others' commits. The connection sees only committed rows, none of the proxy's; a table it cannot lock
   * within a second (the proxy's DDL before the checkpoint holds it) is not looked at.
   */
  async #committedAround(positions: string): Promise<CommittedRows[]> {
    let probe: Upstream
    try {
      probe = await Upstream.connect(this.target, { applicationName: 'venomqa pg-proxy probe', timeoutMs: this.#options.connectTimeoutMs })
    } catch (err) {
      this.emit('warning', `rows committed around the proxy were not looked for (no connection for it: ${(err as Error).message}); the sequences are put back`)
      return []
    }
    this.#ownPids.add(probe.pid)
    try {
      const { rows } = await probe.run(`SET lock_timeout = '1s'; ${COMMITTED_AROUND_FUNCTION}; SELECT pg_temp.venomqa_committed_around(${positions})::text`)
      return committedRows(rows.at(-1)?.[0])
    } finally {
      await probe.close()
    }
  }

  /**
   * The sessions connected to the database directly that wait on a lock the proxy's transaction holds
   * (see BlockedSession), read from a connection of its own: the proxy's session may be busy with the app.
   */
  async blockedSessions(): Promise<BlockedSession[]> {
    const base = this.upstream.pid
    const probe = await Upstream.connect(this.target, { applicationName: 'venomqa pg-proxy probe', timeoutMs: this.#options.connectTimeoutMs })
    this.#ownPids.add(probe.pid)
    try {
      const { rows } = await probe.run(blockedSessionsSql(base))
      return blockedSessions(rows.at(-1)?.[0])
    } finally {
      await probe.close()
    }
  }

  /**
   * Why the rollback to `checkpoint` failed: rows committed around the proxy (an app, or part of one,
   * connected to the database directly), which no rollback undoes. The sessions on the database that are
   * not the proxy's are listed to help find it (not a rule: a psql that only reads is among them too).
   */
  async #committedAroundWhy(upstream: Upstream, checkpoint: string, committed: CommittedRows[]): Promise<string> {
    const tables = committed.map((c) => `table ${c.table} (column ${JSON.stringify(c.column)}: values from ${c.target} to ${c.found}, which the sequence would hand out again)`).join(', ')
    let sessions = ''
    try {
      const { rows } = await upstream.run(otherSessionsSql([...this.#ownPids]))
      const list = (JSON.parse(rows.at(-1)?.[0] ?? '[]') as [number, string | null, string | null, number | null, string | null][])
        .filter(([pid]) => !this.#ownPids.has(pid))
        .map(([pid, app, addr, port, state]) => `pid ${pid} (application_name ${JSON.stringify(app ?? '')}, from ${addr ? `${addr}${port && port > 0 ? `:${port}` : ''}` : 'a local socket'}, ${state ?? 'state not shown'})`)
      sessions = list.length
        ? ` Sessions on the database that are not the proxy's (one of them may be the app): ${list.join(', ')}.`
        : ' No other session on the database is connected now (or the proxy\'s user may not see them: pg_read_all_stats).'
    } catch {
      // Only a help: the rollback fails for the rows either way.
    }
    return `the rollback to "${checkpoint}": rows were committed to the database "${this.target.database}" around the proxy since checkpoint "${checkpoint}", in ${tables}. A session connected to the database directly, not through the proxy, committed them for real, so no rollback undoes them, and the sequences that feed those columns are not put back (their next values would collide with these rows); no later checkpoint or rollback can be trusted. The app must connect through the proxy at ${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port} (its DATABASE_URL: ${redactConnectionUrl(this.url)}).${sessions}`
  }

  droppedTempTable(name: string): { checkpoint: string; first: boolean } | undefined {
    const dropped = this.#droppedTemp.get(name)
    if (!dropped) return undefined
    const first = !dropped.met
    dropped.met = true
    return { checkpoint: dropped.checkpoint, first }
  }

  /** Forget the checkpoint and every later one; what was done since stays. */
  async release(name: string): Promise<void> {
    const i = this.#checkpoints.findIndex((c) => c.name === name)
    if (i < 0) return
    await this.#exclusive(`the release of "${name}"`, async (upstream) => {
      await upstream.run(`RELEASE SAVEPOINT ${this.#checkpoints[i]!.savepoint}`)
      this.#checkpoints.splice(i)
    })
  }

  /** Run SQL on the upstream session between the app's transactions (inside the base transaction). */
  query(sql: string): Promise<(string | null)[][]> {
    return this.#exclusive('a query', async (upstream) => {
      // What its nextval takes is nobody's currval: the connection's are kept first. Not for the proxy's
      // own row counts (observe, after every step of an exploration), which take none.
      const holder = this.#sequencesOf
      const takes = sql !== READ_ROW_COUNTS
      const sequences = takes && holder ? this.#keepSequences(holder, { positions: this.#positions }) : undefined
      if (takes) this.#sequencesOf = undefined
      const { rows } = await upstream.run(`${sequences ? `${sequences.sql}; ` : ''}SAVEPOINT venomqa_query`)
      sequences?.answered(rows[0]?.[0] ?? null)
      const r = await upstream.simpleQuery(sql)
      await upstream.run(r.error ? 'ROLLBACK TO SAVEPOINT venomqa_query; RELEASE SAVEPOINT venomqa_query' : 'RELEASE SAVEPOINT venomqa_query')
      if (r.error) throw r.error
      return r.rows
    })
  }

  #find(name: string): number {
    const i = this.#checkpoints.findIndex((c) => c.name === name)
    if (i < 0) throw new ProxyError(`no checkpoint "${name}" (open: ${this.checkpoints.join(', ') || 'none'})`)
    return i
  }

  /** The settings a connection made with set_config, read back by whoever holds the session now (see Session#readSessionConfig). */
  async readSessionConfig(rows: (sql: string) => Promise<(string | null)[][]>): Promise<void> {
    const unread = this.sessionConfigOf
    if (!unread) return
    this.sessionConfigOf = undefined
    await unread.readSessionConfig(rows)
  }

  /** A connection gets the session: the currval and lastval values it holds are kept for whom they belong to, then cleared. */
  sequencesSwitch(next: Session): { sql: string; answered(kept: string | null): void } | undefined {
    const holder = this.#sequencesOf
    if (holder === next) return undefined
    this.#sequencesOf = next
    return holder === null ? undefined : this.#keepSequences(holder, { positions: this.#positions })
  }

  /**
   * The SQL that keeps the currval and lastval values the session holds for `holder`, the connection they
   * belong to (none when undefined: the proxy's own query took them), then clears them (see
   * SEQUENCES_KEEP_FUNCTION), and what to do with its answer. `positions`: the sequences' positions at the
   * last checkpoint or rollback (see sequenceArrays), so that only the sequences that moved since are
   * read; with `restore`, the sequences are put back there too. Without `clear`, the session keeps them.
   */
  #keepSequences(
    holder: Session | null | undefined,
    { positions, restore = false, clear = true }: { positions: string; restore?: boolean; clear?: boolean },
  ): { sql: string; answered(kept: string | null): void } {
    const keptFor = holder?.open ? holder : undefined
    const kept = keptFor?.keptSequences
    const client = keptFor ? `${keptFor.id}, ${kept ? escapeString(kept) : 'NULL'}, ${keptFor.takeSetvalCalled()}` : 'NULL, NULL, false'
    return {
      sql: `SELECT pg_temp.venomqa_sequences_keep(${client}, ${positions}, ${restore}, ${clear})`,
      answered: (now) => {
        if (now) keptFor?.sequencesKept(now)
      },
    }
  }

  /** `fn` on the upstream session once the app's connections let it go, answered within upstreamTimeoutMs (see #answered). */
  async #exclusive<T>(doing: string, fn: (upstream: Upstream) => Promise<T>, whileWaiting?: () => () => void): Promise<T> {
    if (this.#lost) throw new ProxyError(`the upstream session is lost: ${this.#lost.message}`)
    const upstream = this.upstream
    const holder = {}
    await this.#acquireWhileAnswering(holder, upstream, doing, whileWaiting)
    try {
      return await this.#answered(upstream, doing, () => fn(upstream))
    } finally {
      this.lock.release(holder)
      this.notifyChange()
    }
  }

  /**
   * The proxy's own statements on `upstream`, answered within upstreamTimeoutMs. A database that stops
   * answering (a server paused or cut off, where the socket stays open) used to hold every operation until
   * the run's pluginTimeout, and the next ones behind it: past the deadline the session is dropped instead
   * (the server rolls its transaction back once it notices), which makes the proxy lost (#upstreamLost), so
   * what follows fails at once, saying why.
   */
  #answered<T>(upstream: Upstream, doing: string, fn: () => Promise<T>): Promise<T> {
    return withinDeadline(upstream, this.upstreamTimeoutMs, doing, fn)
  }

  /**
   * The session, for `doing`, once the app's connection that holds it lets it go. That wait is the app's
   * and has no deadline of its own (a statement may take long); but what holds the session may be waiting
   * on a database that stopped answering: the app's statement, or the ROLLBACK that ends a connection cut
   * for sitting idle in its transaction. So every upstreamTimeoutMs of waiting, a new connection asks
   * whether the database answers at all; one that does not (no handshake within connectTimeoutMs) is taken
   * as gone, as at the deadline: the session is dropped, and this and every later operation fail, saying so.
   */
  async #acquireWhileAnswering(holder: object, upstream: Upstream, doing: string, whileWaiting?: () => () => void): Promise<void> {
    const acquired = this.lock.acquire(holder).then(() => true)
    // In the queue first, so that no connection the cancel lets go of takes the session back before it.
    const done = this.lock.owner === holder ? undefined : whileWaiting?.()
    if (done) void acquired.then(done, done)
    for (;;) {
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.upstreamTimeoutMs)
      })
      if (await Promise.race([acquired, waited]).finally(() => clearTimeout(timer))) return
      if (await this.#databaseAnswers()) continue
      upstream.socket.destroy(
        new ProxyError(
          `the database did not answer: ${doing} waited ${this.upstreamTimeoutMs} ms (upstreamTimeoutMs) for the app's connection that held the session, and a new connection got no answer within ${this.#options.connectTimeoutMs ?? 5000} ms (connectTimeoutMs), so the proxy dropped its session to it`,
        ),
      )
      // The loss closes the lock: the wait rejects with it (see #upstreamLost).
      await acquired
      return
    }
  }

  /** Whether the database answers a new connection's handshake within connectTimeoutMs (an error it sends is an answer). */
  async #databaseAnswers(): Promise<boolean> {
    try {
      const probe = await Upstream.connect(this.target, { applicationName: 'venomqa pg-proxy probe', timeoutMs: this.#options.connectTimeoutMs })
      this.#ownPids.add(probe.pid)
      await probe.close()
      return true
    } catch (err) {
      return err instanceof ServerError
    }
  }

  /**
   * Roll the base transaction back (the database is as before start), end every connection, close; what
   * it did. A second call waits for the first stop and tells the same.
   */
  stop(): Promise<ProxyStopped> {
    this.#stopped ??= this.#stop()
    return this.#stopped
  }

  async #stop(): Promise<ProxyStopped> {
    this.#stopping = true
    this.lock.close(new ProxyError('the proxy is stopping'))
    this.notifyChange()
    const server = this.#server
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
    const open = [...this.#sessions.values()]
    const inTransaction = open.filter(({ session }) => session.transaction !== 'none').length
    for (const { session } of open)
      session.terminate({ severity: 'FATAL', code: '57P01', message: 'venomqa-pg-proxy is stopping: everything done through it is rolled back' })
    this.#sessions.clear()
    try {
      // Ending the session rolls the base transaction back, whatever a statement of the app was doing.
      const upstream = this.#upstream
      if (upstream && !upstream.closed) await upstream.close()
      // A lost session rolled it back too, but not the sequences: they are put back in either case, unless
      // rows were committed around the proxy above where they stood (see #committedAround).
      let sequences: ProxyStopped['sequences'] = this.#atStart.length ? 'put back' : 'none'
      if (this.#untrusted) {
        this.emit('warning', `the sequences are left where they are, not put back where they stood at start: ${this.#untrusted}`)
        sequences = 'left where they are'
      } else await this.#restoreSequences()
      return { connections: open.length, inTransaction, sequences }
    } finally {
      await closed
    }
  }

  /** Sequences are not transactional: put them back where they stood at start, from a session of their own. */
  async #restoreSequences(): Promise<void> {
    if (!this.#atStart.length) return
    let fresh: Upstream
    try {
      fresh = await Upstream.connect(this.target, { timeoutMs: this.#options.connectTimeoutMs })
    } catch (err) {
      throw new ProxyError(`could not put the sequences back where they stood at start (no new session): ${(err as Error).message}`)
    }
    try {
      await withinDeadline(fresh, this.upstreamTimeoutMs, 'the setval of the sequences', () => fresh.run(setvalSql(this.#atStart)))
    } catch (err) {
      throw new ProxyError(`could not put the sequences back where they stood at start: ${(err as Error).message}`)
    } finally {
      await fresh.close()
    }
  }

  // ---- the app's connections -----------------------------------------------------------------------

  #accept(socket: net.Socket): void {
    socket.setNoDelay(true)
    const reader = new FrameReader({ untyped: true })
    let session: Session | undefined
    let awaitingPassword: { params: Record<string, string>; salt: Buffer } | undefined
    /** Messages that came while the connection's start was being answered (see #open): its session gets them. */
    let early: Message[] | undefined
    const open = (params: Record<string, string>) => {
      early = []
      void this.#open(socket, clientUserAsRole(params, this.target.user)).then((opened) => {
        session = opened
        for (const m of early!.splice(0)) session?.receive(m)
        early = undefined
        if (socket.readableEnded) session?.endOfInput()
      })
    }
    const fail = (error: ErrorFields) => {
      socket.end(errorResponse(error))
    }
    socket.on('error', () => {})
    // The client ended its side: what it sent runs and is answered, then its connection ends (the socket is
    // half-open, see start). Before it has a session, there is nothing to answer.
    socket.on('end', () => (session ? session.endOfInput() : early ? undefined : socket.end()))
    socket.on('close', () => session?.close())
    socket.on('data', (chunk: Buffer) => {
      try {
        let messages = reader.push(chunk)
        while (messages.length) {
          for (const m of messages) {
            if (session) session.receive(m)
            else if (early) early.push(m)
            else if (awaitingPassword) {
              const pending = awaitingPassword
              awaitingPassword = undefined
              const user = pending.params.user ?? ''
              if (m.type !== 'p' || !md5Matches(m.body.toString('utf8').replace(/\0$/, ''), user, this.#options.password!, pending.salt))
                return fail({ severity: 'FATAL', code: '28P01', message: `password authentication failed for user "${user}"` })
              open(pending.params)
            } else {
              const packet = readStartupPacket(m)
              if (packet.kind === 'ssl' || packet.kind === 'gssenc') {
                // As PostgreSQL without TLS: 'N', and the client goes on in the clear (or gives up).
                socket.write('N')
                reader.untyped = true
              } else if (packet.kind === 'cancel') {
                this.#cancel(packet.pid, packet.secret)
                socket.end()
                return
              } else if (packet.kind === 'unsupported')
                return fail({ severity: 'FATAL', code: '0A000', message: `unsupported frontend protocol ${packet.version >> 16}.${packet.version & 0xffff}` })
              else {
                const refusal = this.#admit(socket, packet.params)
                if (refusal) return fail(refusal)
                if (this.#options.password) {
                  awaitingPassword = { params: packet.params, salt: randomBytes(4) }
                  socket.write(message('R', 5, awaitingPassword.salt))
                } else open(packet.params)
              }
            }
          }
          messages = reader.drain()
        }
      } catch (err) {
        fail({ severity: 'FATAL', code: '08P01', message: `venomqa-pg-proxy: ${(err as Error).message}` })
      }
    })
  }

  /** Why no connection may come in now: the proxy lost its session, or is stopping. */
  #closed(): ErrorFields | undefined {
    if (this.#lost) return { severity: 'FATAL', code: '08006', message: `venomqa-pg-proxy lost its upstream session: ${this.#lost.message}` }
    if (this.#stopping) return { severity: 'FATAL', code: '57P03', message: 'venomqa-pg-proxy is stopping' }
    return undefined
  }

  /** Why a connection may not come in, or nothing. */
  #admit(socket: net.Socket, params: Record<string, string>): ErrorFields | undefined {
    const closed = this.#closed()
    if (closed) return closed
    const replication = params.replication?.toLowerCase()
    if (replication && !['false', 'off', 'no', '0'].includes(replication)) {
      this.refused(refusalRecord('replication', 'replication connection', replicationRefused))
      return replicationRefused
    }
    if (!this.#options.password && !isLoopback(socket.remoteAddress))
      return {
        severity: 'FATAL',
        code: '28000',
        message: `venomqa-pg-proxy accepts connections from ${socket.remoteAddress} only with a password: start it with --password (or the password option)`,
      }
    const database = params.database || params.user
    if (database && database !== this.target.database)
      return {
        severity: 'FATAL',
        code: '3D000',
        message: `database "${database}" does not exist behind venomqa-pg-proxy, which serves "${this.target.database}" only`,
      }
    return undefined
  }

  /**
   * The connection's start answered as the server answers it: the server is asked how it takes the client's
   * startup parameters (see #greeting). One it refuses (a setting it does not know, a value it does not
   * take) refuses the connection with the server's own error; otherwise the client is greeted with the
   * ParameterStatus the server would send it. Undefined when the connection does not come in.
   *
   * The server's connection does not see what the run made, which is never committed: a refused set is
   * tried on the shared session too (see #takenInRun), where a role the app made in the run exists.
   */
  async #open(socket: net.Socket, params: Record<string, string>): Promise<Session | undefined> {
    const given = Object.fromEntries(Object.entries(params).filter(([k]) => !NOT_SETTINGS.has(k)))
    let greeting = await this.#greeting(given)
    if ('refusal' in greeting && (await this.#takenInRun(given))) greeting = await this.#assumedGreeting(given)
    if (socket.destroyed) return undefined
    const closed = this.#closed()
    if (closed) {
      socket.end(errorResponse(closed))
      return undefined
    }
    if ('refusal' in greeting) {
      // As the server: the client authenticated, then its settings were refused.
      socket.end(Buffer.concat([authenticationOk(), serverErrorResponse(greeting.refusal)]))
      return undefined
    }
    const id = this.#nextId++
    this.#connections++
    const all = startupSettings(params)
    // Not given to the shared session, which it would end (see the 'idle-timeout-setting' caveat).
    const settings = all.filter(([k]) => k.toLowerCase() !== 'idle_in_transaction_session_timeout')
    if (settings.length < all.length) this.caveat('idle-timeout-setting')
    // Without one of its own, a connection has the server's application_name, not the one the proxy's
    // session started with: given at its start, it is what RESET goes back to as well.
    if (!settings.some(([k]) => k.toLowerCase() === 'application_name'))
      settings.push(['application_name', (await this.#greeting({})).parameters?.get('application_name') ?? ''])
    // Nor the proxy's client_encoding (UTF8): the one the server greeted it with, the database's encoding.
    // Left to the proxy's, the connection would be told of a change to UTF8 after its first statement.
    const encoding = greeting.parameters.get('client_encoding')
    if (encoding && encoding !== this.upstream.parameters.get('client_encoding') && !settings.some(([k]) => k.toLowerCase() === 'client_encoding'))
      settings.push(['client_encoding', encoding])
    const session = new Session(id, socket, this, settings, greeting.parameters)
    const pid = processIdOf(id)
    const secret = randomInt(1, 2 ** 31 - 1)
    this.#sessions.set(pid, { session, socket, pid, secret })
    socket.cork()
    socket.write(authenticationOk())
    for (const [k, v] of greeting.parameters) socket.write(parameterStatus(k, v))
    socket.write(backendKeyData(pid, secret))
    socket.write(readyForQuery('I'))
    socket.uncork()
    this.caveat('frozen-clock')
    return session
  }

  /**
   * How the server answers a client that starts with these parameters (besides user and database): the
   * ParameterStatus it greets it with, or the error it refuses it with. The server itself is asked, on a
   * connection of the proxy's own that starts the same way, once per set of parameters: its words are the
   * client's, whatever its version knows. Where it cannot be asked (no connection to be had), the client is
   * greeted with what a client that gives none gets, its own values in place of those, and asked again next time.
   */
  #greeting(given: Record<string, string>): Promise<{ parameters: Map<string, string> } | { refusal: Fields; parameters?: undefined }> {
    const key = JSON.stringify(Object.entries(given).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    let known = this.#greetings.get(key)
    if (!known) {
      if (this.#greetings.size >= MAX_GREETINGS) this.#greetings.delete(this.#greetings.keys().next().value!)
      known = this.#askServer(given)
      this.#greetings.set(key, known)
    }
    return known.then(async (answer) => {
      if (answer) return answer
      this.#greetings.delete(key)
      return this.#assumedGreeting(given)
    })
  }

  /** A greeting the server was not asked for: what a client that gives no settings gets, with `given`'s values in place of those. */
  async #assumedGreeting(given: Record<string, string>): Promise<{ parameters: Map<string, string> }> {
    // The proxy's session's own, but for the application_name it gave itself.
    const bare = Object.keys(given).length ? (await this.#greeting({})).parameters : new Map([...this.upstream.parameters, ['application_name', '']])
    const parameters = new Map(bare)
    for (const [k, v] of startupSettings(given)) if (parameters.has(k)) parameters.set(k, v)
    return { parameters }
  }

  /**
   * Whether the shared session takes the settings the server refused at a connection's start: set in a
   * savepoint, then undone. Only for a refused set (the session waits for the app's connection that
   * holds it, as a first query would); false when it cannot be asked.
   */
  async #takenInRun(given: Record<string, string>): Promise<boolean> {
    const sets = startupSettings(given)
    if (!sets.length || this.#closed()) return false
    const calls = sets.map(([k, v]) => `pg_catalog.set_config(${escapeString(k)}, ${escapeString(v)}, false)`)
    return this.#exclusive("a client's startup parameters", async (upstream) => {
      const taken = await upstream.run(`SAVEPOINT venomqa_startup; SELECT ${calls.join(', ')}`).then(
        () => true,
        () => false,
      )
      await upstream.run('ROLLBACK TO SAVEPOINT venomqa_startup; RELEASE SAVEPOINT venomqa_startup')
      return taken
    }).catch(() => false)
  }

  /** The server's answer to a connection that starts with `given`; undefined when it could not be asked. */
  async #askServer(given: Record<string, string>): Promise<{ parameters: Map<string, string> } | { refusal: Fields } | undefined> {
    try {
      const probe = await Upstream.connect(this.target, { parameters: given, timeoutMs: this.#options.connectTimeoutMs })
      this.#ownPids.add(probe.pid)
      await probe.close()
      return { parameters: probe.parameters }
    } catch (err) {
      // A setting it refuses: a name it does not know or cannot read (42), a value it does not take (22),
      // one it takes at its own start only (55). Not a full server, a shutdown or a lost connection.
      if (err instanceof ServerError && /^(22|42|55)/.test(err.code)) return { refusal: err.fields }
      return undefined
    }
  }

  /** A cancel for one of our connections goes to the server when that connection's statement runs there. */
  #cancel(pid: number, secret: number): void {
    const entry = this.#sessions.get(pid)
    if (entry?.secret === secret) this.#cancelSession(entry.session)
  }

  /** A cancel by `pg_cancel_backend()` of one of our connections' process ids (see Session#cancelCallAside). */
  cancelConnection(pid: number): boolean {
    const entry = this.#sessions.get(pid)
    if (entry) this.#cancelSession(entry.session)
    return entry !== undefined
  }

  /** `pg_terminate_backend()` of one of our connections' process ids: that connection is ended (see Session#terminatedByCall). */
  terminateConnection(pid: number): boolean {
    const entry = this.#sessions.get(pid)
    entry?.session.terminatedByCall(this.#sendCancel)
    return entry !== undefined
  }

  /**
   * An interrupt's rollback (Ctrl-C) does not wait on the app: every statement of its connections is
   * cancelled, those waiting for the session answered at once (57014), and the one that holds it stopped on
   * the server. The user is told which one was cancelled, and, when the session is still not free after a
   * moment (a connection idle in its transaction, a statement slow to stop), what the rollback waits for.
   * Returns what to do once the rollback has the session.
   */
  #cancelForInterrupt(doing: string): () => void {
    const holder = this.#holdingSession()
    for (const { session } of this.#sessions.values()) this.#cancelSession(session)
    if (holder && !holder.session.idleHolding()) this.emit('warning', `${doing} (interrupt) cancelled the statement the app's connection ${holder.pid} was running on the database, rather than wait for it to end`)
    const timer = setTimeout(() => {
      const still = this.#holdingSession()
      const what = still ? `the app's connection ${still.pid}, which holds the database session${still.session.idleHolding() ? ` idle inside its transaction (ended after idleInTransactionTimeoutMs, ${this.idleInTransactionTimeoutMs} ms)` : ''}` : "the proxy's own work on the database session"
      this.emit('warning', `${doing} (interrupt) waits for ${what}`)
    }, INTERRUPT_QUIET_MS)
    timer.unref()
    return () => clearTimeout(timer)
  }

  /** The app's connection that holds the upstream session, if one does. */
  #holdingSession(): { session: Session; pid: number } | undefined {
    const owner = this.lock.owner
    for (const entry of this.#sessions.values()) if (entry.session === owner) return entry
    return undefined
  }

  #cancelSession(session: Session): void {
    session.cancel(this.#sendCancel)
  }

  /** A cancel request for what the upstream session runs, settled once the server has taken it in. */
  readonly #sendCancel = (): Promise<void> =>
    new Promise<void>((settled) => {
      const upstream = this.#upstream
      if (!upstream || upstream.closed) return settled()
      // The server closes the connection once it has signalled the session: from then on the cancel can
      // no longer reach a statement sent later.
      sendCancel(upstream).on('close', () => settled())
    })

  // ---- Hub ---------------------------------------------------------------------------------------

  changed(): Promise<void> {
    return new Promise((resolve) => this.#changeWaiters.push(resolve))
  }

  notifyChange(): void {
    for (const resolve of this.#changeWaiters.splice(0)) resolve()
  }

  caveat(kind: Caveat): void {
    if (this.#caveatsSaid.has(kind)) return
    this.#caveatsSaid.add(kind)
    this.warnings.push(CAVEATS[kind])
    this.emit('warning', CAVEATS[kind])
  }

  refused(record: RefusalRecord): void {
    this.refusals.push(record)
    this.emit('refusal', record)
  }

  ended(session: Session): void {
    for (const [pid, entry] of this.#sessions) if (entry.session === session) this.#sessions.delete(pid)
  }

  #upstreamLost(err?: Error): void {
    if (this.#stopping) return
    this.#lost = err ?? new Error('the server closed the connection')
    this.lock.close(new ProxyError(`the upstream session is lost: ${this.#lost.message}`))
    // Batches waiting to prepare beside an owner look again, and find their connections ended.
    this.notifyChange()
    for (const { session } of this.#sessions.values())
      session.terminate({ severity: 'FATAL', code: '08006', message: `venomqa-pg-proxy lost its upstream session: ${this.#lost.message}` })
    this.emit('lost', this.#lost)
  }

  /** The upstream session is gone; every checkpoint with it. */
  get lost(): Error | undefined {
    return this.#lost
  }
}

/**
 * `fn`'s statements on `upstream`, or past `ms` a ProxyError saying what the database did not answer, with
 * the session destroyed: its state is unknown once a statement may still land, so it is never used again.
 */
function withinDeadline<T>(upstream: Upstream, ms: number, doing: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProxyError(`the database did not answer ${doing} within ${ms} ms (upstreamTimeoutMs), so the proxy dropped its session to it`)
      reject(error)
      // A server that is slow, not gone, would run the statement on, holding its locks, until it noticed
      // the session had gone: it is asked to cancel it first. One that does not answer takes no harm.
      const cancel = sendCancel(upstream)
      setTimeout(() => cancel.destroy(), CANCEL_GRACE_MS).unref()
      upstream.socket.destroy(error)
    }, ms)
  })
  return Promise.race([fn(), late]).finally(() => clearTimeout(timer))
}

/** How long an interrupt's rollback waits for the session before it says what it waits for. */
const INTERRUPT_QUIET_MS = 1000

/** How long a cancel sent for a statement past its deadline may take to reach the server. */
const CANCEL_GRACE_MS = 1000

/** A CancelRequest for what `upstream`'s session runs, on a connection of its own, which the server closes once it has read it. */
function sendCancel(upstream: Upstream): net.Socket {
  const socket = net.connect({ host: upstream.target.host, port: upstream.target.port }, () => socket.end(cancelRequest(upstream.pid, upstream.secret)))
  socket.on('error', () => {})
  return socket
}

function toSequences(rows: (string | null)[][]): SequenceValue[] {
  return rows.map(([oid, lastValue, isCalled]) => ({ oid: oid!, lastValue: lastValue!, isCalled: isCalled === 'true' }))
}

/** The sequences' positions as the arguments of the proxy's function (see SEQUENCES_KEEP_FUNCTION). */
function sequenceArrays(values: SequenceValue[]): string {
  const oids = values.map((s) => Number(s.oid)).join(', ')
  const lastValues = values.map((s) => BigInt(s.lastValue)).join(', ')
  const called = values.map((s) => s.isCalled).join(', ')
  return `ARRAY[${oids}]::oid[], ARRAY[${lastValues}]::int8[], ARRAY[${called}]::bool[]`
}

/** The base transaction's isolation level, as the server names it. */
const ISOLATION = `SELECT pg_catalog.current_setting('transaction_isolation')`

/** A column fed by sequence `seq` that holds values committed around the proxy (see COMMITTED_AROUND_FUNCTION). */
interface CommittedRows {
  seq: string
  table: string
  column: string
  target: string
  found: string
  /** Where the sequence stood before the rollback put it back. */
  now: string
}

function committedRows(json: string | null | undefined): CommittedRows[] {
  return (JSON.parse(json ?? '[]') as string[][]).map(([seq, table, column, target, found, now]) => ({ seq: seq!, table: table!, column: column!, target: target!, found: found!, now: now! }))
}

/** Each sequence found under rows committed around the proxy set back where it stood before the rollback: past them. */
function setForwardSql(committed: readonly CommittedRows[]): string {
  const at = new Map(committed.map((c) => [c.seq, c.now]))
  return `SELECT ${[...at].map(([seq, now]) => `pg_catalog.setval(${Number(seq)}::oid::regclass, ${BigInt(now)}, true)`).join(', ')}`
}

/** The names of the session's temporary relations, as a JSON array (null without any): see TEMP_TABLES_FUNCTION. */
const TEMP_TABLES = 'SELECT pg_temp.venomqa_temp_tables()'

/** The client sessions on the proxy's database that are not `own` (see PgProxy#committedAroundWhy), as JSON. */
function otherSessionsSql(own: number[]): string {
  return `SELECT pg_catalog.pg_stat_clear_snapshot(); SELECT (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(pid, application_name, pg_catalog.host(client_addr), client_port, state) ORDER BY pid)::text
    FROM pg_catalog.pg_stat_activity WHERE datname = pg_catalog.current_database() AND backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()
    AND pid <> ALL (${escapeString(`{${own.join(',')}}`)}::int[]))`
}

/** The sequences put back from a session of its own (at stop), which has none of the proxy's functions. */
function setvalSql(values: SequenceValue[]): string {
  if (!values.length) return 'SELECT 1'
  return `SELECT ${values.map((s) => `pg_catalog.setval(${Number(s.oid)}::oid::regclass, ${BigInt(s.lastValue)}, ${s.isCalled})`).join(', ')}`
}

/** Startup parameters that say who connects, where and how: not settings, and not asked of the server (see #greeting). */
const NOT_SETTINGS = new Set(['user', 'database', 'replication'])

/**
 * A client that logs in as another user than the proxy's runs as that role: the proxy's one session is
 * its own user's (a superuser, often), and the client would otherwise have that user's rights, the
 * permissions and row-level security the app relies on gone without a word. Given as the startup setting
 * `role`, it is kept per connection, `RESET` goes back to it, and the server refuses a role the proxy's
 * user may not take as it refuses `-c role=...`. A client that gives a `role` of its own keeps it.
 */
function clientUserAsRole(params: Record<string, string>, proxyUser: string): Record<string, string> {
  const user = params.user
  if (!user || user === proxyUser) return params
  if (startupSettings(params).some(([k]) => k.toLowerCase() === 'role')) return params
  return { ...params, role: user }
}

/** How many answers to clients' startup parameters the proxy keeps (see #greeting): a few sets in practice. */
const MAX_GREETINGS = 256

/** Startup parameters that are session settings (everything but who, where and how to connect). */
function startupSettings(params: Record<string, string>): [string, string][] {
  const out: [string, string][] = []
  for (const [k, v] of Object.entries(params)) {
    if (NOT_SETTINGS.has(k) || k === 'options') continue
    out.push([k, v])
  }
  // `options: -c name=value --name=value`, as libpq passes PGOPTIONS.
  const args = splitOptions(params.options ?? '')
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const option = arg === '-c' ? args[++i] : arg.startsWith('-c') ? arg.slice(2) : arg.startsWith('--') ? arg.slice(2) : undefined
    const eq = option?.indexOf('=') ?? -1
    if (option && eq > 0) out.push([option.slice(0, eq).replace(/-/g, '_'), option.slice(eq + 1)])
  }
  return out
}

/**
 * The words of a startup `options` as the server splits them (pg_split_opts): at unescaped white space,
 * a backslash taking the next character as it is (`\\` one backslash, `\ ` a space inside a word).
 */
function splitOptions(options: string): string[] {
  const words: string[] = []
  for (const m of options.matchAll(/(?:\\[\s\S]?|[^\s\\])+/g)) words.push(m[0].replace(/\\([\s\S])?/g, '$1'))
  return words
}



function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
}
