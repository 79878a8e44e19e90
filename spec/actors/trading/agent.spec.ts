import { expect } from 'chai';
import { tradingAgent, warmUp } from '../../../actors/trading/agent.js';
import { PriceTick } from '../../../actors/market/events.js';
import { Signal } from '../../../actors/trading/events.js';
import { defaultConfig, type Config } from '../../../config/schema.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

const T0 = Date.UTC(2026, 0, 1);
// Trend-following weights: on a steady rise the oscillators (RSI, Bollinger) lean against the move.
const settings = (over: Partial<Config['trading']> = {}): Config['trading'] => ({
  ...defaultConfig().trading,
  weights: { sma: 1, ema: 1, macd: 1, rsi: 0, bollinger: 0 },
  cooldownMs: 10_000,
  ...over,
});
const series = (prices: number[], token = 'SOL') =>
  prices.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: T0 + i * 1000, token }));
const rising = (n: number) => Array.from({ length: n }, (_, i) => 100 * 1.01 ** i);

describe('trading agent', () => {
  it('stays silent until every indicator is warmed up (34 closes with the default periods)', async () => {
    expect(warmUp(settings())).to.equal(34);
    const run = await runAgent(tradingAgent(settings()), series(rising(33)));
    expect(run.ofType(Signal.type)).to.have.length(0);
    expect(run.state('SOL').closes).to.have.length(33);
  });

  it('emits a buy signal on a steadily rising series once warmed up', async () => {
    const prices = rising(34);
    const run = await runAgent(tradingAgent(settings()), series(prices));
    const signals = run.ofType(Signal.type);
    expect(signals).to.have.length(1);
    const s = signals[0]!;
    expect(s.token).to.equal('SOL');
    expect(s.ts).to.equal(T0 + 33_000);
    expect(s.data.side).to.equal('buy');
    expect(s.data.price).to.equal(prices[33]);
    expect(s.data.score).to.be.at.least(0.35).and.at.most(1);
    expect(s.data.confidence).to.equal(Math.abs(s.data.score));
    expect(s.data.indicators).to.include.keys('sma', 'ema', 'rsi', 'macdHistogram', 'bbUpper', 'bbLower');
    expect(s.data.indicators.sma).to.be.below(prices[33]!);
    expect(s.data.reason).to.match(/^buy: score/);
    expect(run.state('SOL')).to.include({ lastSignalTs: T0 + 33_000, lastSide: 'buy' });
  });

  it('repeats a same-side signal only after the cooldown', async () => {
    // signals at ticks 33, 43 and 53 (10 s cooldown at one tick per second) out of 60
    const run = await runAgent(tradingAgent(settings()), series(rising(60)));
    expect(run.ofType(Signal.type).map((s) => (s.ts - T0) / 1000)).to.deep.equal([33, 43, 53]);
  });

  it('emits at once when the side flips, cooldown or not', async () => {
    const up = rising(40);
    const down = Array.from({ length: 30 }, (_, i) => up[39]! * 0.98 ** (i + 1));
    const run = await runAgent(tradingAgent(settings({ cooldownMs: 3_600_000 })), series([...up, ...down]));
    const sides = run.ofType(Signal.type).map((s) => s.data.side);
    expect(sides).to.deep.equal(['buy', 'sell']);
  });

  it('caps the close history at historySize', async () => {
    const run = await runAgent(tradingAgent(settings({ historySize: 40 })), series(rising(55)));
    const closes = run.state('SOL').closes;
    expect(closes).to.have.length(40);
    expect(closes[39]).to.equal(rising(55)[54]);
  });
});
