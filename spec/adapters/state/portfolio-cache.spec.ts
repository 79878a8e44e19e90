import { expect } from 'chai';
import { cachedSummary } from '../../../actors/portfolio/cached-summary.js';
import { summarize } from '../../../actors/portfolio/portfolio-math.js';
import { markToMarket } from '../../../actors/position/position-math.js';
import { closed, long, redisPortfolio, short } from '../../support/redis-portfolio.js';

describe('RedisPortfolioCache', () => {
  const r = redisPortfolio('portfolio');

  it('stores positions per token and lists them all', async () => {
    expect(await r.portfolio.positions()).to.deep.equal(new Map());
    await r.portfolio.setPosition('BTC', long);
    await r.portfolio.setPosition('SOL:USDC', short);
    await r.portfolio.setPosition('BTC', markToMarket(long, 120));
    expect(await r.redis.exists(`${r.prefix}portfolio:position:SOL:USDC`)).to.equal(1);
    expect(await r.portfolio.positions()).to.deep.equal(new Map([['BTC', markToMarket(long, 120)], ['SOL:USDC', short]]));
    expect(await r.portfolio.deletePositions('BTC')).to.equal(1);
    expect([...(await r.portfolio.positions()).keys()]).to.deep.equal(['SOL:USDC']);
  });

  it('keeps the balance and metrics', async () => {
    expect(await r.portfolio.balance()).to.equal(undefined);
    expect(await r.portfolio.metrics()).to.equal(undefined);
    await r.portfolio.setBalance(10_000.25);
    await r.portfolio.setMetrics({ maxDrawdown: 0.12, sharpe: 1.4 });
    expect(await r.portfolio.balance()).to.equal(10_000.25);
    expect(await r.portfolio.metrics()).to.deep.equal({ maxDrawdown: 0.12, sharpe: 1.4 });
  });

  it('summarizes the cached balance and positions with portfolio-math', async () => {
    await r.portfolio.setBalance(5000);
    await r.portfolio.setPosition('BTC', long);
    await r.portfolio.setPosition('ETH', short);
    await r.portfolio.setPosition('DOGE', closed);
    const summary = await cachedSummary(r.portfolio);
    // SCAN order decides the summation order, so the sums may differ in the last bit.
    const expected = summarize(5000, new Map([['BTC', long], ['ETH', short], ['DOGE', closed]]));
    for (const [field, value] of Object.entries(expected)) expect(summary, field).to.have.property(field).closeTo(value, 1e-9);
    expect(summary.equity).to.be.closeTo(5000 + 2 * 10 + 10 * 0.5, 1e-9);
  });

  it('separates entries that are not readable positions', async () => {
    await r.portfolio.setPosition('BTC', long);
    await r.redis.set(`${r.prefix}portfolio:position:BAD`, '{"size": "lots"}');
    await r.redis.set(`${r.prefix}portfolio:position:JUNK`, 'not json');
    const read = await r.portfolio.readPositions();
    expect(read.positions).to.deep.equal(new Map([['BTC', long]]));
    expect(read.unreadable.sort()).to.deep.equal(['BAD', 'JUNK']);
  });
});
