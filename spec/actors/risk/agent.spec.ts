import { expect } from 'chai';
import { riskAgent } from '../../../actors/risk/agent.js';
import { OrderCommand } from '../../../actors/execution/events.js';
import { PriceTick } from '../../../actors/market/events.js';
import { PositionChanged } from '../../../actors/position/events.js';
import { RiskAlert } from '../../../actors/risk/events.js';
import { defaultConfig } from '../../../config/schema.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

const settings = defaultConfig().risk; // leverage warning 3 / critical 5, liquidation distance 0.1 / 0.03
const position = (token: string, size: number, avgEntry: number, ts: number, realizedPnl = 0) =>
  scriptedEvent(PositionChanged, { size, avgEntry, realizedPnl, unrealizedPnl: 0, markPrice: avgEntry, fees: 0 }, { ts, token });
const tick = (token: string, price: number, ts: number) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts, token });

describe('risk agent', () => {
  it('alerts critical leverage once, force-closes once, and reports the return to ok as info', async () => {
    // 1000 SOL @ 100 on 10,000 equity: leverage 10. Liquidation at (100,000 - 10,000) / 950 = 94.74,
    // a distance of 5.26%: warning.
    const run = await runAgent(riskAgent(settings, 10_000), [
      position('SOL', 1000, 100, 1),
      tick('SOL', 100, 2),
      tick('SOL', 100.5, 3),
      tick('SOL', 100.2, 4),
      position('SOL', 0, 0, 5, 200),
      tick('SOL', 101, 6),
      tick('SOL', 102, 7),
    ]);
    const alerts = run.ofType(RiskAlert.type).map((a) => ({ ts: a.ts, metric: a.data.metric, level: a.data.level }));
    expect(alerts).to.deep.equal([
      { ts: 2, metric: 'leverage', level: 'critical' },
      { ts: 2, metric: 'liquidation-distance', level: 'warning' },
      { ts: 6, metric: 'leverage', level: 'info' },
      { ts: 6, metric: 'liquidation-distance', level: 'info' },
    ]);
    const critical = run.ofType(RiskAlert.type)[0]!.data;
    expect(critical.value).to.be.closeTo(10, 1e-12);
    expect(critical.threshold).to.equal(5);
    expect(run.ofType(RiskAlert.type)[1]!.data.value).to.be.closeTo(1 - 90_000 / 950 / 100, 1e-12);

    const closes = run.ofType(OrderCommand.type);
    expect(closes).to.have.length(1);
    expect(closes[0]!.token).to.equal('SOL');
    expect(closes[0]!.data).to.deep.include({ action: 'force-close', price: 100 });
    expect(run.state().levels).to.deep.equal({});
    expect(run.state().forceClosed).to.deep.equal({});
  });

  it('steps down from critical to warning as a warning alert when leverage falls', async () => {
    const run = await runAgent(riskAgent(settings, 10_000), [
      position('SOL', 600, 100, 1), // leverage 6: critical
      tick('SOL', 100, 2),
      position('SOL', 400, 100, 3), // leverage 4: warning
      tick('SOL', 100, 4),
    ]);
    expect(run.ofType(RiskAlert.type).filter((a) => a.data.metric === 'leverage').map((a) => a.data.level)).to.deep.equal([
      'critical',
      'warning',
    ]);
    expect(run.ofType(OrderCommand.type)).to.have.length(1);
  });

  it('force-closes again in a new critical episode after the level dropped', async () => {
    const run = await runAgent(riskAgent(settings, 10_000), [
      position('SOL', 600, 100, 1),
      tick('SOL', 100, 2), // critical: force-close
      position('SOL', 100, 100, 3),
      tick('SOL', 100, 4), // ok: episode over
      position('SOL', 700, 100, 5),
      tick('SOL', 100, 6), // critical again: a second force-close
    ]);
    expect(run.ofType(OrderCommand.type).map((c) => c.ts)).to.deep.equal([2, 6]);
  });

  it('alerts on highly correlated returns of two open positions every 20 ticks', async () => {
    const events: Envelope[] = [position('SOL', 10, 100, 0), position('ETH', 1, 2000, 0)];
    for (let i = 0; i < 10; i++) {
      const wiggle = 1 + 0.01 * Math.sin(i);
      events.push(tick('SOL', 100 * wiggle, 2 * i + 1), tick('ETH', 2000 * wiggle, 2 * i + 2));
    }
    const run = await runAgent(riskAgent(settings, 100_000), events);
    const alerts = run.ofType(RiskAlert.type);
    expect(alerts).to.have.length(1);
    expect(alerts[0]!.ts).to.equal(20);
    expect(alerts[0]!.data).to.deep.include({ metric: 'correlation', level: 'warning', threshold: 0.9 });
    expect(alerts[0]!.data.value).to.be.closeTo(1, 1e-9);
    expect(alerts[0]!.data.message).to.contain('ETH/SOL');
    expect(run.state().prices['SOL']).to.have.length(10);
    expect(run.ofType(OrderCommand.type)).to.have.length(0);
  });

  it('caps the price history at correlationWindow + 1 and stays quiet while flat', async () => {
    const ticks = Array.from({ length: 80 }, (_, i) => tick('BTC', 100 + i, i));
    const run = await runAgent(riskAgent(settings, 10_000), ticks);
    expect(run.emitted).to.have.length(0);
    expect(run.state().prices['BTC']).to.have.length(51);
    expect(run.state().prices['BTC']![50]).to.equal(179);
    expect(run.state().ticks).to.equal(80);
  });
});
