// The metrics time series on PostgreSQL (`<schema>.metrics`, made by the event store's migrations
// and partitioned like its events): samples inserted many rows per statement, and aggregated per
// epoch-aligned time bucket for dashboards.
import type pg from 'pg';
import { quoteIdent, type Partitioning } from './migrations.js';
import { EventStoreError } from './postgres-event-store.js';

export interface MetricRow {
  readonly type: string;
  /** ms since epoch. */
  readonly ts: number;
  readonly value: number;
  readonly labels?: Readonly<Record<string, string | number | boolean>>;
}

export type AggregateFn = 'avg' | 'sum' | 'min' | 'max' | 'count';

export interface MetricAggregation {
  readonly type: string;
  /** Inclusive, ms. */
  readonly from: number;
  /** Exclusive, ms. */
  readonly to: number;
  /** Bucket width; buckets are aligned to the Unix epoch. */
  readonly bucketMs: number;
  readonly fn: AggregateFn;
  /** Only rows whose labels contain all of these. */
  readonly labels?: Readonly<Record<string, string | number | boolean>>;
}

export class PostgresMetricSeries {
  private readonly s: string;
  private partitioning: Partitioning | undefined;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async recordMetric(type: string, ts: number, value: number, labels: MetricRow['labels'] = {}): Promise<void> {
    await this.recordMetrics([{ type, ts, value, labels }]);
  }

  /** Inserts metric samples, many rows per statement. */
  async recordMetrics(rows: readonly MetricRow[]): Promise<void> {
    const chunk = Math.floor(65_535 / 4);
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const values: unknown[] = [];
      const tuples = part.map((r) => {
        values.push(new Date(r.ts).toISOString(), r.type, r.value, JSON.stringify(r.labels ?? {}));
        const n = values.length;
        return `($${n - 3}::timestamptz, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
      });
      await this.query(`INSERT INTO ${this.s}.metrics (ts, type, value, labels) VALUES ${tuples.join(', ')}`, values);
    }
  }

  /** One value per non-empty bucket of [from, to), oldest first; `bucket` is the bucket start (ms). */
  async aggregateMetrics(q: MetricAggregation): Promise<{ bucket: number; value: number }[]> {
    const fn = { avg: 'avg(value)', sum: 'sum(value)', min: 'min(value)', max: 'max(value)', count: 'count(*)' }[q.fn];
    if (!fn) throw new RangeError(`unknown aggregate ${String(q.fn)}`);
    if (!(q.bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${q.bucketMs}`);
    this.partitioning ??= await this.detectPartitioning();
    const width = 'make_interval(secs => $1::float8 / 1000)';
    const bucket =
      this.partitioning === 'timescaledb'
        ? `time_bucket(${width}, ts, origin => 'epoch'::timestamptz)`
        : `date_bin(${width}, ts, 'epoch'::timestamptz)`;
    const values: unknown[] = [q.bucketMs, q.type, new Date(q.from).toISOString(), new Date(q.to).toISOString()];
    let labels = '';
    if (q.labels && Object.keys(q.labels).length) {
      values.push(JSON.stringify(q.labels));
      labels = ` AND labels @> $5::jsonb`;
    }
    const { rows } = await this.query<{ bucket: Date; value: number | string }>(
      `SELECT ${bucket} AS bucket, (${fn})::float8 AS value FROM ${this.s}.metrics
       WHERE type = $2 AND ts >= $3::timestamptz AND ts < $4::timestamptz${labels} GROUP BY 1 ORDER BY 1`,
      values,
    );
    return rows.map((r) => ({ bucket: r.bucket.getTime(), value: Number(r.value) }));
  }

  /** A hypertable (TimescaleDB) is a plain table, relkind r; native partitioning makes a partitioned one. */
  private async detectPartitioning(): Promise<Partitioning> {
    const { rows } = await this.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = to_regclass($1)`, [`${this.s}.events`]);
    return rows[0]?.relkind === 'r' ? 'timescaledb' : 'native';
  }

  private async query<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw new EventStoreError(`metrics query failed: ${error instanceof Error ? error.message : String(error)}`, 'metrics', 1, { cause: error });
    }
  }
}
