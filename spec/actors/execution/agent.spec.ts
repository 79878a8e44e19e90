import { expect } from 'chai';
import { executionAgent, initialExecutionState, utcDay, type ExecutionState } from '../../../actors/execution/agent.js';
import { clientOrderId } from '../../../actors/execution/client-order-id.js';
import { OrderCommand, TradeExecuted } from '../../../actors/execution/events.js';
import { Signal } from '../../../actors/trading/events.js';
import { PaperExchange } from '../../../adapters/exchange/paper.js';
import { defaultConfig, type Config } from '../../../config/schema.js';
import { runAgent, scriptedEvent } from '../../../runtime/test-kit.js';

const T0 = Date.UTC(2026, 0, 5, 12);
// 100,000 balance, 2% fixed fraction, max leverage 3, position limit 25,000, review at 20,000
const settings = (over: Partial<Config['execution']> = {}): Config['execution'] => ({ ...defaultConfig().execution, ...over });
const paper = () => new PaperExchange({ slippageBps: 5, feeBps: 4 });
const signal = (side: 'buy' | 'sell', price: number, ts: number, id: string, token = 'SOL') =>
  scriptedEvent(Signal, { side, score: 0.6, confidence: 0.6, price, indicators: {}, reason: 'test' }, { ts, token, id });
const forceClose = (price: number, ts: number, id: string, token = 'SOL') =>
  scriptedEvent(OrderCommand, { action: 'force-close', reason: 'critical leverage', price }, { ts, token, id });

