// Chaos (e): the execution actor dies between sending an order and seeing the answer, on the real
// PostgreSQL (journal, audit, events) and Redis (snapshots). Its supervisor restarts it; before it
// takes another message it reconciles with the venue by client order id. There is exactly one order
// at the venue, its fill is published once, and the position applies it once.
import { expect } from 'chai';
import { clientOrderId } from '../../actors/execution/client-order-id.js';
import { Signal } from '../../actors/trading/events.js';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import type { PositionState } from '../../actors/position/position-math.js';
import { deterministicId } from '../../runtime/events/ids.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import type { Runtime } from '../../runtime/runtime.js';
import { executionStoresFor, openStores, pipeline, pump, topicEvents, type Stores } from '../support/chaos-pipeline.js';
import { ScriptedExchange } from '../support/scripted-exchange.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const signal = (id: string, token: string, side: 'buy' | 'sell', price: number, ts: number) =>
  scriptedEvent(Signal, { side, score: 0.6, confidence: 0.6, price, indicators: {}, reason: 'chaos' }, { ts, token, id: deterministicId(id) });

describe('chaos: execution dies between sending an order and its answer', function () {
  this.timeout(60_000);
  let stores: Stores;
  let runtime: Runtime | undefined;

  beforeEach(async () => {
    stores = await openStores('exec_crash');
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    await stores.cleanup();
  });

  function start(exchange: ScriptedExchange, log: MemoryEventLog): Promise<void> {
    runtime = pipeline({ seed: 1, log, exchange, eventStore: stores.eventStore, stateStore: stores.stateStore });
    return runtime.start();
  }

  it('restarts, reconciles by client order id, and ends with exactly one order, one fill event and one position', async () => {
    const log = new MemoryEventLog();
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 }).next('crash-after-send');
    await start(exchange, log);
    await pump(runtime!, [signal('sig-crash', 'SOL', 'buy', 100, T0)]);
    await runtime!.whenIdle({ timeoutMs: 30_000 });

    const id = clientOrderId(deterministicId('sig-crash'), 'entry');
    expect(runtime!.restarts.map((r) => r.child)).to.include('execution:execution');
    expect(exchange.placedCount, 'orders at the venue').to.equal(1);
    expect(exchange.placeCalls, 'requests sent').to.equal(1);
    const trades = topicEvents(log, 'trade.executed');
    expect(trades.map((t) => (t.data as { clientOrderId: string }).clientOrderId)).to.deep.equal([id]);
    const position = runtime!.states<PositionState>('position').get('SOL');
    expect(position?.size).to.equal(20);
    const { journal, audit } = executionStoresFor(exchange, stores.eventStore);
    expect(await journal.get(id)).to.deep.include({ status: 'filled', filledSize: 20, causeId: deterministicId('sig-crash') });
    const trail = (await audit.query({ clientOrderId: id })).map((r) => `${r.kind}:${r.action}:${r.reason ?? ''}`);
    // Sent, crashed; found by the restarted actor; the retried signal finds the position taken.
    expect(trail).to.deep.equal(['decision:ALLOW:ok', 'order:sent:', 'reconcile:found:filled', 'fill:booked:', 'decision:REJECT:already-positioned']);
  });

  it('leaves an order whose answer was lost in flight, never resends it, and books it once the venue is asked', async () => {
    const log = new MemoryEventLog();
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 }).next('lost-answer');
    await start(exchange, log);
    await pump(runtime!, [signal('sig-lost', 'SOL', 'buy', 100, T0)]);
    await runtime!.whenIdle({ timeoutMs: 30_000 });
    expect(topicEvents(log, 'trade.executed')).to.have.length(0);

    // The next event for execution (another token's signal) first reconciles the SOL order.
    await pump(runtime!, [signal('sig-eth', 'ETH', 'sell', 50, T0 + 1000)]);
    await runtime!.whenIdle({ timeoutMs: 30_000 });
    expect(exchange.placeCalls).to.equal(2);
    expect(exchange.placedCount).to.equal(2);
    const trades = topicEvents(log, 'trade.executed').map((t) => t.token);
    expect(trades.sort()).to.deep.equal(['ETH', 'SOL']);
    expect(runtime!.states<PositionState>('position').get('SOL')?.size).to.equal(20);
  });
});
