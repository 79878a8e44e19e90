// The EventStore port on PostgreSQL: idempotent batched appends with the writer's consumed offsets
// in the same transaction, bounded in-flight appends (backpressure), retries on lost connections,
// cursor-streamed replay. The metrics time series in the same schema is metric-series-store.ts.
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { EventRejectedError, type ConsumedOffset, type EventQuery, type EventStore, type StoredEvent } from '../../../runtime/ports/event-store.js';
import { StoreUnreachableError } from '../../../runtime/ports/store-unreachable.js';
import { EVENT_ARRAY_TYPES, EVENT_COLUMNS, eventColumns, rawText, REPLAY_SELECT, toStoredEvent, type RawEventRow } from './event-rows.js';
import { migrate, quoteIdent, type MigrateResult } from './migrations.js';
import { arrayParameters } from './array-parameters.js';
import { ensurePartitions } from './partition-maintenance.js';

export interface PostgresEventStoreOptions {
  readonly connectionString?: string;
  /** pg pool settings (application_name, max, ...); `connectionString` wins if both give one. */
  readonly pool?: pg.PoolConfig;
  /** Defaults to `regent`. */
  readonly schema?: string;
  /** Rows per INSERT statement; defaults to 500. */
  readonly batchRows?: number;
  /** Appends running at once; further calls wait. Defaults to 2. */
  readonly maxInFlight?: number;
  /** Backoff for appends that lost their connection: first delay, and total time before giving up. */
  readonly retry?: { readonly initialMs?: number; readonly maxTotalMs?: number };
  /** How long opening a connection may take (pg's connectionTimeoutMillis); default: no limit. */
  readonly connectTimeoutMs?: number;
  readonly metrics?: Registry;
  readonly logger?: Logger;
}