describe('execution agent', () => {
  it('sizes, checks and places an allowed entry, emitting one trade with its slippage and fee', async () => {
    const exchange = paper();
    const run = await runAgent(executionAgent(settings(), exchange), [signal('buy', 100, T0, 'sig-1')]);
    // size = 100,000 * 2% / 100 = 20; fill 100 * (1 + 5 bps) = 100.05; fee = 20 * 100.05 * 4 bps = 0.8004
    expect(exchange.placedCount).to.equal(1);
    const trades = run.ofType(TradeExecuted.type);
    expect(trades).to.have.length(1);
    const t = trades[0]!;
    expect(t.token).to.equal('SOL');
    expect(t.data).to.deep.include({ clientOrderId: clientOrderId('sig-1', 'entry'), side: 'buy', size: 20, referencePrice: 100, reduceOnly: false, venue: 'paper' });
    expect(t.data.price).to.be.closeTo(100.05, 1e-9);
    expect(t.data.fee).to.be.closeTo(0.8004, 1e-9);
    expect(t.data.slippageBps).to.be.closeTo(5, 1e-9);
    const s = run.state();
    expect(s.book['SOL']!.size).to.equal(20);
    expect(s.book['SOL']!.avgEntry).to.be.closeTo(100.05, 1e-9);
    expect(s.cash).to.be.closeTo(100_000 - 0.8004, 1e-9);
    expect(s.counters).to.deep.include({ signals: 1, orders: 1, fills: 1, duplicates: 0 });
    expect(s.day).to.equal('2026-01-05');
  });

  it('places one order for a signal run twice through the same exchange', async () => {
    const exchange = paper();
    const agent = executionAgent(settings(), exchange);
    const sig = signal('buy', 100, T0, 'sig-twice');
    const run = await runAgent(agent, [sig, sig]);
    expect(exchange.placedCount).to.equal(1);
    expect(run.ofType(TradeExecuted.type)).to.have.length(1);
    expect(run.state().counters.rejections).to.deep.equal({ 'already-positioned': 1 });
  });

  it('publishes the fills of an order a crashed attempt placed, exactly once', async () => {
    const exchange = paper();
    const sig = signal('buy', 100, T0, 'sig-crash');
    // The crashed attempt reached the exchange; its state and outbox were lost with it.
    await exchange.place({ clientOrderId: clientOrderId('sig-crash', 'entry'), token: 'SOL', side: 'buy', size: 20, price: 100, reduceOnly: false, ts: T0 });
    const retry = await runAgent(executionAgent(settings(), exchange), [sig]);
    expect(exchange.placedCount).to.equal(1);
    expect(retry.ofType(TradeExecuted.type)).to.have.length(1);
    expect(retry.state().counters).to.deep.include({ orders: 0, duplicates: 1, fills: 1 });
    expect(retry.state().book['SOL']!.size).to.equal(20);
  });

  it('does not publish again when a processed signal is redelivered after the position closed', async () => {
    const exchange = paper();
    const sig = signal('buy', 100, T0, 'sig-redo');
    const run = await runAgent(executionAgent(settings(), exchange), [sig, forceClose(100, T0 + 1, 'fc-1'), sig]);
    expect(exchange.placedCount).to.equal(2); // the entry and the force-close
    expect(run.ofType(TradeExecuted.type).map((t) => t.data.reduceOnly)).to.deep.equal([false, true]);
    expect(run.state().counters.duplicates).to.equal(1);
    expect(run.state().book['SOL']!.size).to.equal(0);
  });

  it('rejects an entry past the position limit and places nothing', async () => {
    const exchange = paper();
    const run = await runAgent(executionAgent(settings({ maxPositionNotional: 1000 }), exchange), [signal('buy', 100, T0, 'sig-big')]);
    expect(exchange.placedCount).to.equal(0);
    expect(run.emitted).to.have.length(0);
    expect(run.state().counters.rejections).to.deep.equal({ 'position-limit': 1 });
  });

  it('rejects on the daily loss limit until the UTC day rolls over', async () => {
    const exchange = paper();
    const losing: ExecutionState = { ...initialExecutionState(100_000), day: utcDay(T0), dayRealizedPnl: -5000, cash: 95_000 };
    const run = await runAgent(
      executionAgent(settings(), exchange),
      [signal('buy', 100, T0, 'sig-a'), signal('buy', 100, T0 + 86_400_000, 'sig-b')],
      { initial: new Map([['execution', losing]]) },
    );
    expect(run.state().counters.rejections).to.deep.equal({ 'daily-loss-limit': 1 });
    expect(exchange.placedCount).to.equal(1);
    expect(run.ofType(TradeExecuted.type)[0]!.data.clientOrderId).to.equal(clientOrderId('sig-b', 'entry'));
    expect(run.ofType(TradeExecuted.type)[0]!.data.size).to.be.closeTo(95_000 * 0.02 / 100, 1e-9);
  });

  it('queues an order at the review notional for manual review', async () => {
    const exchange = paper();
    const run = await runAgent(executionAgent(settings({ sizing: { ...settings().sizing, fraction: 0.21 } }), exchange), [
      signal('buy', 100, T0, 'sig-review'),
    ]);
    expect(exchange.placedCount).to.equal(0);
    expect(run.state().counters.manualReviews).to.equal(1);
    expect(run.state().reviews).to.deep.equal([{ signalId: 'sig-review', token: 'SOL', side: 'buy', size: 210, reason: 'notional-review' }]);
  });

  it('force-closes the whole position with a reduce-only order at the command price', async () => {
    const exchange = paper();
    const run = await runAgent(executionAgent(settings(), exchange), [signal('buy', 100, T0, 'sig-fc'), forceClose(90, T0 + 1000, 'fc-2')]);
    const close = run.ofType(TradeExecuted.type)[1]!;
    expect(close.data).to.deep.include({ clientOrderId: clientOrderId('fc-2', 'force-close'), side: 'sell', size: 20, reduceOnly: true, referencePrice: 90 });
    expect(close.data.price).to.be.closeTo(90 * (1 - 5e-4), 1e-9);
    expect(close.data.slippageBps).to.be.closeTo(5, 1e-9);
    expect(exchange.fills[1]).to.deep.include({ side: 'sell', size: 20, token: 'SOL' });
    const s = run.state();
    expect(s.book['SOL']!.size).to.equal(0);
    // realized 20 * (89.955 - 100.05) = -201.9, fees 0.8004 + 20 * 89.955 * 4 bps = 0.8004 + 0.71964
    expect(s.realizedPnl).to.be.closeTo(-201.9, 1e-9);
    expect(s.cash).to.be.closeTo(100_000 - 201.9 - 0.8004 - 0.71964, 1e-9);
  });

  it('closes the opposite position before entering on a reversing signal', async () => {
    const exchange = paper();
    const run = await runAgent(executionAgent(settings(), exchange), [signal('buy', 100, T0, 'sig-long'), signal('sell', 100, T0 + 1000, 'sig-short')]);
    const trades = run.ofType(TradeExecuted.type).map((t) => ({ id: t.data.clientOrderId, side: t.data.side, reduceOnly: t.data.reduceOnly }));
    expect(trades).to.deep.equal([
      { id: clientOrderId('sig-long', 'entry'), side: 'buy', reduceOnly: false },
      { id: clientOrderId('sig-short', 'exit'), side: 'sell', reduceOnly: true },
      { id: clientOrderId('sig-short', 'entry'), side: 'sell', reduceOnly: false },
    ]);
    expect(run.state().book['SOL']!.size).to.be.below(0);
  });

  it('counts an exchange rejection under the exchange reason', async () => {
    const exchange = paper();
    await exchange.place({ clientOrderId: clientOrderId('sig-bad', 'entry'), token: 'SOL', side: 'buy', size: -1, price: 100, reduceOnly: false, ts: T0 });
    const run = await runAgent(executionAgent(settings(), exchange), [signal('buy', 100, T0, 'sig-bad')]);
    expect(run.emitted).to.have.length(0);
    expect(Object.keys(run.state().counters.rejections)).to.deep.equal(['invalid size -1: must be a positive finite number']);
  });

  it('never mutates the state it was given', async () => {
    const before = initialExecutionState(100_000);
    const frozen = JSON.stringify(before);
    await runAgent(executionAgent(settings(), paper()), [signal('buy', 100, T0, 'sig-pure')], { initial: new Map([['execution', before]]) });
    expect(JSON.stringify(before)).to.equal(frozen);
  });
});
