// Daily range partitions for the natively partitioned tables: creates the upcoming days, drops days
// past retention, and an hourly job that does both. With TimescaleDB it does nothing: the
// hypertable's chunking and its compression/retention policies do the same work.
import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../../runtime/ports/clock.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { inTransaction, lockSchema, partitioningOf, quoteIdent, timePartitionedTables, withClient, type Partitioning } from './migrations.js';

const DAY_MS = 86_400_000;

export interface EnsurePartitionsOptions {
  readonly schema: string;
  /** Wall time, ms since epoch; days are UTC days. Defaults to Date.now(). */
  readonly now?: number;
  readonly daysAhead?: number;
  readonly retentionDays?: number;
}

export interface EnsurePartitionsResult {
  readonly partitioning: Partitioning;
  /** Partitions created, e.g. `events_20250102`. */
  readonly created: string[];
  /** Partitions detached and dropped because they are past retention. */
  readonly dropped: string[];
  /** Rows moved out of a DEFAULT partition into a day partition created for them. */
  readonly moved: number;
  /** Rows past retention deleted from DEFAULT partitions. */
  readonly expired: number;
}

/** Creates day partitions from yesterday to today+daysAhead and drops those older than retention. */
export async function ensurePartitions(pool: pg.Pool, options: EnsurePartitionsOptions): Promise<EnsurePartitionsResult> {
  const { schema, now = Date.now(), daysAhead = 3, retentionDays = 365 } = options;
  const s = quoteIdent(schema);
  const result = { partitioning: 'native' as Partitioning, created: [] as string[], dropped: [] as string[], moved: 0, expired: 0 };
  result.partitioning = await withClient(pool, (client) => partitioningOf(client, s));
  if (result.partitioning === 'timescaledb') return result;

  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const cutoff = today - retentionDays * DAY_MS;
  for (const table of timePartitionedTables) {
    const existing = await dayPartitions(pool, s, table);
    for (let day = today - DAY_MS; day <= today + daysAhead * DAY_MS; day += DAY_MS) {
      const name = partitionName(table, day);
      if (existing.has(name)) continue;
      const moved = await createDay(pool, schema, table, day);
      if (moved === undefined) continue;
      result.created.push(name);
      result.moved += moved;
    }
    for (const [name, day] of existing) {
      if (day >= cutoff) continue;
      if (await dropDay(pool, schema, table, name)) result.dropped.push(name);
    }
    result.expired += await transaction(pool, schema, async (client) => {
      const deleted = await client.query(`DELETE FROM ${s}.${quoteIdent(`${table}_default`)} WHERE ts < $1`, [new Date(cutoff).toISOString()]);
      return deleted.rowCount ?? 0;
    });
  }
  return result;
}

export function partitionName(table: string, dayMs: number): string {
  return `${table}_${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Day partitions of a table, by name, with their day (ms). */
async function dayPartitions(pool: pg.Pool, s: string, table: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
    [`${s}.${quoteIdent(table)}`],
  );
  const days = new Map<string, number>();
  for (const { name } of rows) {
    const m = new RegExp(`^${table}_(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
    if (m) days.set(name, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  }
  return days;
}

/** Creates one day partition; returns the rows moved into it, or undefined if it already existed. */
async function createDay(pool: pg.Pool, schema: string, table: string, day: number): Promise<number | undefined> {
  const s = quoteIdent(schema);
  const parent = `${s}.${quoteIdent(table)}`;
  const def = `${s}.${quoteIdent(`${table}_default`)}`;
  const part = `${s}.${quoteIdent(partitionName(table, day))}`;
  // Generated ISO strings, not input: DDL bounds cannot be parameters.
  const bounds = `FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`;
  return transaction(pool, schema, async (client) => {
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [part]);
    if (exists.rows[0].exists) return undefined;
    const range = [new Date(day).toISOString(), new Date(day + DAY_MS).toISOString()];
    const stray = await client.query(`SELECT 1 FROM ${def} WHERE ts >= $1 AND ts < $2 LIMIT 1`, range);
    if (!stray.rowCount) {
      await client.query(`CREATE TABLE IF NOT EXISTS ${part} PARTITION OF ${parent} FOR VALUES ${bounds}`);
      return 0;
    }
    // Rows of this day already sit in DEFAULT (the job was down, or events arrived early): creating
    // the partition would fail on them, so they move into the new table before it is attached.
    await client.query(`CREATE TABLE ${part} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const moved = await client.query(`WITH moved AS (DELETE FROM ${def} WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO ${part} SELECT * FROM moved`, range);
    await client.query(`ALTER TABLE ${parent} ATTACH PARTITION ${part} FOR VALUES ${bounds}`);
    return moved.rowCount ?? 0;
  });
}

async function dropDay(pool: pg.Pool, schema: string, table: string, name: string): Promise<boolean> {
  const s = quoteIdent(schema);
  return transaction(pool, schema, async (client) => {
    const part = `${s}.${quoteIdent(name)}`;
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [part]);
    if (!exists.rows[0].exists) return false;
    await client.query(`ALTER TABLE ${s}.${quoteIdent(table)} DETACH PARTITION ${part}`);
    await client.query(`DROP TABLE ${part}`);
    return true;
  });
}

function transaction<T>(pool: pg.Pool, schema: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    // DDL on the parent queues behind long replays; a queued ACCESS EXCLUSIVE request would then
    // block every append behind it. Give up instead: the next hourly run tries again.
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    await lockSchema(client, schema, 'partitions');
    return work(client);
  });
}

export interface PartitionMaintenanceJobOptions extends Omit<EnsurePartitionsOptions, 'now'> {
  readonly pool: pg.Pool;
  /** Defaults to one hour. */
  readonly intervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Registry;
}

/** Runs ensurePartitions now and then every interval; a failed run is logged and counted, never thrown. */
export class PartitionMaintenanceJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<EnsurePartitionsResult | undefined> | undefined;
  private readonly log: Logger;
  private readonly errors: Counter | undefined;

  constructor(private readonly options: PartitionMaintenanceJobOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'partition-maintenance', schema: options.schema });
    const registry = options.metrics;
    const name = 'regent_store_partition_maintenance_errors_total';
    this.errors = registry
      ? ((registry.getSingleMetric(name) as Counter | undefined) ??
        new Counter({ name, help: 'Failed partition maintenance runs', registers: [registry] }))
      : undefined;
  }

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One run (skipped if one is still going); resolves undefined on failure. */
  runOnce(): Promise<EnsurePartitionsResult | undefined> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<EnsurePartitionsResult | undefined> {
    const { pool, schema, daysAhead, retentionDays, clock } = this.options;
    try {
      const result = await ensurePartitions(pool, {
        schema,
        now: clock?.now() ?? Date.now(),
        ...(daysAhead !== undefined ? { daysAhead } : {}),
        ...(retentionDays !== undefined ? { retentionDays } : {}),
      });
      if (result.created.length || result.dropped.length || result.expired) this.log.info(result, 'partitions maintained');
      return result;
    } catch (error) {
      this.errors?.inc();
      this.log.error({ err: error }, 'partition maintenance failed');
      return undefined;
    }
  }
}
