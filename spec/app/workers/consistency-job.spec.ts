// The scheduled consistency check of the portfolio cache, on the real Redis (a key prefix of its
// own) and PostgreSQL (a schema of its own): each check's findings and repairs become metrics.
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { TradeExecuted } from '../../../actors/execution/events.js';
import { PriceTick } from '../../../actors/market/events.js';
import { foldPositions, positionEventTypes } from '../../../actors/portfolio/positions-from-events.js';
import { RedisCache } from '../../../adapters/state/redis/cache.js';
import { RedisPortfolioCache } from '../../../adapters/state/redis/portfolio-cache.js';
import { ConsistencyJob } from '../../../app/workers/consistency-job.js';
import type { StoredEvent } from '../../../runtime/ports/event-store.js';
import { scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { MigratedSchemas } from '../../support/migrated-schemas.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait.js';

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value ?? 0;
}

describe('the scheduled portfolio cache consistency check', () => {
  const schemas = new MigratedSchemas('regent_spec_consistency_job');
  const cache = new RedisCache({ url: SHARED_REDIS_URL, keyPrefix: uniquePrefix('consistency-job') });
  const portfolio = new RedisPortfolioCache(cache);
  let truth: () => ReturnType<typeof foldPositions>;

  before(async () => {
    const { store } = await schemas.fresh();
    const fill = scriptedEvent(
      TradeExecuted,
      { clientOrderId: 'c-1', fillId: 'c-1:1', side: 'buy', size: 2, price: 100, fee: 1, slippageBps: 0, referencePrice: 100, reduceOnly: false, venue: 'paper' },
      { ts: 1000, token: 'BTC', id: '00000000-0000-4000-8000-000000000001' },
    );
    const tick = scriptedEvent(PriceTick, { price: 120, volume: 1 }, { ts: 1001, token: 'BTC', id: '00000000-0000-4000-9000-000000000002' });
    const stored: StoredEvent[] = [
      { ...fill, topic: 'trade.executed', partition: 0, offset: 0 },
      { ...tick, topic: 'price.ticks', partition: 0, offset: 0 },
    ];
    await store.append(stored, []);
    truth = () => foldPositions(store.replay({ types: positionEventTypes, order: 'offset' }));
  });

  after(async () => {
    for await (const key of cache.scan('*')) await cache.delete(key);
    await cache.close();
    await schemas.dropAll();
  });

  it('counts checks, problems by kind and repairs, and leaves a repaired cache consistent', async () => {
    const expected = (await truth()).get('BTC')!;
    await portfolio.setPosition('BTC', { ...expected, size: 7 }); // stale
    await portfolio.setPosition('DOGE', { size: 1, avgEntry: 1, realizedPnl: 0, fees: 0, markPrice: 1 }); // extra
    const registry = new Registry();
    const job = new ConsistencyJob({ cache: portfolio, truth, repair: true, intervalMs: 60_000, metrics: registry });

    const first = await job.runOnce();
    expect(first).to.deep.include({ stale: ['BTC'], extra: ['DOGE'], missing: [], repaired: 2 });
    expect(await value(registry, 'regent_portfolio_consistency_checks_total', { result: 'ok' })).to.equal(1);
    expect(await value(registry, 'regent_portfolio_consistency_problems_total', { kind: 'stale' })).to.equal(1);
    expect(await value(registry, 'regent_portfolio_consistency_problems_total', { kind: 'extra' })).to.equal(1);
    expect(await value(registry, 'regent_portfolio_consistency_repairs_total')).to.equal(2);
    expect((await portfolio.positions()).get('BTC')).to.deep.equal(expected);

    await job.runOnce();
    expect(await value(registry, 'regent_portfolio_consistency_checks_total', { result: 'ok' })).to.equal(2);
    expect(await value(registry, 'regent_portfolio_consistency_repairs_total')).to.equal(2);
    expect(await value(registry, 'regent_portfolio_consistency_last_problems', { kind: 'stale' })).to.equal(0);
  });

  it('runs every interval once started, and counts a check that fails', async () => {
    const registry = new Registry();
    let calls = 0;
    const job = new ConsistencyJob({
      cache: portfolio,
      truth: async () => {
        calls++;
        if (calls === 1) throw new Error('store unavailable');
        return truth();
      },
      repair: false,
      intervalMs: 20,
      metrics: registry,
    });
    job.start();
    try {
      await waitFor('two more checks after the failed one', async () => (await value(registry, 'regent_portfolio_consistency_checks_total', { result: 'ok' })) >= 2);
    } finally {
      await job.stop();
    }
    expect(await value(registry, 'regent_portfolio_consistency_checks_total', { result: 'failed' })).to.equal(1);
  });
});
