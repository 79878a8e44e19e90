import { expect } from 'chai';
import {
  isReducing,
  preTradeCheck,
  type PreTradeInput,
  type PreTradeLimits,
  type PreTradeOrder,
} from '../../../../actors/execution/safety/pre-trade.js';
import type { ProtectionLock } from '../../../../actors/execution/safety/protections.js';

const LIMITS: PreTradeLimits = {
  maxLeverage: 3,
  lossLimits: { daily: 1000, weekly: 2000, monthly: 4000 },
  positionLimits: { maxSize: 150, maxNotional: 20_000 },
  positionLimitOverrides: { BTC: { maxSize: 1 }, DOGE: { maxSize: 1_000_000 } },
  maxTotalNotional: 28_000,
  maxVolatility: 0.05,
  concentration: { maxShare: 0.6, minGrossNotional: 10_000 },
  correlation: { threshold: 0.7, maxCorrelatedNotional: 15_000 },
  manualReviewNotional: 10_000,
};

// buy 10 SOL @ 100 = 1000 notional beside 4 ETH @ 2500 = 10000: gross after 11000, leverage 1.1,
// margin 1000 / 3 = 333.33, SOL share 9 %, ETH not correlated enough to count
const ORDER: PreTradeOrder = { token: 'SOL', side: 'buy', size: 10, price: 100, reduceOnly: false };
const BASE: PreTradeInput = {
  order: ORDER,
  positions: { ETH: { size: 4, price: 2500 } },
  equity: 10_000,
  availableBalance: 10_000,
  losses: { daily: 0, weekly: 0, monthly: 0 },
  killSwitch: { active: false },
  activeLocks: [],
  exchangeBreaker: { allowed: true },
  orderRateLimit: { allowed: true },
  volatility: 0.01,
  correlations: { ETH: 0.3 },
};

type Over = Partial<Omit<PreTradeInput, 'order'>> & { order?: Partial<PreTradeOrder> };
const input = (over: Over = {}): PreTradeInput => ({ ...BASE, ...over, order: { ...ORDER, ...over.order } });
const check = (over: Over = {}, limits: Partial<PreTradeLimits> = {}) => preTradeCheck(input(over), { ...LIMITS, ...limits });

const lock = (scope: string, reason: ProtectionLock['reason'] = 'cooldown'): ProtectionLock => ({
  scope, reason, since: 0, until: 5000, detail: `${reason} on ${scope}`,
});

/** Everything that blocks new exposure, at once. */
const EVERYTHING_TRIPPED: Over = {
  killSwitch: { active: true, reason: 'hard-daily-loss', by: 'hard-limit' },
  activeLocks: [lock('global', 'max-drawdown')],
  exchangeBreaker: { allowed: false },
  orderRateLimit: { allowed: false },
  losses: { daily: 1e6, weekly: 1e6, monthly: 1e6 },
  equity: 0,
  availableBalance: 0,
  volatility: 10,
};

