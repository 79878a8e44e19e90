// The execution actor while rehydrating: a replayed signal books what the venue has for it and never
// sends an order again; a signal whose order was never journaled books nothing.
import { expect } from 'chai';
import { executionAgent, initialExecutionState } from '../../../actors/execution/agent.js';
import { Signal } from '../../../actors/trading/events.js';
import { MemoryAuditLog } from '../../../adapters/store/memory-audit-log.js';
import { MemoryOrderJournal } from '../../../adapters/store/memory-order-journal.js';
import { defaultConfig } from '../../../config/schema.js';
import { createAgentContext } from '../../../runtime/agent-context.js';
import { silentLogger } from '../../../runtime/logger.js';
import { runAgent, scriptedEvent } from '../../../runtime/test-kit.js';
import { ScriptedExchange } from '../../support/scripted-exchange.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const signal = (id: string, token: string) =>
  scriptedEvent(Signal, { side: 'buy' as const, score: 0.6, confidence: 0.6, price: 100, indicators: {} as Record<string, number>, reason: 'test' }, { ts: T0, token, id });

describe('execution agent during rehydration', () => {
  it('books what the venue has for a replayed signal and never sends an order again', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
    const agent = executionAgent(defaultConfig().execution, { exchange, journal: new MemoryOrderJournal(), audit: new MemoryAuditLog() });
    const live = await runAgent(agent, [signal('sig-1', 'SOL')]);
    expect(exchange.placeCalls).to.equal(1);

    const replay = (id: string, token: string) => {
      const event = signal(id, token);
      const ctx = createAgentContext('execution:execution', 'execution', 'execution', event, [], silentLogger, true);
      return agent.handle(initialExecutionState(100_000), event, ctx);
    };
    const rebuilt = await replay('sig-1', 'SOL');
    expect(exchange.placeCalls, 'orders sent after replaying a placed signal').to.equal(1);
    expect(rebuilt.book['SOL']).to.deep.equal(live.state().book['SOL']);
    expect(rebuilt.cash).to.equal(live.state().cash);

    const untouched = await replay('sig-never-placed', 'ETH');
    expect(exchange.placeCalls, 'orders sent after replaying a signal never journaled').to.equal(1);
    expect(untouched.book['ETH']?.size ?? 0).to.equal(0);
  });
});
