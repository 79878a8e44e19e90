import { expect } from 'chai';
import {
  equity,
  grossExposure,
  netExposure,
  summarize,
  totalRealizedPnl,
  totalUnrealizedPnl,
} from '../../../actors/portfolio/portfolio-math.js';
import type { PositionState } from '../../../actors/position/position-math.js';

// SOL: long 10 @ 100 marked 110 -> unrealized 10 * 10 = 100, notional 1100, net +1100
const SOL: PositionState = { size: 10, avgEntry: 100, realizedPnl: 50, fees: 2, markPrice: 110 };
// ETH: short 2 @ 2000 marked 1900 -> unrealized -2 * (1900 - 2000) = 200, notional 3800, net -3800
const ETH: PositionState = { size: -2, avgEntry: 2000, realizedPnl: -30, fees: 5, markPrice: 1900 };

describe('portfolio-math', () => {
  it('sums equity as cash plus unrealized PnL (cash already holds realized PnL and fees)', () => {
    // 10000 + 100 + 200 = 10300
    expect(equity(10_000, { SOL, ETH })).to.equal(10_300);
  });

  it('sums gross exposure as |size| * mark and net exposure as size * mark', () => {
    // gross 1100 + 3800 = 4900; net 1100 - 3800 = -2700
    expect(grossExposure({ SOL, ETH })).to.equal(4900);
    expect(netExposure({ SOL, ETH })).to.equal(-2700);
  });

  it('totals unrealized and realized PnL and fees over all tokens', () => {
    // unrealized 100 + 200 = 300; realized 50 - 30 = 20; fees 2 + 5 = 7
    expect(totalUnrealizedPnl({ SOL, ETH })).to.equal(300);
    expect(totalRealizedPnl({ SOL, ETH })).to.equal(20);
    expect(summarize(10_000, { SOL, ETH }).fees).to.equal(7);
  });

  it('gives the same summary from a Map as from a record', () => {
    const fromMap = summarize(10_000, new Map([['SOL', SOL], ['ETH', ETH]]));
    expect(fromMap).to.deep.equal({
      cash: 10_000,
      equity: 10_300,
      grossExposure: 4900,
      netExposure: -2700,
      unrealizedPnl: 300,
      realizedPnl: 20,
      fees: 7,
    });
    expect(summarize(10_000, { SOL, ETH })).to.deep.equal(fromMap);
  });

  it('reports equity equal to cash and zero exposure with no positions', () => {
    expect(summarize(500, {})).to.deep.equal({
      cash: 500,
      equity: 500,
      grossExposure: 0,
      netExposure: 0,
      unrealizedPnl: 0,
      realizedPnl: 0,
      fees: 0,
    });
  });
});
