// The metrics time series against the real server on 127.0.0.1:5432 (database `test`), in a
// migrated schema of its own.
import { expect } from 'chai';
import { PostgresMetricSeries, type MetricAggregation } from '../../../adapters/store/postgres/metric-series-store.js';
import { MigratedSchemas } from '../../support/migrated-schemas.js';

describe('PostgresMetricSeries (real PostgreSQL)', () => {
  const schemas = new MigratedSchemas('regent_spec_metrics');
  // Minute-aligned, in the default partition (far future), so no other spec's rows interfere.
  const t0 = Date.UTC(2100, 0, 1, 12, 0, 0);
  let series: PostgresMetricSeries;
  before(async () => {
    const { store, schema } = await schemas.fresh();
    series = new PostgresMetricSeries(store.pool, schema);
    await series.recordMetrics([
      { type: 'latency', ts: t0, value: 1, labels: { venue: 'a' } },
      { type: 'latency', ts: t0 + 10_000, value: 3, labels: { venue: 'a' } },
      { type: 'latency', ts: t0 + 59_999, value: 5, labels: { venue: 'a' } },
      { type: 'latency', ts: t0 + 5_000, value: 100, labels: { venue: 'b' } },
      { type: 'latency', ts: t0 + 60_000, value: 10, labels: { venue: 'a' } },
      { type: 'latency', ts: t0 + 130_000, value: 7, labels: { venue: 'a', side: 'buy' } },
      { type: 'latency', ts: t0 + 180_000, value: 1000, labels: { venue: 'a' } }, // at `to`: excluded
      { type: 'fills', ts: t0, value: 42 },
    ]);
    await series.recordMetric('latency', t0 - 1, 500, { venue: 'a' }); // before `from`: excluded
  });
  after(() => schemas.dropAll());

  const range = { type: 'latency', from: t0, to: t0 + 180_000, bucketMs: 60_000 };
  const expected: [string, MetricAggregation, { bucket: number; value: number }[]][] = [
    ['avg', { ...range, fn: 'avg' }, [{ bucket: t0, value: 27.25 }, { bucket: t0 + 60_000, value: 10 }, { bucket: t0 + 120_000, value: 7 }]],
    ['sum', { ...range, fn: 'sum' }, [{ bucket: t0, value: 109 }, { bucket: t0 + 60_000, value: 10 }, { bucket: t0 + 120_000, value: 7 }]],
    ['min', { ...range, fn: 'min' }, [{ bucket: t0, value: 1 }, { bucket: t0 + 60_000, value: 10 }, { bucket: t0 + 120_000, value: 7 }]],
    ['max', { ...range, fn: 'max' }, [{ bucket: t0, value: 100 }, { bucket: t0 + 60_000, value: 10 }, { bucket: t0 + 120_000, value: 7 }]],
    ['count', { ...range, fn: 'count' }, [{ bucket: t0, value: 4 }, { bucket: t0 + 60_000, value: 1 }, { bucket: t0 + 120_000, value: 1 }]],
    ['avg with a label filter', { ...range, fn: 'avg', labels: { venue: 'a' } }, [{ bucket: t0, value: 3 }, { bucket: t0 + 60_000, value: 10 }, { bucket: t0 + 120_000, value: 7 }]],
    ['sum in 2-minute buckets', { ...range, bucketMs: 120_000, fn: 'sum' }, [{ bucket: t0, value: 119 }, { bucket: t0 + 120_000, value: 7 }]],
    // Buckets stay aligned to the epoch when `from` is not.
    ['count from an unaligned start', { ...range, from: t0 + 30_000, fn: 'count' }, [{ bucket: t0, value: 1 }, { bucket: t0 + 60_000, value: 1 }, { bucket: t0 + 120_000, value: 1 }]],
  ];
  for (const [name, query, want] of expected) {
    it(`aggregates ${name} per time bucket`, async () => {
      expect(await series.aggregateMetrics(query)).to.deep.equal(want);
    });
  }
});
