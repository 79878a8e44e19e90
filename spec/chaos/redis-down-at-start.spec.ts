// A durable run (`--store postgres --state redis`) whose Redis is down from the start and stays
// down: every snapshot fails, so actors rehydrate by replay and are never forgotten on a revoke.
// The audit log and the event store must still hold each fill once, and the execution actor must
// reconcile with the venue once (at its start), not again while the runtime shuts down.
import { expect } from 'chai';
import pg from 'pg';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { startRun } from '../../app/run.js';
import { MigratedSchemas } from '../support/migrated-schemas.js';
import { RedisServer } from '../support/redis-server.js';

describe('a durable run with Redis down from the start', function () {
  this.timeout(60_000);
  const schemas = new MigratedSchemas('regent_spec_redis_down');
  let pool: pg.Pool;

  before(() => {
    pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 2 });
  });

  after(async () => {
    await pool.end();
    await schemas.dropAll();
  });

  it('audits each fill once, records each venue fill once and reconciles once', async () => {
    const { schema } = await schemas.fresh();
    // A port that answered a moment ago and is closed now: Redis is down before the run starts.
    const redis = await RedisServer.start();
    await redis.stop();
    const config = loadConfig({
      env: {},
      overrides: {
        seed: 7,
        events: 4000,
        http: { enabled: false },
        store: { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', schema },
        // A start refuses an unreachable Redis unless told to start degraded.
        state: { kind: 'redis', url: redis.url, keyPrefix: 'regent-spec:redis-down:', requiredAtStart: false },
      },
    });
    const handle = await startRun(config, { logger: silentLogger });
    const summary = await handle.done;
    expect(summary.fills, 'the run must trade for this spec to mean anything').to.be.greaterThan(3);

    const audited = await pool.query<{ fill_id: string; n: string }>(
      `SELECT data->>'fillId' AS fill_id, count(*) AS n FROM "${schema}".audit_log WHERE kind = 'fill' GROUP BY 1 ORDER BY 1`,
    );
    const twice = audited.rows.filter((r) => Number(r.n) > 1).map((r) => r.fill_id);
    expect(twice, 'fills audited more than once').to.deep.equal([]);
    expect(audited.rows.length, 'fills audited').to.equal(summary.fills);

    const reconciles = await pool.query<{ action: string; n: string }>(
      `SELECT action, count(*) AS n FROM "${schema}".audit_log WHERE kind = 'reconcile' GROUP BY 1 ORDER BY 1`,
    );
    expect(reconciles.rows.map((r) => [r.action, Number(r.n)])).to.deep.equal([['complete', 1]]);

    // The paper venue reports each fill twice: in the order's answer (recorded by execution) and on
    // its fill stream (recorded by the venue-fill worker). Both record the same event: once in the store.
    const fills = await pool.query<{ n: string; distinct_fills: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT data->>'fillId') AS distinct_fills, count(DISTINCT id) AS ids FROM "${schema}".events WHERE type = 'order.fill'`,
    );
    expect([fills.rows[0]!.n, fills.rows[0]!.distinct_fills, fills.rows[0]!.ids].map(Number)).to.deep.equal([summary.fills, summary.fills, summary.fills]);
    const executed = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".events WHERE type = 'trade.executed'`);
    expect(Number(executed.rows[0]!.n)).to.equal(summary.fills);
  });
});
