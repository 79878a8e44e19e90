// The execution actor on the PostgreSQL journal and audit log, where an order is journaled with its
// audit records in one write: the same decisions, records (ids, order, content) and journal entries
// as on the in-memory adapters, which write one after the other; and a signal handled again is
// looked up, not sent again.
import { expect } from 'chai';
import { executionAgent } from '../../../actors/execution/agent.js';
import { TradeExecuted } from '../../../actors/execution/events.js';
import { Signal } from '../../../actors/trading/events.js';
import { MemoryAuditTrail } from '../../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../../adapters/store/memory-order-journal.js';
import { PostgresAuditTrail } from '../../../adapters/store/postgres/postgres-audit-trail.js';
import { PostgresOrderJournal } from '../../../adapters/store/postgres/postgres-order-journal.js';
import { defaultConfig } from '../../../config/schema.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';
import type { AuditTrail } from '../../../runtime/ports/audit-trail.js';
import type { OrderJournal } from '../../../runtime/ports/order-journal.js';
import { MigratedSchemas } from '../../support/migrated-schemas.js';
import { ScriptedExchange } from '../../support/scripted-exchange.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const signal = (side: 'buy' | 'sell', price: number, i: number, token: string) =>
  scriptedEvent(Signal, { side, score: 0.6, confidence: 0.6, price, indicators: {}, reason: 'test' }, { ts: T0 + i * 60_000, token, id: `sig-${i}` });
// Entries, a flip (close + reopen), a second token, and the first signal delivered again.
const SIGNALS = [signal('buy', 100, 1, 'SOL'), signal('buy', 50, 2, 'ETH'), signal('sell', 101, 3, 'SOL'), signal('sell', 49, 4, 'ETH')];

async function run(journal: OrderJournal, audit: AuditTrail) {
  const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
  const agent = executionAgent(defaultConfig().execution, { exchange, journal, audit });
  const first = await runAgent(agent, SIGNALS);
  const again = await runAgent(agent, [SIGNALS[0]!], { initial: new Map([['execution', first.state()]]) });
  await exchange.close();
  const records = (await audit.query()).map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  const orders = await journal.createdSince('paper', 0);
  return {
    trades: first.ofType(TradeExecuted.type).map((t) => [t.token, t.data.side, t.data.size, t.data.clientOrderId]),
    tradesAgain: again.ofType(TradeExecuted.type).length,
    placed: exchange.placeCalls,
    records,
    orders: orders.map((o) => [o.clientOrderId, o.status, o.filledSize, o.causeId]),
  };
}

describe('execution on the PostgreSQL journal and audit log', () => {
  const schemas = new MigratedSchemas('regent_exec_records');
  after(() => schemas.dropAll());

  it('journals, audits and trades exactly as on the in-memory adapters, each order journaled with its audit in one write', async () => {
    const { store, schema } = await schemas.fresh();
    const statements: string[] = [];
    const query = store.pool.query.bind(store.pool);
    store.pool.query = ((text: unknown, ...rest: unknown[]) => {
      statements.push(String(typeof text === 'string' ? text : (text as { text: string }).text).replace(/\s+/g, ' ').slice(0, 40));
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof store.pool.query;
    const onPostgres = await run(new PostgresOrderJournal(store.pool, schema), new PostgresAuditTrail(store.pool, schema));
    const inMemory = await run(new MemoryOrderJournal(), new MemoryAuditTrail());
    // Both entries, the SOL flip (close + reopen) and the ETH close: something to compare.
    expect(onPostgres.trades.length).to.be.at.least(5);
    expect(onPostgres).to.deep.equal(inMemory);
    // Every order was journaled by the combined write: none by a plain INSERT followed by an audit append.
    const combined = statements.filter((s) => s.startsWith('WITH journaled AS')).length;
    const plain = statements.filter((s) => s.startsWith(`INSERT INTO "${schema}".orders`)).length;
    expect([combined, plain]).to.deep.equal([onPostgres.placed, 0]);
    expect(onPostgres.tradesAgain).to.equal(0);
  });
});
