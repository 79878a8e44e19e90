// Schema migrations for the PostgreSQL event store, run at every start-up: each one is applied once,
// in its own transaction under an advisory lock, and recorded in `regent_migrations`, so two pods
// starting together neither race nor apply anything twice.
import type pg from 'pg';

export type Partitioning = 'native' | 'timescaledb';

export interface MigrateOptions {
  /** Schema holding every table; created if missing. */
  readonly schema: string;
}

export interface MigrateResult {
  /** Ids of the migrations this call applied (empty when the schema was already current). */
  readonly applied: string[];
  readonly partitioning: Partitioning;
}

interface Migration {
  readonly id: string;
  up(client: pg.PoolClient, s: string): Promise<void>;
}

/** Tables partitioned by day on `ts` (or hypertables); partition-maintenance.ts manages the same list. */
export const timePartitionedTables = ['events', 'metrics'] as const;

const MIGRATIONS: readonly Migration[] = [
  {
    id: '001_events',
    async up(client, s) {
      // The primary key of a partitioned table (or hypertable) must include the partition key, so
      // uniqueness is per (id, ts), not per id. Appends still dedupe by id: a redelivered event is
      // the same envelope and always carries the same ts, so ON CONFLICT (id, ts) is equivalent.
      const timescale = await tryCreateTimescale(client);
      await client.query(`
        CREATE TABLE ${s}.events (
          id uuid NOT NULL,
          type text NOT NULL,
          ts timestamptz NOT NULL,
          token text NULL,
          data jsonb NOT NULL,
          source text NOT NULL,
          correlation_id text NOT NULL,
          causation_id text NULL,
          topic text NOT NULL,
          partition int NOT NULL,
          "offset" bigint NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (id, ts)
        )${timescale ? '' : ' PARTITION BY RANGE (ts)'}`);
      await client.query(`CREATE INDEX events_token_ts ON ${s}.events (token, ts)`);
      await client.query(`CREATE INDEX events_type_ts ON ${s}.events (type, ts)`);
      await client.query(`CREATE INDEX events_topic_partition_offset ON ${s}.events (topic, partition, "offset")`);
      if (timescale) await hypertable(client, s, 'events', 'token', 'ts, id');
      else await client.query(`CREATE TABLE ${s}.events_default PARTITION OF ${s}.events DEFAULT`);
    },
  },
  {
    id: '002_consumer_offsets',
    async up(client, s) {
      await client.query(`
        CREATE TABLE ${s}.consumer_offsets (
          group_id text NOT NULL,
          topic text NOT NULL,
          partition int NOT NULL,
          next_offset bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (group_id, topic, partition)
        )`);
    },
  },
  {
    // Metrics are an append-only time series like events, so they are partitioned the same way:
    // retention is then a cheap partition drop instead of a DELETE that bloats a plain table.
    id: '003_metrics',
    async up(client, s) {
      const timescale = (await partitioningOf(client, s)) === 'timescaledb';
      await client.query(`
        CREATE TABLE ${s}.metrics (
          ts timestamptz NOT NULL,
          type text NOT NULL,
          value double precision NOT NULL,
          labels jsonb NOT NULL DEFAULT '{}'::jsonb
        )${timescale ? '' : ' PARTITION BY RANGE (ts)'}`);
      await client.query(`CREATE INDEX metrics_type_ts ON ${s}.metrics (type, ts)`);
      if (timescale) await hypertable(client, s, 'metrics', 'type', 'ts');
      else await client.query(`CREATE TABLE ${s}.metrics_default PARTITION OF ${s}.metrics DEFAULT`);
    },
  },
  {
    // The order journal: one row per client order id, inserted before the request is sent.
    id: '004_orders',
    async up(client, s) {
      await client.query(`
        CREATE TABLE ${s}.orders (
          client_order_id text PRIMARY KEY,
          venue text NOT NULL,
          token text NOT NULL,
          request jsonb NOT NULL,
          cause_id text NOT NULL,
          correlation_id text NOT NULL,
          status text NOT NULL,
          filled_size double precision NOT NULL DEFAULT 0,
          reason text NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
      await client.query(`CREATE INDEX orders_in_flight ON ${s}.orders (venue, created_at) WHERE status IN ('sending', 'unresolved', 'open', 'partially-filled')`);
    },
  },
  {
    // The audit log is append-only: a trigger refuses UPDATE and DELETE, so a record, once written,
    // stays as it was. Ids are deterministic, so a replayed decision is skipped, not duplicated.
    id: '005_audit_log',
    async up(client, s) {
      await client.query(`
        CREATE TABLE ${s}.audit_log (
          seq bigserial PRIMARY KEY,
          id text NOT NULL UNIQUE,
          kind text NOT NULL,
          action text NOT NULL,
          at timestamptz NOT NULL,
          correlation_id text NOT NULL,
          cause_id text NULL,
          token text NULL,
          client_order_id text NULL,
          reason text NULL,
          data jsonb NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now()
        )`);
      await client.query(`CREATE INDEX audit_log_correlation ON ${s}.audit_log (correlation_id)`);
      await client.query(`CREATE INDEX audit_log_order ON ${s}.audit_log (client_order_id) WHERE client_order_id IS NOT NULL`);
      await client.query(`
        CREATE FUNCTION ${s}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$`);
      await client.query(`
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_log_append_only()`);
    },
  },
  {
    id: '006_deployment',
    async up(client, s) {
      // One row: the run this schema holds (log lineage id, the settings that decide the feed).
      await client.query(`CREATE TABLE ${s}.deployment (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), run jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    },
  },
  {
    id: '007_paper_orders',
    async up(client, s) {
      // The paper venue's book, so a durable run's simulated venue survives a restart like a real one.
      await client.query(`CREATE TABLE ${s}.paper_orders (client_order_id text PRIMARY KEY, seq int NOT NULL, record jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    },
  },
];

/** Applies the migrations not yet recorded in `<schema>.regent_migrations`. Idempotent. */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrateResult> {
  const s = quoteIdent(options.schema);
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    await inTransaction(pool, async (client) => {
      await lockSchema(client, options.schema, 'migrate');
      // Created under the lock: concurrent CREATE ... IF NOT EXISTS can still collide in pg_type.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.regent_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = await client.query(`SELECT 1 FROM ${s}.regent_migrations WHERE id = $1`, [migration.id]);
      if (done.rowCount) return;
      await migration.up(client, s);
      await client.query(`INSERT INTO ${s}.regent_migrations (id) VALUES ($1)`, [migration.id]);
      applied.push(migration.id);
    });
  }
  return { applied, partitioning: await withClient(pool, (client) => partitioningOf(client, s)) };
}

/**
 * How `events` is partitioned, read from the catalog rather than from the extension list: a schema
 * created natively stays native even if TimescaleDB is installed later.
 */
export async function partitioningOf(client: pg.ClientBase, quotedSchema: string): Promise<Partitioning> {
  const { rows } = await client.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = to_regclass($1)`, [`${quotedSchema}.events`]);
  return rows[0]?.relkind === 'r' ? 'timescaledb' : 'native';
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid PostgreSQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Serialises schema changes of one schema across processes, until the transaction ends. */
export async function lockSchema(client: pg.ClientBase, schema: string, purpose: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`regent:${purpose}:${schema}`]);
}

export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Runs `work` on a checked-out client. pg listens for a dying backend's 'error' only on idle
 * clients, and an 'error' nobody listens for ends the process: while checked out, this listener
 * takes it (the query in flight fails anyway and takes the normal error path).
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  try {
    const result = await work(client);
    client.off('error', onError);
    client.release(lost);
    return result;
  } catch (error) {
    client.off('error', onError);
    client.release(lost ?? (error as Error));
    throw error;
  }
}

async function tryCreateTimescale(client: pg.PoolClient): Promise<boolean> {
  const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (!available.rowCount) return false;
  // Available is not loadable: without shared_preload_libraries (or the privilege) CREATE EXTENSION
  // fails, and the store should then fall back to native partitions rather than refuse to start.
  await client.query('SAVEPOINT timescale');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await client.query('RELEASE SAVEPOINT timescale');
    return true;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT timescale');
    return false;
  }
}

async function hypertable(client: pg.PoolClient, s: string, table: string, segmentBy: string, orderBy: string): Promise<void> {
  const rel = `${s}.${table}`;
  await client.query(`SELECT create_hypertable($1::regclass, 'ts', chunk_time_interval => interval '1 day', if_not_exists => true)`, [rel]);
  // Columns of a unique index (events' id) must be segmenting or ordering columns of the compression.
  await client.query(`ALTER TABLE ${rel} SET (timescaledb.compress, timescaledb.compress_segmentby = '${segmentBy}', timescaledb.compress_orderby = '${orderBy}')`);
  await client.query(`SELECT add_compression_policy($1::regclass, interval '7 days', if_not_exists => true)`, [rel]);
  await client.query(`SELECT add_retention_policy($1::regclass, interval '1 year', if_not_exists => true)`, [rel]);
}