describe('pre-trade', () => {
  it('allows an order within every limit', () => {
    expect(check()).to.deep.equal({ verdict: 'ALLOW', reason: 'ok', detail: 'all pre-trade checks passed' });
  });

  describe('invalid orders and reducing orders', () => {
    it('rejects a non-positive or non-finite size or price, an empty token or an unknown side', () => {
      for (const size of [0, -1, Number.NaN, Infinity]) expect(check({ order: { size } })).to.include({ verdict: 'REJECT', reason: 'invalid-order' });
      for (const price of [0, -5, Number.NaN]) expect(check({ order: { price } }).reason).to.equal('invalid-order');
      expect(check({ order: { token: '' } }).reason).to.equal('invalid-order');
      expect(check({ order: { side: 'hold' as 'buy' } }).detail).to.equal('order side must be buy or sell, got hold');
    });

    it('always allows an order that only reduces the position, even with every safety system tripped', () => {
      const long = { ...EVERYTHING_TRIPPED, positions: { SOL: { size: 10, price: 100 } } };
      expect(check({ ...long, order: { side: 'sell', size: 4, reduceOnly: true } })).to.deep.equal({
        verdict: 'ALLOW', reason: 'reduce-only', detail: 'order reduces the existing position',
      });
      expect(check({ ...long, order: { side: 'sell', size: 10 } }).reason).to.equal('reduce-only');
      const short = { ...EVERYTHING_TRIPPED, positions: { SOL: { size: -10, price: 100 } } };
      expect(check({ ...short, order: { side: 'buy', size: 10 } }).reason).to.equal('reduce-only');
    });

    it('rejects an invalid order even when it would reduce', () => {
      expect(check({ positions: { SOL: { size: 10, price: 100 } }, order: { side: 'sell', size: Number.NaN } }).reason).to.equal('invalid-order');
    });

    it('does not treat a flip through zero as reducing', () => {
      // long 10, sell 30 -> short 20: new exposure, so the daily loss limit applies
      expect(isReducing(10, 'sell', 30)).to.equal(false);
      expect(check({ positions: { SOL: { size: 10, price: 100 } }, order: { side: 'sell', size: 30 }, losses: { daily: 1000, weekly: 0, monthly: 0 } }).reason)
        .to.equal('daily-loss-limit');
    });

    it('rejects a reduce-only order that would grow the position, before any other check', () => {
      const d = check({ ...EVERYTHING_TRIPPED, positions: { SOL: { size: 5, price: 100 } }, order: { reduceOnly: true } });
      expect(d).to.deep.equal({ verdict: 'REJECT', reason: 'invalid-order', detail: 'reduce-only buy of 10 would not reduce position 5' });
    });

    it('knows which orders reduce', () => {
      expect(isReducing(10, 'sell', 10)).to.equal(true);
      expect(isReducing(-3, 'buy', 1)).to.equal(true);
      expect(isReducing(10, 'buy', 1)).to.equal(false);
      expect(isReducing(0, 'sell', 1)).to.equal(false);
      expect(isReducing(10, 'sell', 10.000001)).to.equal(false);
    });
  });

  describe('inputs', () => {
    it('refuses non-finite or negative inputs instead of letting NaN pass every comparison', () => {
      expect(check({ equity: Number.NaN })).to.include({ verdict: 'REJECT', reason: 'invalid-input' });
      expect(check({ availableBalance: Infinity }).reason).to.equal('invalid-input');
      expect(check({ losses: { daily: Number.NaN, weekly: 0, monthly: 0 } }).reason).to.equal('invalid-input');
      expect(check({ losses: { daily: 0, weekly: -1, monthly: 0 } }).detail).to.equal('weekly loss must be a number >= 0, got -1');
      expect(check({ positions: { ETH: { size: 1, price: Number.NaN } } }).reason).to.equal('invalid-input');
      expect(check({ positions: { SOL: { size: Number.NaN, price: 100 } } }).reason).to.equal('invalid-input');
      expect(check({ volatility: -0.1 }).reason).to.equal('invalid-input');
      expect(check({ correlations: { ETH: 1.2 } }).reason).to.equal('invalid-input');
    });

    it('accepts a flat position without a price and an unmeasured volatility', () => {
      expect(check({ positions: { ETH: { size: 0, price: 0 } }, volatility: undefined }).reason).to.equal('ok');
    });
  });

  describe('safety systems', () => {
    it('refuses new entries while the kill switch is active', () => {
      expect(check({ killSwitch: { active: true, reason: 'venue incident', by: 'operator' } })).to.deep.equal({
        verdict: 'REJECT', reason: 'kill-switch', detail: 'kill switch active (operator: venue incident): new entries refused',
      });
    });

    it("refuses under a lock for the order's token or a global one, not another token's", () => {
      expect(check({ activeLocks: [lock('SOL')] })).to.deep.equal({
        verdict: 'REJECT', reason: 'protection-lock', detail: 'SOL cooldown lock until 5000: cooldown on SOL',
      });
      expect(check({ activeLocks: [lock('global', 'max-drawdown')] }).reason).to.equal('protection-lock');
      expect(check({ activeLocks: [lock('ETH')] }).reason).to.equal('ok');
    });

    it('refuses when the exchange circuit breaker is open', () => {
      expect(check({ exchangeBreaker: { allowed: false, detail: 'next probe in 300 ms' } })).to.deep.equal({
        verdict: 'REJECT', reason: 'breaker-open', detail: 'exchange circuit breaker refuses requests: next probe in 300 ms',
      });
    });

    it('refuses when the exchange order rate limit is reached', () => {
      expect(check({ orderRateLimit: { allowed: false } })).to.deep.equal({
        verdict: 'REJECT', reason: 'rate-limited', detail: 'exchange order rate limit reached',
      });
    });
  });

  describe('loss limits', () => {
    const losses = (daily: number, weekly: number, monthly: number) => ({ losses: { daily, weekly, monthly } });

    it('rejects new exposure once a period loss reaches its limit', () => {
      expect(check(losses(999, 1999, 3999)).reason).to.equal('ok');
      expect(check(losses(1000, 0, 0))).to.deep.equal({ verdict: 'REJECT', reason: 'daily-loss-limit', detail: 'daily loss 1000 has reached the limit 1000' });
      expect(check(losses(0, 2000, 0)).reason).to.equal('weekly-loss-limit');
      expect(check(losses(0, 0, 4000)).reason).to.equal('monthly-loss-limit');
    });

    it('checks daily, then weekly, then monthly', () => {
      expect(check(losses(5000, 5000, 5000)).reason).to.equal('daily-loss-limit');
      expect(check(losses(0, 5000, 5000)).reason).to.equal('weekly-loss-limit');
    });

    it('skips a period whose limit is disabled', () => {
      expect(check(losses(1e6, 1e6, 1e6), { lossLimits: {} }).reason).to.equal('ok');
      expect(check(losses(1e6, 1e6, 1e6), { lossLimits: { monthly: 5000 } }).reason).to.equal('monthly-loss-limit');
    });
  });

  describe('balance and leverage', () => {
    it('rejects when the margin for the added notional exceeds the available balance', () => {
      // margin 1000 / 3 = 333.33
      const d = check({ availableBalance: 300 });
      expect(d).to.include({ verdict: 'REJECT', reason: 'insufficient-balance' });
      expect(d.detail).to.equal('needs margin 333.333 (added notional 1000 / max leverage 3), available 300, equity 10000');
      expect(check({ availableBalance: 334 }).reason).to.equal('ok');
    });

    it('rejects without positive equity', () => {
      expect(check({ equity: 0 }).reason).to.equal('insufficient-balance');
      expect(check({ equity: -5 }).reason).to.equal('insufficient-balance');
    });

    it('rejects when leverage after the order would exceed the maximum', () => {
      // (19000 + 1000) / 10000 = 2.0; (29500 + 1000) / 10000 = 3.05 > 3; exactly 3 is allowed
      const eth = (notional: number) => ({ positions: { ETH: { size: notional / 1000, price: 1000 } } });
      expect(check(eth(19_000)).reason).to.equal('ok');
      expect(check(eth(29_000), { maxTotalNotional: undefined }).reason).to.equal('ok');
      const d = check(eth(29_500), { maxTotalNotional: undefined });
      expect(d).to.include({ verdict: 'REJECT', reason: 'leverage-limit' });
      expect(d.detail).to.equal('leverage after the order 3.05 (gross 30500 / equity 10000) exceeds 3');
    });

    it('counts a flip only for its exposure beyond the old position', () => {
      // short 20 SOL @ 100 -> buy 50 -> long 30: added notional 3000 - 2000 = 1000, margin 333.33
      const d = check({ positions: { SOL: { size: -20, price: 90 } }, order: { size: 50 }, availableBalance: 333.4 });
      expect(d.reason).to.equal('ok');
      expect(check({ positions: { SOL: { size: -20, price: 90 } }, order: { size: 50 }, availableBalance: 333.3 }).reason).to.equal('insufficient-balance');
    });
  });

  describe('position limits', () => {
    it('rejects when the token position in tokens after the order exceeds the limit', () => {
      // long 145 + 10 = 155 > 150
      const d = check({ positions: { SOL: { size: 145, price: 100 } } });
      expect(d).to.deep.equal({ verdict: 'REJECT', reason: 'position-size-limit', detail: 'SOL position after the order 155 tokens exceeds 150' });
      // 150 tokens is the limit itself; beside ETH 10000, SOL is exactly 60 % of 25000
      expect(check({ positions: { SOL: { size: 140, price: 100 }, ETH: { size: 4, price: 2500 } } }).reason).to.equal('ok');
    });

    it('rejects when the token position notional after the order exceeds the limit', () => {
      // long 100 + 40 = 140 tokens @ 150 = 21000 > 20000; leverage 2.1
      const d = check({ positions: { SOL: { size: 100, price: 150 } }, order: { size: 40, price: 150 } });
      expect(d).to.deep.equal({
        verdict: 'REJECT', reason: 'position-notional-limit', detail: 'SOL position notional after the order 21000 exceeds 20000',
      });
    });

    it('applies per-token overrides, falling back to the default per field', () => {
      // BTC: maxSize 1 (override), maxNotional 20000 (default)
      expect(check({ order: { token: 'BTC', size: 2, price: 100 } }).reason).to.equal('position-size-limit');
      expect(check({ order: { token: 'BTC', size: 0.5, price: 50_000 }, equity: 20_000, availableBalance: 20_000 }).reason).to.equal('position-notional-limit');
      // DOGE: 10000 tokens allowed where the default would stop at 150
      expect(check({ order: { token: 'DOGE', size: 10_000, price: 0.1 } }).reason).to.equal('ok');
    });

    it('rejects when gross notional across tokens after the order exceeds the total limit', () => {
      // ETH 27500 + SOL 1000 = 28500 > 28000, leverage 1.425 with equity 20000
      const d = check({ positions: { ETH: { size: 11, price: 2500 } }, equity: 20_000, availableBalance: 20_000 }, { concentration: undefined });
      expect(d).to.deep.equal({ verdict: 'REJECT', reason: 'total-notional-limit', detail: 'gross notional after the order 28500 exceeds 28000' });
      expect(check({ positions: { ETH: { size: 10.4, price: 2500 } }, equity: 20_000, availableBalance: 20_000 }).reason).to.equal('ok');
    });
  });

  describe('volatility gate', () => {
    it('blocks new entries when the token volatility is above the threshold', () => {
      expect(check({ volatility: 0.05 }).reason).to.equal('ok');
      expect(check({ volatility: 0.051 })).to.deep.equal({ verdict: 'REJECT', reason: 'volatility-gate', detail: 'SOL volatility 0.051 is above 0.05: no new entries' });
    });

    it('is skipped when volatility is not measured yet or the gate is off', () => {
      expect(check({ volatility: undefined }).reason).to.equal('ok');
      expect(check({ volatility: 9 }, { maxVolatility: undefined }).reason).to.equal('ok');
    });
  });

  describe('concentration', () => {
    const eth5000 = { positions: { ETH: { size: 2, price: 2500 } } };

    it("rejects when the token's share of gross notional after the order is above the maximum", () => {
      // SOL 8000 of 13000 = 61.5 % > 60 %
      const d = check({ ...eth5000, order: { size: 80 } });
      expect(d).to.deep.equal({ verdict: 'REJECT', reason: 'concentration-limit', detail: 'SOL would be 61.5385 % of gross notional 13000, above 60 %' });
      // SOL 7500 of 12500 = exactly 60 %: allowed
      expect(check({ ...eth5000, order: { size: 75 } }).reason).to.equal('ok');
    });

    it('leaves a book below the minimum gross notional alone (a first position is 100 % of it)', () => {
      expect(check({ positions: {}, order: { size: 99 } }).reason).to.equal('ok');
      expect(check({ positions: {}, order: { size: 101 } }, { manualReviewNotional: undefined }).reason).to.equal('concentration-limit');
    });
  });

  describe('correlation', () => {
    const noConcentration = { concentration: undefined };

    it('rejects when same-direction positions correlated above the threshold plus this one exceed the limit', () => {
      // ETH 15000 long, correlation 0.8, + SOL 1000 = 16000 > 15000
      const d = check({ positions: { ETH: { size: 6, price: 2500 } }, correlations: { ETH: 0.8 } }, noConcentration);
      expect(d).to.deep.equal({
        verdict: 'REJECT', reason: 'correlated-exposure-limit',
        detail: 'SOL plus same-direction positions correlated above 0.7 (ETH) would total 16000, above 15000',
      });
    });

    it("counts the order token's existing position with the order", () => {
      // SOL 100 + 10 = 11000, + ETH 5000 correlated = 16000 > 15000
      const positions = { SOL: { size: 100, price: 100 }, ETH: { size: 2, price: 2500 } };
      expect(check({ positions, correlations: { ETH: 0.9 } }, noConcentration).reason).to.equal('correlated-exposure-limit');
      expect(check({ positions: { ...positions, SOL: { size: 90, price: 100 } }, correlations: { ETH: 0.9 } }, noConcentration).reason).to.equal('ok');
    });

    it('ignores opposite-direction positions, correlation at or below the threshold, and unknown correlations', () => {
      const positions = { ETH: { size: 6, price: 2500 } };
      expect(check({ positions, correlations: { ETH: 0.8 }, order: { side: 'sell' } }, noConcentration).reason).to.equal('ok');
      expect(check({ positions, correlations: { ETH: 0.7 } }, noConcentration).reason).to.equal('ok');
      expect(check({ positions, correlations: { ETH: -0.95 } }, noConcentration).reason).to.equal('ok');
      expect(check({ positions, correlations: {} }, noConcentration).reason).to.equal('ok');
    });

    it('adds up several correlated positions', () => {
      // ETH 7500 + BTC 7000 + SOL 1000 = 15500 > 15000; each alone is under the limit
      const positions = { ETH: { size: 3, price: 2500 }, BTC: { size: 0.1, price: 70_000 } };
      const d = check({ positions, correlations: { ETH: 0.75, BTC: 0.9 } }, noConcentration);
      expect(d.reason).to.equal('correlated-exposure-limit');
      expect(d.detail).to.match(/\(ETH, BTC\) would total 15500/);
      expect(check({ positions, correlations: { ETH: 0.75 } }, noConcentration).reason).to.equal('ok');
    });

    it('leaves a lone position to the position limits', () => {
      expect(check({}, { correlation: { threshold: 0.7, maxCorrelatedNotional: 500 } }).reason).to.equal('ok');
    });
  });

  describe('manual review', () => {
    it('sends an order at or above the review notional to manual review', () => {
      // 100 @ 100 = 10000: margin 3333, leverage 2.0, SOL share 50 %
      expect(check({ order: { size: 100 } })).to.deep.equal({
        verdict: 'MANUAL_REVIEW', reason: 'notional-review', detail: 'order notional 10000 is at or above the review threshold 10000',
      });
      expect(check({ order: { size: 99 } }).verdict).to.equal('ALLOW');
      expect(check({ order: { size: 100 } }, { manualReviewNotional: undefined }).verdict).to.equal('ALLOW');
    });

    it('sends nothing to review that another check rejects', () => {
      expect(check({ order: { size: 100 }, orderRateLimit: { allowed: false } }).reason).to.equal('rate-limited');
    });
  });

  describe('order of checks', () => {
    it('reports the first failing check in the documented order', () => {
      const steps: [Over, string][] = [
        [EVERYTHING_TRIPPED, 'kill-switch'],
        [{ ...EVERYTHING_TRIPPED, killSwitch: { active: false } }, 'protection-lock'],
        [{ ...EVERYTHING_TRIPPED, killSwitch: { active: false }, activeLocks: [] }, 'breaker-open'],
        [{ ...EVERYTHING_TRIPPED, killSwitch: { active: false }, activeLocks: [], exchangeBreaker: { allowed: true } }, 'daily-loss-limit'],
        [{ availableBalance: 0, positions: { ETH: { size: 40, price: 2500 } } }, 'insufficient-balance'],
        [{ positions: { ETH: { size: 40, price: 2500 } }, order: { size: 200 } }, 'leverage-limit'],
        [{ order: { size: 200 }, volatility: 1, orderRateLimit: { allowed: false } }, 'position-size-limit'],
        [{ volatility: 1, orderRateLimit: { allowed: false } }, 'volatility-gate'],
        [{ positions: { ETH: { size: 2, price: 2500 } }, order: { size: 110 }, correlations: { ETH: 0.99 }, orderRateLimit: { allowed: false } }, 'concentration-limit'],
        [{ positions: { ETH: { size: 6, price: 2500 } }, order: { size: 11 }, correlations: { ETH: 0.99 }, orderRateLimit: { allowed: false } }, 'correlated-exposure-limit'],
      ];
      for (const [over, reason] of steps) expect(check(over).reason, reason).to.equal(reason);
    });
  });

  it('refuses limits that make no sense with a RangeError', () => {
    expect(() => check({}, { maxLeverage: 0 })).to.throw(RangeError, /maxLeverage/);
    expect(() => check({}, { lossLimits: { daily: -1 } })).to.throw(RangeError, /lossLimits.daily/);
    expect(() => check({}, { positionLimitOverrides: { SOL: { maxNotional: Number.NaN } } })).to.throw(RangeError, /SOL.maxNotional/);
    expect(() => check({}, { concentration: { maxShare: 1.5, minGrossNotional: 0 } })).to.throw(RangeError, /maxShare/);
    expect(() => check({}, { correlation: { threshold: 2, maxCorrelatedNotional: 1 } })).to.throw(RangeError, /threshold/);
  });
});
