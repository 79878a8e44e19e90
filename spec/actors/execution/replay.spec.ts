import { expect } from 'chai';
import { executionAgent, initialExecutionState } from '../../../actors/execution/agent.js';
import { Signal } from '../../../actors/trading/events.js';
import { PaperExchange } from '../../../adapters/exchange/paper.js';
import { defaultConfig } from '../../../config/schema.js';
import { createAgentContext } from '../../../runtime/agent-context.js';
import { silentLogger } from '../../../runtime/logger.js';
import { runAgent, scriptedEvent } from '../../../runtime/test-kit.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const signal = (id: string, token: string) =>
  scriptedEvent(Signal, { side: 'buy' as const, score: 0.6, confidence: 0.6, price: 100, indicators: {} as Record<string, number>, reason: 'test' }, { ts: T0, token, id });

describe('execution agent during rehydration', () => {
  it('books what the venue has for a replayed signal and never sends an order again', async () => {
    const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
    const agent = executionAgent(defaultConfig().execution, exchange);
    const live = await runAgent(agent, [signal('sig-1', 'SOL')]);
    expect(exchange.placedCount).to.equal(1);

    const replay = (id: string, token: string) => {
      const event = signal(id, token);
      const outbox: never[] = [];
      const ctx = createAgentContext('execution:execution', 'execution', 'execution', event, outbox, silentLogger, true);
      return { run: agent.handle(initialExecutionState(100_000), event, ctx), outbox };
    };
    const known = replay('sig-1', 'SOL');
    const rebuilt = await known.run;
    expect(exchange.placedCount, 'orders at the venue after replaying a placed signal').to.equal(1);
    expect(rebuilt.book['SOL']).to.deep.equal(live.state().book['SOL']);
    expect(rebuilt.cash).to.equal(live.state().cash);

    const unknown = replay('sig-never-placed', 'ETH');
    const untouched = await unknown.run;
    expect(exchange.placedCount, 'orders at the venue after replaying a signal it never saw').to.equal(1);
    expect(untouched.book['ETH']?.size ?? 0).to.equal(0);
  });
});
