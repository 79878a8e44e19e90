import { expect } from 'chai';
import { positionAgent } from '../../../actors/position/agent.js';
import { TradeExecuted } from '../../../actors/execution/events.js';
import { PriceTick } from '../../../actors/market/events.js';
import { PositionChanged } from '../../../actors/position/events.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

const fill = (side: 'buy' | 'sell', size: number, price: number, fee: number, ts: number, token = 'SOL') =>
  scriptedEvent(
    TradeExecuted,
    { clientOrderId: `c-${ts}`, fillId: `f-${token}-${ts}`, side, size, price, fee, slippageBps: 0, referencePrice: price, reduceOnly: false, venue: 'paper' },
    { ts, token },
  );
const tick = (price: number, ts: number, token = 'SOL') => scriptedEvent(PriceTick, { price, volume: 0 }, { ts, token });

describe('position agent', () => {
  it('applies a buy then a partial sell and publishes the realized PnL after each fill', async () => {
    const run = await runAgent(positionAgent(), [fill('buy', 2, 100, 0.2, 1), tick(110, 2), fill('sell', 0.5, 120, 0.06, 3)]);
    const changes = run.ofType(PositionChanged.type);
    expect(changes).to.have.length(2);
    expect(changes[0]!.data).to.deep.equal({ size: 2, avgEntry: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100, fees: 0.2 });
    // sold 0.5 of the 2 @ 100 at 120: realized 0.5 * 20 = 10; 1.5 left marked at the 110 tick = +15
    const last = changes[1]!.data;
    expect(last.size).to.equal(1.5);
    expect(last.avgEntry).to.equal(100);
    expect(last.realizedPnl).to.be.closeTo(10, 1e-12);
    expect(last.unrealizedPnl).to.be.closeTo(15, 1e-12);
    expect(last.markPrice).to.equal(110);
    expect(last.fees).to.be.closeTo(0.26, 1e-12);
    expect(changes[1]!.token).to.equal('SOL');
  });

  it('marks to market on ticks without publishing', async () => {
    const run = await runAgent(positionAgent(), [fill('buy', 1, 50, 0, 1), tick(55, 2), tick(57, 3)]);
    expect(run.ofType(PositionChanged.type)).to.have.length(1);
    expect(run.state('SOL')).to.deep.equal({ size: 1, avgEntry: 50, realizedPnl: 0, fees: 0, markPrice: 57, fillIds: ['f-SOL-1'] });
  });

  it('applies a fill id once, however often it arrives', async () => {
    const once = fill('buy', 2, 100, 0.2, 1);
    const again = { ...fill('buy', 2, 100, 0.2, 1), id: 'another-envelope' };
    const run = await runAgent(positionAgent(), [once, again, tick(101, 2)]);
    expect(run.ofType(PositionChanged.type)).to.have.length(1);
    expect(run.state('SOL')).to.deep.include({ size: 2, fees: 0.2, markPrice: 101 });
  });

  it('keeps one actor per token and skips events without a token', async () => {
    const noToken = scriptedEvent(PriceTick, { price: 1, volume: 0 }, { ts: 1 });
    const run = await runAgent(positionAgent({ passivateAfterMs: 1000 }), [fill('buy', 1, 10, 0, 1, 'ETH'), tick(20, 2, 'BTC'), noToken]);
    expect([...run.states.keys()].sort()).to.deep.equal(['BTC', 'ETH']);
    expect(run.state('BTC').size).to.equal(0);
    expect(positionAgent({ passivateAfterMs: 1000 }).passivateAfterMs).to.equal(1000);
  });
});
