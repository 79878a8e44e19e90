import { expect } from 'chai';
import {
  activateKillSwitch,
  hardLimitBreach,
  initialKillSwitch,
  killSwitchPlan,
  resetKillSwitch,
  type HardLimits,
} from '../../../../actors/execution/safety/kill-switch.js';

describe('kill switch', () => {
  describe('activate and reset', () => {
    it('activates with who, why and since', () => {
      const u = activateKillSwitch(initialKillSwitch(), { by: 'operator', reason: 'venue incident' }, 1000);
      expect(u.outcome).to.equal('activated');
      expect(u.state).to.deep.equal({ active: true, reason: 'venue incident', since: 1000, by: 'operator' });
      expect(u.detail).to.equal('activated by operator: venue incident');
    });

    it('keeps the first activation when activated again', () => {
      const first = activateKillSwitch(initialKillSwitch(), { by: 'hard-limit', reason: 'hard-daily-loss' }, 1000).state;
      const u = activateKillSwitch(first, { by: 'operator', reason: 'manual' }, 2000);
      expect(u.outcome).to.equal('already-active');
      expect(u.state).to.equal(first);
      expect(u.detail).to.match(/already active since 1000 \(hard-limit: hard-daily-loss\)/);
    });

    it('resets only when active, recording who reset it and why', () => {
      const active = activateKillSwitch(initialKillSwitch(), { by: 'hard-limit', reason: 'drawdown' }, 1000).state;
      const u = resetKillSwitch(active, { by: 'alice', reason: 'losses reviewed' }, 5000);
      expect(u.outcome).to.equal('reset');
      expect(u.state).to.deep.equal({ active: false, resetBy: 'alice', resetReason: 'losses reviewed', resetAt: 5000 });
      expect(u.detail).to.match(/reset by alice \(losses reviewed\); it was active since 1000 \(hard-limit: drawdown\)/);

      const again = resetKillSwitch(u.state, { by: 'bob', reason: 'again' }, 6000);
      expect(again.outcome).to.equal('not-active');
      expect(again.state).to.equal(u.state);
    });

    it('keeps the last reset on record across a new activation', () => {
      const reset = { active: false, resetBy: 'alice', resetReason: 'ok', resetAt: 5000 } as const;
      expect(activateKillSwitch(reset, { by: 'operator', reason: 'again' }, 7000).state).to.deep.equal({
        active: true, reason: 'again', since: 7000, by: 'operator', resetBy: 'alice', resetReason: 'ok', resetAt: 5000,
      });
    });

    it('never mutates its input and round-trips through JSON', () => {
      const s = Object.freeze(initialKillSwitch());
      const u = activateKillSwitch(s, { by: 'operator', reason: 'x' }, 1);
      expect(s).to.deep.equal({ active: false });
      expect(JSON.parse(JSON.stringify(u.state))).to.deep.equal(u.state);
    });

    it('refuses an empty reason, an unknown actor or a bad time', () => {
      expect(() => activateKillSwitch(initialKillSwitch(), { by: 'operator', reason: ' ' }, 1)).to.throw(RangeError, /reason/);
      expect(() => activateKillSwitch(initialKillSwitch(), { by: 'robot' as 'operator', reason: 'x' }, 1)).to.throw(RangeError, /robot/);
      expect(() => resetKillSwitch(initialKillSwitch(), { by: '', reason: 'x' }, 1)).to.throw(RangeError, /reset by/);
      expect(() => activateKillSwitch(initialKillSwitch(), { by: 'operator', reason: 'x' }, Number.NaN)).to.throw(RangeError, /time/);
    });
  });

  describe('plan', () => {
    it('cancels every open order and closes every position reduce-only on the opposite side at the latest price', () => {
      const plan = killSwitchPlan({
        openOrders: [{ clientOrderId: 'rg-a' }, { clientOrderId: 'rg-b' }],
        positions: [
          { token: 'SOL', size: 12.5 },
          { token: 'ETH', size: -2 },
          { token: 'BTC', size: 0 },
        ],
        prices: { SOL: 150, ETH: 3000, BTC: 60_000 },
      });
      expect(plan).to.deep.equal({
        cancels: ['rg-a', 'rg-b'],
        closes: [
          { token: 'SOL', side: 'sell', size: 12.5, price: 150, reduceOnly: true },
          { token: 'ETH', side: 'buy', size: 2, price: 3000, reduceOnly: true },
        ],
        unpriced: [],
      });
    });

    it('nets several entries of one token and cancels each order id once', () => {
      const plan = killSwitchPlan({
        openOrders: [{ clientOrderId: 'rg-a' }, { clientOrderId: 'rg-a' }],
        positions: [
          { token: 'SOL', size: 3 },
          { token: 'SOL', size: -1 },
          { token: 'ETH', size: 1 },
          { token: 'ETH', size: -1 },
        ],
        prices: { SOL: 10, ETH: 20 },
      });
      expect(plan.cancels).to.deep.equal(['rg-a']);
      expect(plan.closes).to.deep.equal([{ token: 'SOL', side: 'sell', size: 2, price: 10, reduceOnly: true }]);
    });

    it('reports positions it cannot price instead of dropping them', () => {
      const plan = killSwitchPlan({ openOrders: [], positions: [{ token: 'DOGE', size: 100 }, { token: 'SOL', size: 1 }], prices: { SOL: 0 } });
      expect(plan.closes).to.deep.equal([]);
      expect(plan.unpriced).to.deep.equal([{ token: 'DOGE', size: 100 }, { token: 'SOL', size: 1 }]);
    });

    it('plans nothing for a flat book', () => {
      expect(killSwitchPlan({ openOrders: [], positions: [], prices: {} })).to.deep.equal({ cancels: [], closes: [], unpriced: [] });
    });

    it('refuses a non-finite position size', () => {
      expect(() => killSwitchPlan({ openOrders: [], positions: [{ token: 'SOL', size: Number.NaN }], prices: { SOL: 1 } })).to.throw(RangeError, /SOL/);
    });
  });

  describe('hard limits', () => {
    const LIMITS: HardLimits = { dailyLoss: 5000, weeklyLoss: 10_000, monthlyLoss: 20_000, maxDrawdownPct: 25 };
    const NONE = { daily: 0, weekly: 0, monthly: 0 };
    const FLAT = { current: 100_000, peak: 100_000 };

    it('is quiet within every limit', () => {
      expect(hardLimitBreach({ daily: 4999, weekly: 9999, monthly: 19_999 }, { current: 75_001, peak: 100_000 }, LIMITS)).to.equal(undefined);
    });

    it('trips on a period loss that reaches its hard limit, daily first', () => {
      expect(hardLimitBreach({ ...NONE, daily: 5000 }, FLAT, LIMITS)).to.deep.equal({ reason: 'hard-daily-loss', detail: 'daily loss 5000 reached the hard limit 5000' });
      expect(hardLimitBreach({ ...NONE, weekly: 10_000 }, FLAT, LIMITS)!.reason).to.equal('hard-weekly-loss');
      expect(hardLimitBreach({ ...NONE, monthly: 25_000 }, FLAT, LIMITS)!.reason).to.equal('hard-monthly-loss');
      expect(hardLimitBreach({ daily: 6000, weekly: 20_000, monthly: 30_000 }, FLAT, LIMITS)!.reason).to.equal('hard-daily-loss');
    });

    it('trips on a drawdown from the peak that reaches the hard limit', () => {
      const d = hardLimitBreach(NONE, { current: 75_000, peak: 100_000 }, LIMITS);
      expect(d!.reason).to.equal('hard-drawdown');
      expect(d!.detail).to.match(/drawdown 25\.00 % from peak 100000 to 75000/);
    });

    it('skips a limit that is not configured', () => {
      expect(hardLimitBreach({ daily: 1e9, weekly: 1e9, monthly: 1e9 }, { current: 1, peak: 100 }, {})).to.equal(undefined);
    });

    it('trips when equity is gone or a loss is not a number (fails closed)', () => {
      expect(hardLimitBreach(NONE, { current: 0, peak: 100 }, {})!.reason).to.equal('equity-depleted');
      expect(hardLimitBreach({ ...NONE, daily: Number.NaN }, FLAT, LIMITS)!.reason).to.equal('hard-daily-loss');
    });
  });
});