export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
  constructor(
    message: string,
    readonly operation: 'append' | 'offsets' | 'replay' | 'migrate' | 'metrics',
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class PostgresEventStore implements EventStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly s: string;
  private readonly batchRows: number;
  private readonly gate: Semaphore;
  private readonly retryInitialMs: number;
  private readonly retryTotalMs: number;
  private readonly log: Logger;
  private readonly metrics: StoreMetrics | undefined;
  private readonly insertSql: string;
  private readonly url: string;
  private readonly connectTimeoutMs: number | undefined;
  /** Set by close(): an append still retrying gives up instead of using the ended pool. */
  private closed = false;
  private readonly retryWaits = new Set<() => void>();

  constructor(options: PostgresEventStoreOptions = {}) {
    this.schema = options.schema ?? 'regent';
    this.s = quoteIdent(this.schema);
    this.batchRows = options.batchRows ?? 500;
    if (!(this.batchRows >= 1)) throw new RangeError(`batchRows must be at least 1, got ${options.batchRows}`);
    // One array parameter per column (array-parameters.ts). Dedupe by id: see migrations.ts, a
    // redelivered event carries the same ts.
    this.insertSql =
      `INSERT INTO ${this.s}.events (${EVENT_COLUMNS.join(', ')}) ` +
      `SELECT * FROM unnest(${arrayParameters(EVENT_ARRAY_TYPES)}) ON CONFLICT (id, ts) DO NOTHING`;
    this.gate = new Semaphore(options.maxInFlight ?? 2);
    this.retryInitialMs = options.retry?.initialMs ?? 50;
    this.retryTotalMs = options.retry?.maxTotalMs ?? 5_000;
    this.log = (options.logger ?? silentLogger).child({ component: 'postgres-event-store', schema: this.schema });
    this.metrics = options.metrics ? new StoreMetrics(options.metrics) : undefined;
    this.pool = new pg.Pool({
      ...options.pool,
      ...(options.connectionString ? { connectionString: options.connectionString } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    });
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.url = options.connectionString ?? options.pool?.connectionString ?? `postgres://${options.pool?.host ?? 'localhost'}:${options.pool?.port ?? 5432}`;
    // An idle client whose backend dies emits 'error' on the pool; unhandled, it would kill the process.
    this.pool.on('error', (error) => this.log.warn({ err: error }, 'idle PostgreSQL connection lost'));
  }

  /** Resolves once the server answers a query; StoreUnreachableError if it cannot be reached. */
  async checkReachable(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const timedOut = this.connectTimeoutMs !== undefined && /timeout/i.test(message(error));
      const detail = timedOut ? `no answer within ${this.connectTimeoutMs} ms` : message(error);
      throw new StoreUnreachableError('PostgreSQL', this.url, detail, { cause: error });
    }
  }

  /** Runs the migrations, then (native partitioning) creates the current day partitions. */
  async migrate(): Promise<void> {
    await this.migrateWithResult();
  }

  async migrateWithResult(): Promise<MigrateResult> {
    try {
      const result = await migrate(this.pool, { schema: this.schema });
      if (result.partitioning === 'native') await ensurePartitions(this.pool, { schema: this.schema });
      if (result.applied.length) this.log.info(result, 'event store migrated');
      return result;
    } catch (error) {
      throw new EventStoreError(`migrating schema ${this.schema} failed: ${message(error)}`, 'migrate', 1, { cause: error });
    }
  }

  async append(events: readonly StoredEvent[], offsets: readonly ConsumedOffset[]): Promise<void> {
    if (events.length === 0 && offsets.length === 0) return;
    await this.gate.acquire();
    const stopTimer = this.metrics?.appendSeconds.startTimer();
    try {
      const inserted = await this.withRetry('append', (client) => this.appendOnce(client, events, offsets));
      this.metrics?.appended.inc(inserted);
      this.metrics?.duplicates.inc(events.length - inserted);
    } finally {
      stopTimer?.();
      this.gate.release();
    }
  }

  async offsets(groupId: string): Promise<Map<string, number>> {
    const { rows } = await this.query<{ topic: string; partition: number; next_offset: string }>(
      'offsets',
      `SELECT topic, partition, next_offset FROM ${this.s}.consumer_offsets WHERE group_id = $1`,
      [groupId],
    );
    return new Map(rows.map((r) => [`${r.topic}/${r.partition}`, Number(r.next_offset)]));
  }

  async *replay(query: EventQuery): AsyncGenerator<StoredEvent> {
    const { where, values } = replayFilter(query);
    const order = query.order === 'offset' ? 'topic, partition, "offset"' : 'ts, topic, partition, "offset"';
    const sql = `SELECT ${REPLAY_SELECT} FROM ${this.s}.events WHERE ${where} ORDER BY ${order}`;
    const batchSize = query.batchSize ?? 1000;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new EventStoreError(`replay could not connect: ${message(error)}`, 'replay', 1, { cause: error });
    }
    const unguard = this.guard(client);
    const cursor = client.query(new Cursor<RawEventRow>(sql, values, { rowMode: 'array', types: rawText }));
    // From the second batch on, the next one is asked for before this one is handed out, so the
    // server reads it while the consumer works (a consumer that stops within the first batch, like
    // a rehydration page, costs no extra read). A failed read surfaces where the consumer reaches it.
    const read = (): Promise<RawEventRow[] | Error> => cursor.read(batchSize).catch((error: Error) => error);
    let next: Promise<RawEventRow[] | Error> | undefined = read();
    let failure: Error | undefined;
    try {
      for (let batch = 0; next; batch++) {
        const rows = await next;
        next = undefined;
        if (rows instanceof Error) {
          failure = rows;
          throw new EventStoreError(`replay read failed: ${message(rows)}`, 'replay', 1, { cause: rows });
        }
        // A short batch is the last: the portal is complete.
        const more = rows.length === batchSize && rows.length > 0;
        if (more && batch > 0) next = read();
        for (const row of rows) yield toStoredEvent(row);
        if (more && !next) next = read();
      }
    } finally {
      // Runs on completion, on error and when the consumer breaks out early (generator return).
      if (next) {
        const pending = await next;
        if (pending instanceof Error) failure = pending;
      }
      if (!failure) await cursor.close().catch((error: Error) => (failure = error));
      unguard();
      client.release(failure);
    }
  }

  async storedIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.query<{ id: string }>('offsets', `SELECT id::text FROM ${this.s}.events WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async allOffsets(): Promise<Map<string, Map<string, number>>> {
    const { rows } = await this.query<{ group_id: string; topic: string; partition: number; next_offset: string }>(
      'offsets',
      `SELECT group_id, topic, partition, next_offset FROM ${this.s}.consumer_offsets`,
      [],
    );
    const out = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const group = out.get(r.group_id) ?? new Map<string, number>();
      group.set(`${r.topic}/${r.partition}`, Number(r.next_offset));
      out.set(r.group_id, group);
    }
    return out;
  }

  async countByTopic(): Promise<Map<string, number>> {
    const { rows } = await this.query<{ topic: string; n: string }>('offsets', `SELECT topic, count(*) AS n FROM ${this.s}.events GROUP BY topic`, []);
    return new Map(rows.map((r) => [r.topic, Number(r.n)]));
  }

  /** Ends the pool (idempotent); an append waiting to retry gives up at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.retryWaits) wake();
    await this.pool.end();
  }

  private async appendOnce(client: pg.PoolClient, events: readonly StoredEvent[], offsets: readonly ConsumedOffset[]): Promise<number> {
    await client.query('BEGIN');
    let inserted = 0;
    for (let i = 0; i < events.length; i += this.batchRows) {
      const result = await client.query(this.insertSql, eventColumns(events, i, Math.min(i + this.batchRows, events.length)));
      inserted += result.rowCount ?? 0;
    }
    const latest = new Map<string, ConsumedOffset>();
    for (const o of offsets) {
      const key = `${o.groupId}\u0000${o.topic}\u0000${o.partition}`;
      // One upsert statement may not touch a row twice, so repeated partitions collapse to the max.
      if ((latest.get(key)?.offset ?? -Infinity) < o.offset) latest.set(key, o);
    }
    if (latest.size) {
      const values: unknown[] = [];
      const tuples = [...latest.values()].map((o) => {
        values.push(o.groupId, o.topic, o.partition, o.offset);
        const n = values.length;
        return `($${n - 3}, $${n - 2}, $${n - 1}::int, $${n}::bigint, now())`;
      });
      await client.query(
        `INSERT INTO ${this.s}.consumer_offsets AS c (group_id, topic, partition, next_offset, updated_at) VALUES ${tuples.join(', ')}
         ON CONFLICT (group_id, topic, partition)
         DO UPDATE SET next_offset = GREATEST(c.next_offset, EXCLUDED.next_offset), updated_at = now()`,
        values,
      );
    }
    await client.query('COMMIT');
    return inserted;
  }

  /**
   * A checked-out client whose backend dies between two queries emits 'error' on itself, and pg
   * only listens for that on idle clients: without a listener the process would crash. The query
   * in flight (or the next one) fails anyway and takes the normal error path.
   */
  private guard(client: pg.PoolClient): () => void {
    const onError = (error: Error) => this.log.warn({ err: error }, 'PostgreSQL connection lost while checked out');
    client.on('error', onError);
    return () => client.off('error', onError);
  }

  /**
   * Runs `work` on a pooled client, retrying with exponential backoff when the connection was lost.
   * Safe for appends because the whole transaction is idempotent: a rolled-back attempt left
   * nothing, and if the lost reply was the COMMIT's, the retry finds every id stored (ON CONFLICT
   * DO NOTHING) and GREATEST keeps the offsets. Such a retry counts its rows as duplicates.
   */
  private async withRetry<T>(operation: 'append', work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 1, delay = this.retryInitialMs; ; attempt++, delay *= 2) {
      let client: pg.PoolClient | undefined;
      let unguard = () => {};
      try {
        client = await this.pool.connect();
        unguard = this.guard(client);
        const result = await work(client);
        unguard();
        client.release();
        return result;
      } catch (error) {
        unguard();
        const transient = isConnectionError(error);
        if (client) {
          if (!transient) await client.query('ROLLBACK').catch(() => undefined);
          // A broken connection must not go back to the pool.
          client.release(transient ? (error as Error) : undefined);
        }
        const elapsed = Date.now() - started;
        if (!transient && isDataError(error)) {
          throw new EventRejectedError(`${operation} refused by PostgreSQL: ${message(error)}`, { cause: error });
        }
        if (!transient || this.closed || elapsed + delay > this.retryTotalMs) {
          throw new EventStoreError(
            `${operation} failed after ${attempt} attempt(s) in ${elapsed} ms: ${message(error)}`,
            operation,
            attempt,
            { cause: error },
          );
        }
        this.metrics?.retries.inc();
        this.log.warn({ err: error, attempt, delayMs: delay }, `${operation} lost its connection; retrying`);
        await this.retryWait(delay);
      }
    }
  }

  /** A backoff sleep that close() cuts short. */
  private retryWait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.retryWaits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.retryWaits.add(wake);
    });
  }

  private async query<R extends pg.QueryResultRow>(operation: 'offsets', sql: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw new EventStoreError(`${operation} query failed: ${message(error)}`, operation, 1, { cause: error });
    }
  }

}

/** The WHERE clause of a replay; every value is a parameter. */
export function replayFilter(query: EventQuery): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const conditions: string[] = [];
  if (query.from !== undefined) conditions.push(`ts >= ${param(new Date(query.from).toISOString())}::timestamptz`);
  if (query.to !== undefined) conditions.push(`ts < ${param(new Date(query.to).toISOString())}::timestamptz`);
  if (query.token !== undefined) conditions.push(`token = ${param(query.token)}`);
  if (query.types !== undefined) conditions.push(`type = ANY(${param([...query.types])}::text[])`);
  // Bounds apply only to the partitions they name; other partitions' events pass.
  for (const [bounds, op] of [[query.after, '<='], [query.before, '>=']] as const) {
    for (const [key, offset] of Object.entries(bounds ?? {})) {
      const slash = key.lastIndexOf('/');
      const partition = Number(key.slice(slash + 1));
      if (slash < 1 || !Number.isInteger(partition)) throw new RangeError(`offset bound key must be "topic/partition", got ${JSON.stringify(key)}`);
      conditions.push(`NOT (topic = ${param(key.slice(0, slash))} AND partition = ${param(partition)}::int AND "offset" ${op} ${param(offset)}::bigint)`);
    }
  }
  if (query.ranges !== undefined) {
    const ranges = query.ranges.map(
      (r) => `(topic = ${param(r.topic)} AND partition = ${param(r.partition)}::int AND "offset" >= ${param(r.from)}::bigint AND "offset" < ${param(r.to)}::bigint)`,
    );
    conditions.push(ranges.length ? `(${ranges.join(' OR ')})` : 'false');
  }
  return { where: conditions.length ? conditions.join(' AND ') : 'true', values };
}

// SQLSTATE classes/codes meaning the connection (not the statement) failed, and Node socket errors.
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);

/** SQLSTATE class 22 (data exception) or 23 (integrity violation): the rows are at fault, not the server. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (CONNECTION_SQLSTATES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code)) return true;
  const text = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection is not queryable|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(text);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** At most `permits` holders at once; waiters are served in arrival order. */
class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private permits: number) {
    if (!(permits >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${permits}`);
  }
  async acquire(): Promise<void> {
    if (this.permits > 0) {
      this.permits--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.permits++;
  }
}

class StoreMetrics {
  readonly appended: Counter;
  readonly duplicates: Counter;
  readonly retries: Counter;
  readonly appendSeconds: Histogram;
  constructor(registry: Registry) {
    // Several stores may share one registry: reuse a metric already registered under the name.
    const counter = (name: string, help: string) =>
      (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, registers: [registry] });
    this.appended = counter('regent_store_appended_total', 'Events written to the event store');
    this.duplicates = counter('regent_store_duplicates_total', 'Appended events skipped because their id was already stored');
    this.retries = counter('regent_store_retries_total', 'Append attempts retried after a lost connection');
    this.appendSeconds =
      (registry.getSingleMetric('regent_store_append_seconds') as Histogram | undefined) ??
      new Histogram({
        name: 'regent_store_append_seconds',
        help: 'Time an append takes, retries included, the wait for an in-flight slot excluded',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      });
  }
}
