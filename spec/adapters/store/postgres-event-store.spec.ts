// The PostgreSQL event store against the real server on 127.0.0.1:5432 (database `test`): every run
// works in schemas of its own and drops them afterwards.
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Registry, type Counter } from 'prom-client';
import { MemoryEventStore } from '../../../adapters/store/memory.js';
import { migrate } from '../../../adapters/store/postgres/migrations.js';
import { ensurePartitions, partitionName, PartitionMaintenanceJob } from '../../../adapters/store/postgres/partition-maintenance.js';
import { EventStoreError, PostgresEventStore } from '../../../adapters/store/postgres/postgres-event-store.js';
import { EventRejectedError, type ConsumedOffset, type EventQuery, type StoredEvent } from '../../../runtime/ports/event-store.js';
import { waitFor } from '../../support/wait.js';

const CONNECTION = 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const run = randomBytes(4).toString('hex');
const schema = `regent_spec_${run}`;
const today = Math.floor(Date.now() / DAY) * DAY;

let seq = 0;
function event(over: Partial<StoredEvent> = {}): StoredEvent {
  seq++;
  return {
    id: randomUUID(),
    type: 'price.tick',
    ts: Date.now(),
    token: 'SOL',
    source: 'spec',
    correlationId: `corr-${seq}`,
    data: { price: seq, nested: { list: [1, 2, seq] } },
    topic: 'price.ticks',
    partition: 0,
    offset: seq,
    ...over,
  };
}

