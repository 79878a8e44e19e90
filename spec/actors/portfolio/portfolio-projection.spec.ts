// The pure portfolio projection: position.changed events replace their token's position; the cash
// balance and the summary cover every known position, not only those the batch changed.
import { expect } from 'chai';
import { PriceTick } from '../../../actors/market/events.js';
import { summarize } from '../../../actors/portfolio/portfolio-math.js';
import { projectPortfolio } from '../../../actors/portfolio/portfolio-projection.js';
import { PositionChanged } from '../../../actors/position/events.js';
import type { PositionState } from '../../../actors/position/position-math.js';
import { scriptedEvent } from '../../../runtime/agent/test-kit.js';

const changed = (token: string, p: PositionState & { unrealizedPnl: number }) => scriptedEvent(PositionChanged, p, { ts: 1, token });

describe('projectPortfolio', () => {
  const btc: PositionState = { size: 1, avgEntry: 100, realizedPnl: 10, fees: 2, markPrice: 120 };
  const eth: PositionState = { size: -2, avgEntry: 10, realizedPnl: -1, fees: 0.5, markPrice: 9 };

  it('replaces the changed positions and recomputes cash and summary over all of them', () => {
    const known = new Map([['BTC', btc]]);
    const update = projectPortfolio(known, [changed('ETH', { ...eth, unrealizedPnl: 2 }), changed('BTC', { ...btc, markPrice: 130, unrealizedPnl: 30 })], 1000);
    const positions = new Map([['BTC', { ...btc, markPrice: 130 }], ['ETH', eth]]);
    expect(update?.positions).to.deep.equal(positions);
    expect(update?.changed).to.deep.equal(['ETH', 'BTC']);
    expect(update?.cash).to.equal(1000 + 10 - 2 - 1 - 0.5);
    expect(update?.summary).to.deep.equal(summarize(1000 + 10 - 2 - 1 - 0.5, positions));
    expect(known, 'the known positions are not written').to.deep.equal(new Map([['BTC', btc]]));
  });

  it('is undefined for a batch that changed no position', () => {
    expect(projectPortfolio(new Map([['BTC', btc]]), [scriptedEvent(PriceTick, { price: 1, volume: 1 }, { ts: 1, token: 'BTC' })], 1000)).to.equal(undefined);
  });
});
