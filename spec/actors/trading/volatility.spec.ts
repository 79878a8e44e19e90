import { expect } from 'chai';
import { PriceTick } from '../../../actors/market/events.js';
import { tradingAgent } from '../../../actors/trading/agent.js';
import { Signal } from '../../../actors/trading/events.js';
import { logReturns, realizedVolatility, recentReturns, SIGNAL_RETURNS } from '../../../actors/trading/volatility.js';
import { defaultConfig } from '../../../config/schema.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

describe('volatility', () => {
  it('takes log returns of consecutive closes', () => {
    const r = logReturns([100, 110, 99]);
    expect(r).to.have.length(2);
    expect(r[0]).to.be.closeTo(Math.log(1.1), 1e-15);
    expect(r[1]).to.be.closeTo(Math.log(0.9), 1e-15);
  });

  it('gives the sample standard deviation of the returns, 0 for a flat series, nothing below 2 returns', () => {
    // returns 0.1, 0.3: mean 0.2, squares 0.01 + 0.01, / (2 - 1) = 0.02
    expect(realizedVolatility([0.1, 0.3])).to.be.closeTo(Math.sqrt(0.02), 1e-15);
    expect(realizedVolatility(logReturns([5, 5, 5, 5]))).to.equal(0);
    expect(realizedVolatility([0.1])).to.equal(undefined);
  });

  it('keeps the last 20 returns', () => {
    const xs = Array.from({ length: 30 }, (_, i) => i);
    expect(recentReturns(xs)).to.deep.equal(xs.slice(10));
    expect(recentReturns([1, 2])).to.deep.equal([1, 2]);
    expect(SIGNAL_RETURNS).to.equal(20);
  });

  it('rides on every rule-based signal: indicators.volatility over the kept closes, the last 20 returns', async () => {
    const settings = { ...defaultConfig().trading, weights: { sma: 1, ema: 1, macd: 1, rsi: 0, bollinger: 0 }, historySize: 40 };
    const prices = Array.from({ length: 45 }, (_, i) => 100 * 1.01 ** i * (i % 2 === 0 ? 1 : 1.002));
    const events = prices.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: i * 1000, token: 'SOL' }));
    const run = await runAgent(tradingAgent(settings), events);
    const s = run.ofType(Signal.type)[0]!;
    const at = (s.ts / 1000) | 0;
    const kept = prices.slice(Math.max(0, at + 1 - 40), at + 1);
    expect(s.data.origin).to.equal('rules');
    expect(s.data.indicators.volatility).to.be.closeTo(realizedVolatility(logReturns(kept))!, 1e-15);
    expect(s.data.returns).to.deep.equal(logReturns(kept).slice(-20));
    expect(s.data).not.to.have.property('sizeFraction');
  });
});
