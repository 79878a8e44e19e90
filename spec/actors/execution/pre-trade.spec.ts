import { expect } from 'chai';
import { isReducing, preTradeCheck, type PreTradeInput, type PreTradeLimits } from '../../../actors/execution/pre-trade.js';

const LIMITS: PreTradeLimits = { maxLeverage: 3, dailyLossLimit: 1000, maxPositionNotional: 20_000, manualReviewNotional: 10_000 };
// buy 10 @ 100 = 1000 notional; margin 1000/3 = 333.33; leverage after (5000 + 1000)/10000 = 0.6
const BASE: PreTradeInput = {
  side: 'buy',
  size: 10,
  price: 100,
  reduceOnly: false,
  positionSize: 0,
  equity: 10_000,
  availableBalance: 10_000,
  grossNotional: 5000,
  dayLoss: 0,
};
const check = (over: Partial<PreTradeInput>) => preTradeCheck({ ...BASE, ...over }, LIMITS);

describe('pre-trade', () => {
  it('allows an order within every limit', () => {
    expect(check({})).to.include({ verdict: 'ALLOW', reason: 'ok' });
  });

  it('rejects a non-positive or non-finite size or price as an invalid order', () => {
    for (const size of [0, -1, Number.NaN, Infinity]) expect(check({ size }).reason).to.equal('invalid-order');
    expect(check({ price: 0 })).to.include({ verdict: 'REJECT', reason: 'invalid-order' });
  });

  it('always allows an order that only reduces the position, even past every limit', () => {
    // long 10, sell 4: reducing. Day loss beyond limit, no equity, no balance: still allowed.
    const d = check({ side: 'sell', size: 4, positionSize: 10, dayLoss: 5000, equity: 0, availableBalance: 0, reduceOnly: true });
    expect(d).to.include({ verdict: 'ALLOW', reason: 'reduce-only' });
    expect(check({ side: 'buy', size: 10, positionSize: -10, dayLoss: 5000 }).reason).to.equal('reduce-only');
  });

  it('does not treat a flip through zero as reducing', () => {
    // long 10, sell 30 -> short 20: new exposure, so the daily loss limit applies
    expect(isReducing(10, 'sell', 30)).to.equal(false);
    expect(check({ side: 'sell', size: 30, positionSize: 10, dayLoss: 1000 }).reason).to.equal('daily-loss-limit');
  });

  it('rejects a reduce-only order that would grow the position', () => {
    expect(check({ reduceOnly: true, positionSize: 5 })).to.include({ verdict: 'REJECT', reason: 'invalid-order' });
  });

  it('rejects new exposure once the day loss reaches the limit', () => {
    expect(check({ dayLoss: 999 }).reason).to.equal('ok');
    expect(check({ dayLoss: 1000 })).to.include({ verdict: 'REJECT', reason: 'daily-loss-limit' });
  });

  it('rejects when the margin for the added notional exceeds the available balance', () => {
    // margin 1000 / 3 = 333.33 > 300
    expect(check({ availableBalance: 300 })).to.include({ verdict: 'REJECT', reason: 'insufficient-balance' });
    expect(check({ availableBalance: 334 }).reason).to.equal('ok');
    expect(check({ equity: 0 }).reason).to.equal('insufficient-balance');
  });

  it('rejects when leverage after the order would exceed the maximum', () => {
    // (25000 + 1000) / 10000 = 2.6 <= 3 ok; (29500 + 1000) / 10000 = 3.05 > 3
    expect(check({ grossNotional: 25_000 }).reason).to.equal('ok');
    expect(check({ grossNotional: 29_500 })).to.include({ verdict: 'REJECT', reason: 'leverage-limit' });
  });

  it('rejects when the token position notional after the order would exceed the limit', () => {
    // long 150 @ 100, buy 60: |210| * 100 = 21000 > 20000; leverage (15000 + 6000)/10000 = 2.1 fine
    const d = check({ positionSize: 150, size: 60, grossNotional: 15_000 });
    expect(d).to.include({ verdict: 'REJECT', reason: 'position-limit' });
  });

  it('sends an order at or above the review notional to manual review', () => {
    // 100 @ 100 = 10000 >= 10000; margin 3333 ok; leverage 1.5; position 10000 <= 20000
    expect(check({ size: 100 })).to.include({ verdict: 'MANUAL_REVIEW', reason: 'notional-review' });
    expect(check({ size: 99 }).verdict).to.equal('ALLOW');
  });

  it('reports the first failing check in the documented order', () => {
    // daily loss and balance both fail: daily loss comes first
    expect(check({ dayLoss: 2000, availableBalance: 0 }).reason).to.equal('daily-loss-limit');
    // balance and leverage both fail: balance comes first
    expect(check({ availableBalance: 0, grossNotional: 100_000 }).reason).to.equal('insufficient-balance');
  });

  it('explains every decision in a human-readable detail', () => {
    expect(check({ grossNotional: 29_500 }).detail).to.match(/leverage/);
  });
});
