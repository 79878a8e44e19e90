// The portfolio cache's consistency check (checkAndRepair) on the real Redis: against a given truth,
// with entries that do not read as positions, and against the fold of the stored fills and ticks.
import { expect } from 'chai';
import pg from 'pg';
import { checkAndRepair } from '../../../actors/portfolio/consistency-check.js';
import { foldPositions, positionEventTypes } from '../../../actors/portfolio/positions-from-events.js';
import { PriceTick } from '../../../actors/market/events.js';
import { TradeExecuted } from '../../../actors/execution/events.js';
import { markToMarket, type PositionState } from '../../../actors/position/position-math.js';
import { RedisCache } from '../../../adapters/state/redis/cache.js';
import { RedisPortfolioCache } from '../../../adapters/state/redis/portfolio-cache.js';
import { PostgresEventStore } from '../../../adapters/store/postgres/postgres-event-store.js';
import type { StoredEvent } from '../../../runtime/ports/event-store.js';
import { scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { closed, long, redisPortfolio, short } from '../../support/redis-portfolio.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

describe('portfolio cache consistency check', () => {
  const r = redisPortfolio('portfolio-consistency');

  const truth = new Map<string, PositionState>([
    ['BTC', long],
    ['ETH', short],
    ['DOGE', closed],
    ['ADA', markToMarket(short, 2)],
  ]);
  const truthFn = async (): Promise<Map<string, PositionState>> => new Map(truth);

  async function divergeCache(): Promise<void> {
    await r.portfolio.setPosition('BTC', long); // in sync
    await r.portfolio.setPosition('ETH', markToMarket(short, 2.75)); // stale
    await r.redis.set(`${r.prefix}portfolio:position:ADA`, '{"size":'); // unreadable: stale
    await r.portfolio.setPosition('XRP', long); // extra
    await r.redis.set(`${r.prefix}portfolio:position:JUNK`, '[]'); // unreadable and extra
    // DOGE: missing
  }

  it('reports missing, stale and extra entries without touching the cache', async () => {
    await divergeCache();
    const report = await checkAndRepair({ cache: r.portfolio, truth: truthFn, repair: false });
    expect(report).to.deep.equal({ checked: 6, missing: ['DOGE'], stale: ['ADA', 'ETH'], extra: ['JUNK', 'XRP'], repaired: 0 });
    expect((await r.portfolio.positions()).get('ETH')).to.deep.equal(markToMarket(short, 2.75));
  });

  it('repairs the cache to match the truth', async () => {
    await divergeCache();
    const report = await checkAndRepair({ cache: r.portfolio, truth: truthFn, repair: true });
    expect(report.repaired).to.equal(5);
    expect(await r.portfolio.positions()).to.deep.equal(truth);
    expect(await checkAndRepair({ cache: r.portfolio, truth: truthFn, repair: true })).to.deep.equal({
      checked: 4,
      missing: [],
      stale: [],
      extra: [],
      repaired: 0,
    });
  });
});

describe('portfolio cache consistency against the event store', () => {
  const run = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const schema = `regent_spec_consistency_${run}`;
  const store = new PostgresEventStore({ connectionString: PG_URL, schema });
  const cache = new RedisCache({ url: 'redis://127.0.0.1:6379', keyPrefix: `regent-spec-consistency-${run}:` });
  const portfolio = new RedisPortfolioCache(cache);

  after(async () => {
    for await (const key of cache.scan('*')) await cache.delete(key);
    await cache.close();
    await store.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('repairs cached positions that differ from the fold of the stored fills and ticks', async () => {
    await store.migrate();
    const fill = (token: string, n: number, side: 'buy' | 'sell', size: number, price: number) =>
      scriptedEvent(TradeExecuted, { clientOrderId: `c-${token}-${n}`, side, size, price, fee: 1, slippageBps: 0, referencePrice: price, reduceOnly: false, venue: 'paper' }, { ts: 1000 + n, token, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
    const tick = (token: string, n: number, price: number) =>
      scriptedEvent(PriceTick, { price, volume: 1 }, { ts: 1000 + n, token, id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}` });
    const events = [fill('BTC', 1, 'buy', 2, 100), fill('BTC', 2, 'sell', 1, 110), tick('BTC', 3, 120), fill('ETH', 4, 'buy', 5, 10), tick('ETH', 5, 9)];
    const stored: StoredEvent[] = events.map((e, i) => ({ ...e, topic: e.type === 'price.tick' ? 'price.ticks' : 'trade.executed', partition: 0, offset: i }));
    await store.append(stored, []);

    const truth = () => foldPositions(store.replay({ types: positionEventTypes, order: 'offset' }));
    const expected = await truth();
    // BTC: bought 2 @100, sold 1 @110 -> size 1, avg 100, realized +10, fees 2, marked at 120.
    expect(expected.get('BTC')).to.deep.equal({ size: 1, avgEntry: 100, realizedPnl: 10, fees: 2, markPrice: 120 });

    await portfolio.setPosition('BTC', { ...expected.get('BTC')!, size: 3 }); // stale
    await portfolio.setPosition('DOGE', { size: 1, avgEntry: 1, realizedPnl: 0, fees: 0, markPrice: 1 }); // extra
    const report = await checkAndRepair({ cache: portfolio, truth, repair: true });
    expect(report).to.include({ checked: 3, repaired: 3 });
    expect(report.missing).to.deep.equal(['ETH']);
    expect(report.stale).to.deep.equal(['BTC']);
    expect(report.extra).to.deep.equal(['DOGE']);
    const after = await checkAndRepair({ cache: portfolio, truth, repair: false });
    expect([after.missing, after.stale, after.extra]).to.deep.equal([[], [], []]);
  });
});
