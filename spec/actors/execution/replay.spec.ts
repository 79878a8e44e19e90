// The execution actor while rehydrating: nothing is sent and nothing is looked up at the venue. A
// replayed signal whose order was journaled leaves it tracked as unresolved; the fills recorded live
// (order.fill events, replayed in log order) are booked; recover() then asks the venue about what is
// still unknown, so every fill is booked, and published, exactly once.
import { expect } from 'chai';
import { executionAgent, initialExecutionState, type ExecutionState } from '../../../actors/execution/agent.js';
import { clientOrderId } from '../../../actors/execution/client-order-id.js';
import { TradeExecuted, VenueFill } from '../../../actors/execution/events.js';
import { Signal } from '../../../actors/trading/events.js';
import { MemoryAuditTrail } from '../../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../../adapters/store/memory-order-journal.js';
import { defaultConfig } from '../../../config/schema.js';
import { createAgentContext, createRecoveryContext } from '../../../runtime/agent/agent-context.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { ScriptedExchange } from '../../support/scripted-exchange.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const signal = (id: string, token: string) =>
  scriptedEvent(Signal, { side: 'buy' as const, score: 0.6, confidence: 0.6, price: 100, indicators: {} as Record<string, number>, reason: 'test' }, { ts: T0, token, id });

function setup(options: ConstructorParameters<typeof ScriptedExchange>[0] = { slippageBps: 5, feeBps: 4 }) {
  const exchange = new ScriptedExchange(options);
  const audit = new MemoryAuditTrail();
  const agent = executionAgent(defaultConfig().execution, { exchange, journal: new MemoryOrderJournal(), audit });
  const replay = async (events: readonly Envelope[], from: ExecutionState = initialExecutionState(100_000)) => {
    let state = from;
    for (const event of events) state = await agent.handle(state, event as never, createAgentContext('execution:execution', 'execution', 'execution', event, [], silentLogger, true));
    return state;
  };
  const recover = async (state: ExecutionState) => {
    const outbox: Envelope[] = [];
    const s = await agent.recover!(state, createRecoveryContext('execution:execution', 'execution', 'execution', outbox, silentLogger));
    return { s, outbox };
  };
  return { exchange, agent, audit, replay, recover };
}

describe('execution agent during rehydration', () => {
  it('rebuilds the live book from the recorded fills, sending and asking nothing', async () => {
    const { exchange, agent, replay, recover } = setup();
    const live = await runAgent(agent, [signal('sig-1', 'SOL')]);
    const recorded = live.ofType(VenueFill.type);
    expect(recorded.map((e) => (e.data as { fillId: string }).fillId)).to.deep.equal([`${clientOrderId('sig-1', 'entry')}:1`]);

    const rebuilt = await replay([signal('sig-1', 'SOL'), ...recorded]);
    expect(exchange.placeCalls, 'orders sent by the replay').to.equal(1);
    expect(rebuilt.book['SOL']).to.deep.equal(live.state().book['SOL']);
    expect(rebuilt.cash).to.equal(live.state().cash);
    // The recorded fill completed the order; recover finds nothing new and books nothing twice.
    expect(rebuilt.orders).to.deep.equal({});
    const { s, outbox } = await recover(rebuilt);
    expect(outbox.filter((e) => e.type === TradeExecuted.type)).to.have.length(0);
    expect(s.orders).to.deep.equal({});
    expect(s.book['SOL']).to.deep.equal(live.state().book['SOL']);
  });

  it('leaves fills the live run never saw to recover(), which books and publishes them once', async () => {
    const { exchange, agent, replay, recover } = setup({ slippageBps: 0, feeBps: 0, fillSlices: 2, fillIntervalMs: 1 });
    const live = await runAgent(agent, [signal('sig-2', 'SOL')]);
    expect(live.ofType(TradeExecuted.type)).to.have.length(1); // the first half, in the answer
    await new Promise((r) => setTimeout(r, 20)); // the second half fills at the venue, unseen
    const rebuilt = await replay([signal('sig-2', 'SOL'), ...live.ofType(VenueFill.type)]);
    expect(rebuilt.book['SOL']!.size).to.equal(10);
    const { s, outbox } = await recover(rebuilt);
    expect(outbox.filter((e) => e.type === TradeExecuted.type).map((e) => (e.data as { fillId: string }).fillId)).to.deep.equal([`${clientOrderId('sig-2', 'entry')}:2`]);
    expect(s.book['SOL']!.size).to.equal(20);
    expect(exchange.placeCalls).to.equal(1);
    await exchange.close();
  });

  it('writes nothing to the audit log: the live run audited every fill once', async () => {
    const { agent, audit, replay } = setup();
    const live = await runAgent(agent, [signal('sig-3', 'SOL')]);
    const before = await audit.query();
    expect(before.filter((r) => r.kind === 'fill').map((r) => r.data['fillId'])).to.deep.equal([`${clientOrderId('sig-3', 'entry')}:1`]);
    // The replay books the fill from its order.fill record (another cause than the live answer):
    // audited again, it would be a second record of the same fill.
    const rebuilt = await replay([signal('sig-3', 'SOL'), ...live.ofType(VenueFill.type)]);
    expect(rebuilt.book['SOL']).to.deep.equal(live.state().book['SOL']);
    expect((await audit.query()).map((r) => r.id)).to.deep.equal(before.map((r) => r.id));
  });

  it('books nothing for a replayed signal that was never journaled', async () => {
    const { exchange, replay } = setup();
    const untouched = await replay([signal('sig-never-placed', 'ETH')]);
    expect(exchange.placeCalls).to.equal(0);
    expect(untouched.book['ETH']?.size ?? 0).to.equal(0);
    expect(untouched.orders).to.deep.equal({});
  });
});
