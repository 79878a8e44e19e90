// Chaos (b) and (c): the dependencies fail under load. Redis is killed and restarted (a throwaway
// server of the spec's own); PostgreSQL connections are terminated with pg_terminate_backend.
import { expect } from 'chai';
import pg from 'pg';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import type { Runtime } from '../../runtime/runtime.js';
import { PG_URL, checkInvariant, chaosSeed, feedEvents, openStores, pipeline, pump, storeCaughtUp, type Stores } from '../support/chaos-pipeline.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

describe('chaos: dependencies failing under load', function () {
  this.timeout(240_000);
  const seed = chaosSeed();
  let runtime: Runtime | undefined;
  let stores: Stores | undefined;
  let redis: RedisServer | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(`    chaos seed: ${seed} (rerun with REGENT_CHAOS_SEED=${seed})`);
    await runtime?.stop();
    await stores?.cleanup();
    await redis?.stop();
    runtime = stores = redis = undefined;
  });

  it('(b) completes with correct state when Redis is killed mid-run and restarted; the degraded metric rises and falls', async () => {
    redis = await RedisServer.start();
    stores = await openStores('redis', redis.url);
    const log = new MemoryEventLog();
    const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
    runtime = pipeline({
      seed,
      log,
      exchange,
      eventStore: stores.eventStore,
      stateStore: stores.stateStore,
      faults: { seed, handlerFailureRate: 0.001, killRate: 0.0005, agents: ['position', 'risk', 'execution'] },
    });
    await runtime.start();
    const rt = runtime;
    const degraded = async () => (await rt.metrics.degraded.get()).values.find((v) => v.labels.component === 'state-store')?.value ?? 0;
    const seen: number[] = [];
    await pump(rt, feedEvents(seed, 20_000), async (published) => {
      if (published === 6000) await redis!.stop();
      if (published === 12_000) await redis!.restart();
      seen.push(await degraded());
    });
    await rt.whenIdle({ timeoutMs: 60_000 });
    // Snapshots are written every 100 events per actor, so the first writes after the restart end it.
    await waitFor('the degraded mode to end', async () => (await degraded()) === 0, 20_000);
    expect(seen.slice(6, 12), 'degraded while Redis was down').to.include(1);
    expect(seen[0], 'healthy before').to.equal(0);
    await storeCaughtUp(rt, log, stores);
    await checkInvariant(rt, log, exchange, seed, stores);
  });

  it('(c) loses and duplicates nothing when PostgreSQL connections are terminated mid-run', async () => {
    stores = await openStores('pgkill');
    const log = new MemoryEventLog();
    const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
    runtime = pipeline({ seed, log, exchange, eventStore: stores.eventStore, stateStore: stores.stateStore });
    await runtime.start();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    let terminated = 0;
    try {
      await pump(runtime, feedEvents(seed, 20_000), async (published) => {
        if (published % 3000 === 0) {
          const { rows } = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [stores!.appName]);
          terminated += rows.filter((r: { ok: boolean }) => r.ok).length;
        }
      });
    } finally {
      await admin.end();
    }
    await runtime.whenIdle({ timeoutMs: 60_000 });
    await storeCaughtUp(runtime, log, stores);
    expect(terminated, 'backends terminated').to.be.greaterThan(3);
    const report = await checkInvariant(runtime, log, exchange, seed, stores);
    expect(report.storedEvents).to.be.greaterThan(20_000);
  });
});