async function total(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return 0;
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('PostgresEventStore (real PostgreSQL)', function () {
  this.timeout(60_000);
  const registry = new Registry();
  const schemas = [schema];
  const stores: PostgresEventStore[] = [];
  let admin: pg.Pool;
  let store: PostgresEventStore;

  function newStore(options: ConstructorParameters<typeof PostgresEventStore>[0] = {}): PostgresEventStore {
    const s = new PostgresEventStore({ connectionString: CONNECTION, schema, ...options });
    stores.push(s);
    return s;
  }

  async function countWhere(where: string, values: unknown[]): Promise<number> {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".events WHERE ${where}`, values);
    return rows[0].n;
  }

  before(async () => {
    admin = new pg.Pool({ connectionString: CONNECTION, max: 3 });
    store = newStore({ metrics: registry });
  });

  after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await admin.end();
  });

  describe('migrations', () => {
    it('apply once; a second run is a no-op', async () => {
      const first = await store.migrateWithResult();
      expect(first.applied).to.deep.equal(['001_events', '002_consumer_offsets', '003_metrics', '004_orders', '005_audit_log', '006_deployment', '007_paper_orders']);
      expect(first.partitioning).to.equal('native');
      const second = await store.migrateWithResult();
      expect(second.applied).to.deep.equal([]);
      const { rows } = await admin.query(`SELECT id FROM "${schema}".regent_migrations ORDER BY id`);
      expect(rows.map((r) => r.id)).to.deep.equal(first.applied);
    });

    it('two concurrent runs on a fresh schema both succeed and apply each migration once', async () => {
      const other = `${schema}_race`;
      schemas.push(other);
      const pools = [new pg.Pool({ connectionString: CONNECTION }), new pg.Pool({ connectionString: CONNECTION })];
      try {
        const results = await Promise.all(pools.map((pool) => migrate(pool, { schema: other })));
        expect([...results[0]!.applied, ...results[1]!.applied].sort()).to.deep.equal(['001_events', '002_consumer_offsets', '003_metrics', '004_orders', '005_audit_log', '006_deployment', '007_paper_orders']);
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${other}".regent_migrations`);
        expect(rows[0].n).to.equal(7);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });

    it('rejects a schema name that is not a plain identifier', () => {
      expect(() => new PostgresEventStore({ connectionString: CONNECTION, schema: 'x"; drop' })).to.throw(/invalid PostgreSQL identifier/);
    });
  });

  describe('partitions', () => {
    it('has a partition per day from yesterday to three days ahead, for events and metrics', async () => {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent IN (to_regclass($1), to_regclass($2))`,
        [`"${schema}".events`, `"${schema}".metrics`],
      );
      const names = rows.map((r) => r.name);
      for (const table of ['events', 'metrics']) {
        expect(names).to.include(`${table}_default`);
        for (let d = -1; d <= 3; d++) expect(names).to.include(partitionName(table, today + d * DAY));
      }
    });

    it('routes an event far in the past or future to the default partition, today to its day', async () => {
      const past = event({ ts: Date.UTC(2001, 0, 1), topic: 'where' });
      const future = event({ ts: Date.UTC(2200, 0, 1), topic: 'where' });
      const now = event({ topic: 'where' });
      await store.append([past, future, now], []);
      const { rows } = await admin.query<{ id: string; part: string }>(
        `SELECT id, tableoid::regclass::text AS part FROM "${schema}".events WHERE topic = 'where'`,
      );
      const part = new Map(rows.map((r) => [r.id, r.part.split('.').pop()]));
      expect(part.get(past.id)).to.equal('events_default');
      expect(part.get(future.id)).to.equal('events_default');
      expect(part.get(now.id)).to.equal(partitionName('events', today));
    });
  });

  describe('append', () => {
    it('stores an event once however often it is appended, counting the duplicates', async () => {
      const events = Array.from({ length: 10 }, () => event({ topic: 'idem' }));
      const [appended0, duplicates0] = [await total(registry, 'regent_store_appended_total'), await total(registry, 'regent_store_duplicates_total')];
      await store.append(events, []);
      await store.append(events, []);
      expect(await countWhere(`topic = 'idem'`, [])).to.equal(10);
      expect((await total(registry, 'regent_store_appended_total')) - appended0).to.equal(10);
      expect((await total(registry, 'regent_store_duplicates_total')) - duplicates0).to.equal(10);
      const hist = (await registry.getSingleMetric('regent_store_append_seconds')!.get()).values as { metricName?: string; value: number }[];
      expect(hist.find((v) => v.metricName === 'regent_store_append_seconds_count')?.value).to.be.at.least(2);
    });

    it('writes events and offsets all-or-nothing: a failing row in a later chunk leaves neither', async () => {
      const chunked = newStore({ batchRows: 2 });
      const events = Array.from({ length: 5 }, () => event({ topic: 'atomic' }));
      // PostgreSQL's jsonb rejects the NUL character, so the third INSERT (rows 5..) fails.
      events[4] = event({ topic: 'atomic', data: { text: 'bad\u0000byte' } });
      const offsets: ConsumedOffset[] = [{ groupId: 'g-atomic', topic: 'atomic', partition: 0, offset: 99 }];
      const error = await chunked.append(events, offsets).then(() => undefined, (e: unknown) => e);
      // A data error: the store refuses these rows (retrying cannot help), typed so the writer can isolate them.
      expect(error).to.be.instanceOf(EventRejectedError);
      expect((error as Error).message).to.match(/append refused by PostgreSQL: .*unsupported Unicode escape sequence/);
      expect(await countWhere(`topic = 'atomic'`, [])).to.equal(0);
      expect((await store.offsets('g-atomic')).size).to.equal(0);
      // The connection went back to the pool in a usable state.
      await chunked.append(events.slice(0, 4), offsets);
      expect(await countWhere(`topic = 'atomic'`, [])).to.equal(4);
      expect(await store.offsets('g-atomic')).to.deep.equal(new Map([['atomic/0', 99]]));
    });

    it('keeps the greatest offset per (group, topic, partition)', async () => {
      const at = (offset: number, partition = 0, groupId = 'g-max'): ConsumedOffset => ({ groupId, topic: 'orders', partition, offset });
      await store.append([], [at(10), at(3, 1)]);
      await store.append([], [at(5), at(4, 1)]);
      expect(await store.offsets('g-max')).to.deep.equal(new Map([['orders/0', 10], ['orders/1', 4]]));
      await store.append([], [at(7), at(15), at(12), at(2, 0, 'g-other')]);
      expect(await store.offsets('g-max')).to.deep.equal(new Map([['orders/0', 15], ['orders/1', 4]]));
      expect(await store.offsets('g-other')).to.deep.equal(new Map([['orders/0', 2]]));
      expect((await store.offsets('g-nobody')).size).to.equal(0);
    });

    it('lets at most maxInFlight appends run at once', async () => {
      const gated = newStore({ maxInFlight: 1, pool: { max: 4 } });
      let running = 0;
      let peak = 0;
      const pool = gated.pool as pg.Pool & { connect: () => Promise<pg.PoolClient> };
      const connect = pool.connect.bind(pool);
      pool.connect = async () => {
        const client = await connect();
        running++;
        peak = Math.max(peak, running);
        const release = client.release.bind(client);
        client.release = (err?: Error | boolean) => {
          running--;
          release(err);
        };
        return client;
      };
      await Promise.all(Array.from({ length: 6 }, () => gated.append([event({ topic: 'gate' })], [])));
      expect(peak).to.equal(1);
      expect(await countWhere(`topic = 'gate'`, [])).to.equal(6);
    });
  });

  describe('replay', () => {
    const base = today - DAY + HOUR;
    const memory = new MemoryEventStore();
    const window = { from: base, to: base + HOUR };

    before(async () => {
      const events: StoredEvent[] = [];
      let offset = 0;
      for (let i = 0; i < 60; i++) {
        const topic = i % 3 === 0 ? 'trade.executed' : 'price.ticks';
        events.push(
          event({
            topic,
            partition: i % 2,
            offset: offset++,
            // Several events share a ts, so the (topic, partition, offset) tie-break shows.
            ts: base + Math.floor((59 - i) / 3) * 1000,
            token: i % 4 === 0 ? 'ETH' : 'BTC',
            type: topic === 'trade.executed' ? 'trade.executed' : i % 5 === 0 ? 'price.gap' : 'price.tick',
            ...(i % 7 === 0 ? { causationId: `cause-${i}` } : {}),
            ...(i % 11 === 0 ? { token: undefined } : {}),
          }),
        );
      }
      for (const e of events) if (e.token === undefined) delete (e as { token?: string }).token;
      events.push(event({ ts: base + HOUR, topic: 'price.ticks', token: 'BTC' })); // `to` is exclusive
      await store.append(events, []);
      await memory.append(events, []);
    });

    const queries: [string, EventQuery][] = [
      ['a time range', {}],
      ['a narrower time range', { from: base + 5000, to: base + 9000 }],
      ['a token', { token: 'ETH' }],
      ['types', { types: ['trade.executed', 'price.gap'] }],
      ['an empty type list', { types: [] }],
      ['after offsets of one partition (others pass)', { after: { 'price.ticks/1': 30 } }],
      ['before offsets of one partition', { before: { 'trade.executed/0': 20 } }],
      ['after and before together', { after: { 'price.ticks/0': 10, 'price.ticks/1': 10 }, before: { 'price.ticks/0': 50 }, token: 'BTC' }],
    ];
    for (const [name, q] of queries) {
      it(`filters by ${name}, ordered by ts, topic, partition, offset, exactly as the in-memory store`, async () => {
        const query = { ...window, ...q, batchSize: 7 };
        const got = await collect(store.replay(query));
        const want = await collect(memory.replay(query));
        expect(got).to.deep.equal(want);
        if (name === 'a time range') expect(got).to.have.length(60);
        else if (q.types?.length !== 0) expect(got.length).to.be.within(1, 59);
      });
    }

    it('maps rows back to envelopes: ms timestamps, parsed data, absent optional fields omitted', async () => {
      const [first] = await collect(store.replay({ ...window, types: ['trade.executed'], token: 'ETH' }));
      expect(first!.ts).to.be.a('number').within(base, base + HOUR);
      expect(first!.offset).to.be.a('number');
      expect(first!.data).to.have.nested.property('nested.list').that.is.an('array');
      const all = await collect(store.replay(window));
      expect(all.some((e) => !('token' in e))).to.equal(true);
      expect(all.some((e) => !('causationId' in e))).to.equal(true);
      expect(all.some((e) => e.causationId?.startsWith('cause-'))).to.equal(true);
    });

    it('returns exactly what was appended: field values, types and key order, across batches', async () => {
      const at = base + 3 * HOUR + 0.5 * HOUR;
      const pinned: StoredEvent[] = [
        { id: randomUUID(), type: 'price.tick', ts: at + 123, token: 'SOL', source: 'spec', correlationId: 'c-1', data: { price: 101.234567, volume: 17 }, topic: 'pinned', partition: 3, offset: 0 },
        // No token; a causation id; milliseconds that a float rounding would lose; the largest safe offset.
        { id: randomUUID(), type: 'order.filled', ts: at + 999, source: 'venue', correlationId: 'c-2', causationId: 'cause-2', data: { ok: true, fill: [1, 2.5, -0.000001], none: null }, topic: 'pinned', partition: 3, offset: Number.MAX_SAFE_INTEGER - 1 },
        { id: randomUUID(), type: 'note', ts: at + 1001, token: 'ÉTH-✓', source: 'sp"ec\\', correlationId: '{c,"3"}', data: { text: 'héllo wörld 日本語 🚀 \u00e9 "quoted" back\\slash {a,b} NULL', emoji: '👩\u200d💻' }, topic: 'pinned', partition: 3, offset: 7 },
        { id: randomUUID(), type: 'note', ts: at + 1002, source: '', correlationId: 'c-4', data: null, topic: 'pinned', partition: 3, offset: 8 },
        { id: randomUUID(), type: 'note', ts: at + 1003, token: '', source: 'spec', correlationId: 'c-5', causationId: '', data: 'a string', topic: 'pinned', partition: 3, offset: 9 },
      ];
      await store.append(pinned, []);
      // (jsonb keeps object keys shorter-first: these data objects are written in that order already.)
      const want = pinned.map((e) => JSON.stringify(e));
      for (const batchSize of [1, 2, 1000]) {
        const got = await collect(store.replay({ from: at, to: at + HOUR, batchSize }));
        expect(got.map((e) => JSON.stringify(e)), `batchSize ${batchSize}`).to.deep.equal(want);
        expect(got).to.deep.equal(pinned);
        for (const e of got) {
          expect(e.ts).to.be.a('number');
          expect(e.partition).to.be.a('number');
          expect(e.offset).to.be.a('number');
        }
      }
      const byOffset = await collect(store.replay({ ranges: [{ topic: 'pinned', partition: 3, from: 0, to: Number.MAX_SAFE_INTEGER }], order: 'offset', batchSize: 2 }));
      expect(byOffset.map((e) => e.offset)).to.deep.equal([0, 7, 8, 9, Number.MAX_SAFE_INTEGER - 1]);
    });

    it('reads a stored timestamp with microseconds as its whole milliseconds (rounded down)', async () => {
      const id = randomUUID();
      await admin.query(
        `INSERT INTO "${schema}".events (id, type, ts, token, data, source, correlation_id, topic, partition, "offset")
         VALUES ($1, 'micro', $2::timestamptz, NULL, '{}', 'spec', 'c', 'micro', 0, 0)`,
        [id, new Date(base + 5 * HOUR + 456).toISOString().replace('Z', '999+00')],
      );
      const [e] = await collect(store.replay({ types: ['micro'] }));
      expect(e).to.deep.equal({ id, type: 'micro', ts: base + 5 * HOUR + 456, source: 'spec', correlationId: 'c', data: {}, topic: 'micro', partition: 0, offset: 0 });
    });

    describe('20,000 rows', () => {
      const token = `stream-${run}`;
      let stream: PostgresEventStore;
      before(async () => {
        stream = newStore({ pool: { max: 3 } });
        const events = Array.from({ length: 20_000 }, (_, i) => event({ token, topic: 'bulk', offset: i, ts: base + 2 * HOUR + i }));
        await stream.append(events, []);
      });

      it('streams in small batches, in order', async () => {
        let n = 0;
        let last = -1;
        for await (const e of stream.replay({ token, batchSize: 250 })) {
          expect(e.offset).to.equal(last + 1);
          last = e.offset;
          n++;
        }
        expect(n).to.equal(20_000);
        expect(stream.pool.idleCount).to.equal(stream.pool.totalCount);
      });

      it('releases the cursor and its client when the consumer breaks out early', async () => {
        for (let round = 0; round < 5; round++) {
          let n = 0;
          for await (const e of stream.replay({ token, batchSize: 100 })) {
            if (n === 0) expect(stream.pool.totalCount - stream.pool.idleCount).to.equal(1);
            if (++n === 150 + round) break;
            void e;
          }
          expect(n).to.equal(150 + round);
          expect(stream.pool.totalCount - stream.pool.idleCount, 'clients checked out').to.equal(0);
          expect(stream.pool.waitingCount).to.equal(0);
        }
        // More early exits than the pool has clients: nothing leaked, so this still runs.
        expect(stream.pool.totalCount).to.be.at.most(3);
        expect(await collect(stream.replay({ token, from: base + 2 * HOUR, to: base + 2 * HOUR + 3 }))).to.have.length(3);
      });

      it('releases the client when the consumer throws', async () => {
        const failing = (async () => {
          for await (const e of stream.replay({ token, batchSize: 50 })) if (e.offset === 60) throw new Error('consumer failed');
        })();
        await failing.then(() => expect.fail('should throw'), (e: Error) => expect(e.message).to.equal('consumer failed'));
        expect(stream.pool.totalCount - stream.pool.idleCount).to.equal(0);
      });
    });
  });

  describe('connection loss', () => {
    it('retries an append whose backend was terminated mid-transaction; nothing is duplicated', async () => {
      const appName = `regent-spec-${run}-kill`;
      const metrics = new Registry();
      const victim = newStore({ pool: { application_name: appName }, metrics, retry: { initialMs: 20, maxTotalMs: 10_000 } });
      const events = Array.from({ length: 50 }, () => event({ topic: 'killed' }));
      await victim.append(events.slice(0, 10), []); // a redelivered prefix must not be duplicated
      // Hold the offsets table so the append stops after inserting its events, mid-transaction.
      const blocker = await admin.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${schema}".consumer_offsets IN ACCESS EXCLUSIVE MODE`);
        const appending = victim.append(events, [{ groupId: 'g-killed', topic: 'killed', partition: 0, offset: 50 }]);
        await waitFor('the append to wait on the lock', async () => {
          const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [appName]);
          return rows.length > 0;
        }, 10_000);
        const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [appName]);
        expect(killed.rowCount).to.be.at.least(1);
        await waitFor('the retry to start', async () => (await total(metrics, 'regent_store_retries_total')) >= 1, 10_000);
        await blocker.query('COMMIT');
        await appending;
      } finally {
        blocker.release();
      }
      expect(await countWhere(`topic = 'killed'`, [])).to.equal(50);
      const { rows } = await admin.query(`SELECT count(DISTINCT id)::int AS n FROM "${schema}".events WHERE topic = 'killed'`);
      expect(rows[0].n).to.equal(50);
      expect(await store.offsets('g-killed')).to.deep.equal(new Map([['killed/0', 50]]));
      expect(await total(metrics, 'regent_store_retries_total')).to.be.at.least(1);
      expect(await total(metrics, 'regent_store_appended_total')).to.equal(50);
      // The pool recovered: fresh connections work.
      await victim.append([event({ topic: 'killed' })], []);
      expect(await countWhere(`topic = 'killed'`, [])).to.equal(51);
    });

    it('gives up with an EventStoreError once the retry budget is spent', async () => {
      const unreachable = newStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', retry: { initialMs: 10, maxTotalMs: 100 } });
      const error = await unreachable.append([event()], []).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(EventStoreError);
      expect((error as EventStoreError).attempts).to.be.greaterThan(1);
      expect((error as Error).message).to.match(/append failed after \d+ attempt/);
    });
  });

  describe('partition maintenance', () => {
    const other = `${schema}_maint`;
    let pool: pg.Pool;
    before(async () => {
      schemas.push(other);
      pool = new pg.Pool({ connectionString: CONNECTION, max: 2 });
      await migrate(pool, { schema: other });
      await ensurePartitions(pool, { schema: other, now: today });
    });
    after(() => pool.end());

    it('creates the upcoming days (moving rows that wait in DEFAULT), drops days past retention, then is idempotent', async () => {
      const later = today + 10 * DAY;
      const insert = (ts: number) =>
        pool.query(
          `INSERT INTO "${other}".events (id, type, ts, data, source, correlation_id, topic, partition, "offset")
           VALUES ($1, 'x', $2, '{}', 'spec', 'c', 't', 0, 0)`,
          [randomUUID(), new Date(ts).toISOString()],
        );
      await insert(today + 11 * DAY + HOUR); // lands in DEFAULT now, belongs to a day created below
      await insert(today + HOUR); // in a partition that retention drops
      await insert(Date.UTC(2001, 5, 1)); // in DEFAULT, past retention

      const result = await ensurePartitions(pool, { schema: other, now: later, daysAhead: 2, retentionDays: 5 });
      const days = (from: number, to: number, table: string) => Array.from({ length: to - from + 1 }, (_, i) => partitionName(table, today + (from + i) * DAY));
      expect(result.created).to.have.members([...days(9, 12, 'events'), ...days(9, 12, 'metrics')]);
      expect(result.dropped).to.have.members([...days(-1, 3, 'events'), ...days(-1, 3, 'metrics')]);
      expect(result.moved).to.equal(1);
      expect(result.expired).to.equal(1);

      const { rows } = await pool.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM "${other}".events`);
      expect(rows.map((r) => r.part.split('.').pop())).to.deep.equal([partitionName('events', today + 11 * DAY)]);
      const again = await ensurePartitions(pool, { schema: other, now: later, daysAhead: 2, retentionDays: 5 });
      expect(again).to.deep.include({ created: [], dropped: [], moved: 0, expired: 0 });
    });

    it('runs as a job that counts a failure instead of throwing', async () => {
      const metrics = new Registry();
      const broken = new PartitionMaintenanceJob({ pool, schema: `${other}_missing`, metrics });
      expect(await broken.runOnce()).to.equal(undefined);
      expect(await total(metrics, 'regent_store_partition_maintenance_errors_total')).to.equal(1);

      const job = new PartitionMaintenanceJob({ pool, schema: other, metrics, clock: { now: () => today + 20 * DAY }, daysAhead: 1, retentionDays: 30 });
      job.start();
      await waitFor('the job to create the days ahead', async () => {
        const { rows } = await pool.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`"${other}".${partitionName('events', today + 21 * DAY)}`]);
        return rows[0].ok;
      });
      await job.stop();
      expect(await total(metrics, 'regent_store_partition_maintenance_errors_total')).to.equal(1);
    });
  });
});
