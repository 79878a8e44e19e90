import { expect } from 'chai';
import { Redis } from 'ioredis';
import { cachedSummary } from '../../../actors/portfolio/cached-summary.js';
import { summarize } from '../../../actors/portfolio/portfolio-math.js';
import { applyFill, emptyPosition, markToMarket } from '../../../actors/position/position-math.js';
import { RedisCache } from '../../../adapters/state/redis/cache.js';
import { RedisPortfolioCache } from '../../../adapters/state/redis/portfolio-cache.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis-server.js';

const long = markToMarket(applyFill(emptyPosition(), { side: 'buy', size: 2, price: 100, fee: 0.2 }), 110);
const short = markToMarket(applyFill(emptyPosition(), { side: 'sell', size: 10, price: 3, fee: 0.03 }), 2.5);
const closed = applyFill(applyFill(emptyPosition(), { side: 'buy', size: 1, price: 50, fee: 0 }), { side: 'sell', size: 1, price: 55, fee: 0.1 });

describe('RedisPortfolioCache', () => {
  const prefix = uniquePrefix('portfolio');
  let redis: Redis;
  let cache: RedisCache;
  let portfolio: RedisPortfolioCache;

  before(() => {
    redis = new Redis(SHARED_REDIS_URL);
    cache = new RedisCache({ redis, keyPrefix: prefix });
    portfolio = new RedisPortfolioCache(cache);
  });
  afterEach(() => deleteKeys(redis, prefix));
  after(async () => {
    await cache.close();
    await redis.quit();
  });

  it('stores positions per token and lists them all', async () => {
    expect(await portfolio.positions()).to.deep.equal(new Map());
    await portfolio.setPosition('BTC', long);
    await portfolio.setPosition('SOL:USDC', short);
    await portfolio.setPosition('BTC', markToMarket(long, 120));
    expect(await redis.exists(`${prefix}portfolio:position:SOL:USDC`)).to.equal(1);
    expect(await portfolio.positions()).to.deep.equal(new Map([['BTC', markToMarket(long, 120)], ['SOL:USDC', short]]));
    expect(await portfolio.deletePositions('BTC')).to.equal(1);
    expect([...(await portfolio.positions()).keys()]).to.deep.equal(['SOL:USDC']);
  });

  it('keeps the balance and metrics', async () => {
    expect(await portfolio.balance()).to.equal(undefined);
    expect(await portfolio.metrics()).to.equal(undefined);
    await portfolio.setBalance(10_000.25);
    await portfolio.setMetrics({ maxDrawdown: 0.12, sharpe: 1.4 });
    expect(await portfolio.balance()).to.equal(10_000.25);
    expect(await portfolio.metrics()).to.deep.equal({ maxDrawdown: 0.12, sharpe: 1.4 });
  });

  it('summarizes the cached balance and positions with portfolio-math', async () => {
    await portfolio.setBalance(5000);
    await portfolio.setPosition('BTC', long);
    await portfolio.setPosition('ETH', short);
    await portfolio.setPosition('DOGE', closed);
    const summary = await cachedSummary(portfolio);
    // SCAN order decides the summation order, so the sums may differ in the last bit.
    const expected = summarize(5000, new Map([['BTC', long], ['ETH', short], ['DOGE', closed]]));
    for (const [field, value] of Object.entries(expected)) expect(summary, field).to.have.property(field).closeTo(value, 1e-9);
    expect(summary.equity).to.be.closeTo(5000 + 2 * 10 + 10 * 0.5, 1e-9);
  });

  it('separates entries that are not readable positions', async () => {
    await portfolio.setPosition('BTC', long);
    await redis.set(`${prefix}portfolio:position:BAD`, '{"size": "lots"}');
    await redis.set(`${prefix}portfolio:position:JUNK`, 'not json');
    const read = await portfolio.readPositions();
    expect(read.positions).to.deep.equal(new Map([['BTC', long]]));
    expect(read.unreadable.sort()).to.deep.equal(['BAD', 'JUNK']);
  });
});
