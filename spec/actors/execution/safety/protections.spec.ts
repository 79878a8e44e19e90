import { expect } from 'chai';
import {
  activeLocks,
  initialProtections,
  pruneExpired,
  recordEquity,
  recordStopOut,
  type ProtectionsConfig,
  type ProtectionsState,
} from '../../../../actors/execution/safety/protections.js';

const CONFIG: ProtectionsConfig = {
  cooldown: { cooldownMs: 1000 },
  stopLossGuard: { maxStopOuts: 3, windowMs: 10_000, lockMs: 60_000 },
  maxDrawdown: { maxDrawdownPct: 10, lookbackMs: 100_000, lockMs: 30_000 },
};

function stopOuts(state: ProtectionsState, token: string, times: number[], config = CONFIG): ProtectionsState {
  return times.reduce((s, t) => recordStopOut(s, token, t, config).state, state);
}

function marks(state: ProtectionsState, samples: [number, number][], config = CONFIG): ProtectionsState {
  return samples.reduce((s, [ts, equity]) => recordEquity(s, equity, ts, config).state, state);
}

describe('protections', () => {
  describe('cooldown', () => {
    it('locks the stopped-out token for cooldownMs, and only that token', () => {
      const u = recordStopOut(initialProtections(), 'SOL', 5000, CONFIG);
      expect(u.locks).to.deep.equal([{ scope: 'SOL', reason: 'cooldown', since: 5000, until: 6000, detail: 'cooldown of 1000 ms after a stop-out of SOL' }]);
      expect(activeLocks(u.state, 'SOL', 5999).map((l) => l.reason)).to.deep.equal(['cooldown']);
      expect(activeLocks(u.state, 'SOL', 6000)).to.deep.equal([]);
      expect(activeLocks(u.state, 'ETH', 5500)).to.deep.equal([]);
    });

    it('extends the cooldown on a later stop-out instead of stacking a second lock', () => {
      const s = stopOuts(initialProtections(), 'SOL', [5000, 5500], { cooldown: CONFIG.cooldown! });
      expect(s.locks).to.have.length(1);
      expect(s.locks[0]).to.include({ scope: 'SOL', reason: 'cooldown', since: 5500, until: 6500 });
    });
  });

  describe('stop-loss guard', () => {
    it('locks the token for lockMs on the Nth stop-out within the window', () => {
      const two = stopOuts(initialProtections(), 'SOL', [0, 4000]);
      expect(two.stopOuts).to.deep.equal({ SOL: [0, 4000] });
      const u = recordStopOut(two, 'SOL', 9999, CONFIG);
      expect(u.locks.map((l) => [l.scope, l.reason, l.until])).to.deep.equal([
        ['SOL', 'cooldown', 10_999],
        ['SOL', 'stop-loss-guard', 69_999],
      ]);
      expect(u.locks[1]!.detail).to.match(/3 stop-outs of SOL within 10000 ms reach 3: SOL locked for 60000 ms/);
      // the lock consumes the stop-outs
      expect(u.state.stopOuts).to.deep.equal({});
      expect(activeLocks(u.state, 'SOL', 69_998).map((l) => l.reason)).to.deep.equal(['stop-loss-guard']);
      expect(activeLocks(u.state, 'ETH', 20_000)).to.deep.equal([]);
    });

    it('forgets stop-outs older than the window (one exactly windowMs old is gone)', () => {
      const s = stopOuts(initialProtections(), 'SOL', [0, 4000]);
      const u = recordStopOut(s, 'SOL', 10_000, CONFIG);
      expect(u.locks.map((l) => l.reason)).to.deep.equal(['cooldown']);
      expect(u.state.stopOuts).to.deep.equal({ SOL: [4000, 10_000] });
    });

    it('counts stop-outs per token', () => {
      let s = stopOuts(initialProtections(), 'SOL', [0, 1]);
      s = stopOuts(s, 'ETH', [2]);
      expect(s.stopOuts).to.deep.equal({ SOL: [0, 1], ETH: [2] });
      expect(s.locks.filter((l) => l.reason === 'stop-loss-guard')).to.deep.equal([]);
    });

    it('locks every token when configured global', () => {
      const config: ProtectionsConfig = { stopLossGuard: { ...CONFIG.stopLossGuard!, scope: 'global' } };
      const s = stopOuts(initialProtections(), 'SOL', [0, 1, 2], config);
      expect(s.locks).to.have.length(1);
      expect(s.locks[0]).to.include({ scope: 'global', reason: 'stop-loss-guard', until: 60_002 });
      expect(activeLocks(s, 'ETH', 100).map((l) => l.scope)).to.deep.equal(['global']);
    });

    it('does nothing for a protection that is not configured', () => {
      const u = recordStopOut(initialProtections(), 'SOL', 1, {});
      expect(u.locks).to.deep.equal([]);
      expect(u.state).to.deep.equal(initialProtections());
    });

    it("refuses an empty token or the reserved 'global'", () => {
      expect(() => recordStopOut(initialProtections(), '', 1, CONFIG)).to.throw(RangeError, /token/);
      expect(() => recordStopOut(initialProtections(), 'global', 1, CONFIG)).to.throw(RangeError, /global/);
    });
  });

  describe('max drawdown', () => {
    it('locks globally when the drawdown from the lookback peak reaches maxDrawdownPct', () => {
      const s = marks(initialProtections(), [[0, 100_000], [1000, 105_000], [2000, 95_000]]);
      expect(s.locks).to.deep.equal([]);
      // peak 105000, 10 % below is 94500
      const u = recordEquity(s, 94_500, 3000, CONFIG);
      expect(u.locks).to.have.length(1);
      expect(u.locks[0]).to.include({ scope: 'global', reason: 'max-drawdown', since: 3000, until: 33_000 });
      expect(u.locks[0]!.detail).to.match(/drawdown 10\.00 % from the 100000 ms peak 105000 to 94500/);
      expect(activeLocks(u.state, 'ANY', 32_999)).to.have.length(1);
    });

    it('forgets a peak that left the lookback window', () => {
      const s = marks(initialProtections(), [[0, 200_000], [50_000, 100_000]]);
      // at 100000 the 200000 peak is exactly lookbackMs old: gone; the peak is 100000
      const u = recordEquity(s, 95_000, 100_000, CONFIG);
      expect(u.locks).to.deep.equal([]);
      expect(u.state.equityPeaks).to.deep.equal([{ ts: 50_000, equity: 100_000 }, { ts: 100_000, equity: 95_000 }]);
      expect(recordEquity(s, 95_000, 99_999, CONFIG).locks).to.have.length(1);
    });

    it('keeps only samples that may still become the peak', () => {
      const s = marks(initialProtections(), [[0, 100], [1, 90], [2, 95], [3, 80], [4, 120], [5, 110]]);
      expect(s.equityPeaks).to.deep.equal([{ ts: 4, equity: 120 }, { ts: 5, equity: 110 }]);
    });

    it('does not stack a second lock while one holds, and locks again after it lifts if still in drawdown', () => {
      let s = marks(initialProtections(), [[0, 100_000], [1000, 80_000]]);
      expect(s.locks).to.have.length(1);
      const during = recordEquity(s, 79_000, 2000, CONFIG);
      expect(during.locks).to.deep.equal([]);
      s = during.state;
      expect(s.locks).to.have.length(1);
      const after = recordEquity(s, 79_000, 31_000, CONFIG);
      expect(after.locks).to.have.length(1);
      expect(after.state.locks).to.have.length(1);
      expect(after.state.locks[0]).to.include({ since: 31_000, until: 61_000 });
    });

    it('is off without its config', () => {
      const s = marks(initialProtections(), [[0, 100], [1, 1]], {});
      expect(s).to.deep.equal(initialProtections());
    });
  });

  describe('locks', () => {
    it('lists the token and global locks active now', () => {
      let s = recordStopOut(initialProtections(), 'SOL', 0, CONFIG).state;
      s = marks(s, [[0, 100], [10, 50]]);
      expect(activeLocks(s, 'SOL', 500).map((l) => `${l.scope}:${l.reason}`)).to.deep.equal(['SOL:cooldown', 'global:max-drawdown']);
      expect(activeLocks(s, 'ETH', 500).map((l) => `${l.scope}:${l.reason}`)).to.deep.equal(['global:max-drawdown']);
    });

    it('prunes expired locks only', () => {
      let s = recordStopOut(initialProtections(), 'SOL', 0, CONFIG).state;
      s = recordStopOut(s, 'ETH', 500, CONFIG).state;
      const pruned = pruneExpired(s, 1000);
      expect(pruned.locks.map((l) => l.scope)).to.deep.equal(['ETH']);
      expect(pruneExpired(pruned, 1000)).to.equal(pruned);
    });

    it('never mutates its input and round-trips through JSON', () => {
      const s = Object.freeze(stopOuts(initialProtections(), 'SOL', [0, 1]));
      const copy = JSON.parse(JSON.stringify(s)) as ProtectionsState;
      recordStopOut(s, 'SOL', 2, CONFIG);
      recordEquity(s, 1, 3, CONFIG);
      pruneExpired(s, 1e9);
      expect(s).to.deep.equal(copy);
    });

    it('refuses a bad config or input with a RangeError', () => {
      expect(() => recordStopOut(initialProtections(), 'SOL', 0, { cooldown: { cooldownMs: 0 } })).to.throw(RangeError, /cooldownMs/);
      expect(() => recordStopOut(initialProtections(), 'SOL', 0, { stopLossGuard: { maxStopOuts: 0, windowMs: 1, lockMs: 1 } })).to.throw(RangeError, /maxStopOuts/);
      expect(() => recordEquity(initialProtections(), 1, 0, { maxDrawdown: { maxDrawdownPct: 150, lookbackMs: 1, lockMs: 1 } })).to.throw(RangeError, /maxDrawdownPct/);
      expect(() => recordEquity(initialProtections(), Number.NaN, 0, CONFIG)).to.throw(RangeError, /equity/);
      expect(() => recordEquity(initialProtections(), 1, Number.NaN, CONFIG)).to.throw(RangeError, /time/);
    });
  });
});
