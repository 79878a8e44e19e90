// Chaos (f): the execution actor on the real Hyperliquid and Binance adapters, each against its local
// test venue. The venue takes an order and never answers (the request times out): the order stays
// unresolved, is never resent, and is booked from the venue's own record on the next event, or by a
// fresh actor's recover() after a restart. Exactly one order reaches the venue either way.
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { executionAgent, initialExecutionState, type ExecutionState } from '../../actors/execution/agent.js';
import { clientOrderId } from '../../actors/execution/client-order-id.js';
import { OrderCommand, TradeExecuted } from '../../actors/execution/events.js';
import { Signal } from '../../actors/trading/events.js';
import { BinanceExchange } from '../../adapters/exchange/binance/binance-exchange.js';
import { HyperliquidExchange } from '../../adapters/exchange/hyperliquid/hyperliquid-exchange.js';
import { cloidOf } from '../../adapters/exchange/hyperliquid/wire.js';
import { MemoryAuditTrail } from '../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../adapters/store/memory-order-journal.js';
import { defaultConfig } from '../../config/schema.js';
import { createRecoveryContext } from '../../runtime/agent/agent-context.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import type { Exchange } from '../../runtime/ports/exchange.js';
import { runAgent, scriptedEvent } from '../../runtime/agent/test-kit.js';
import { BinanceTestServer } from '../support/binance-server.js';
import { HyperliquidTestServer } from '../support/hyperliquid-server.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const signal = (id: string, token: string, price: number, ts: number) =>
  scriptedEvent(Signal, { side: 'buy', score: 0.6, confidence: 0.6, price, indicators: {}, reason: 'chaos' }, { ts, token, id });

interface Venue {
  readonly exchange: Exchange;
  /** The venue takes the next order and never answers. */
  hangNextOrder(): void;
  /** Order requests the venue received for a client order id. */
  ordersFor(clientOrderId: string): number;
  close(): Promise<void>;
}

async function hyperliquid(): Promise<Venue> {
  const server = await HyperliquidTestServer.start({ signer: new Wallet(KEY).address });
  const exchange = new HyperliquidExchange({ baseUrl: server.baseUrl, privateKey: KEY, testnet: true, requestTimeoutMs: 300 });
  return {
    exchange,
    hangNextOrder: () => server.hangNext({ endpoint: 'exchange', process: true }),
    ordersFor: (id) => server.ordersReceivedFor(cloidOf(id)),
    close: async () => {
      await exchange.close();
      await server.close();
    },
  };
}

async function binance(): Promise<Venue> {
  const server = await BinanceTestServer.start();
  const exchange = new BinanceExchange({ baseUrl: server.url, wsUrl: server.wsUrl, apiKey: server.apiKey, apiSecret: server.apiSecret, requestTimeoutMs: 300 });
  return {
    exchange,
    hangNextOrder: () => server.hangNext({ match: { method: 'POST', path: '/api/v3/order' }, processed: true }),
    ordersFor: (id) => server.ordersFor(id).length,
    close: async () => {
      await exchange.close();
      await server.close();
    },
  };
}

const venues: [string, () => Promise<Venue>, Record<string, number>][] = [
  ['hyperliquid', hyperliquid, { SOL: 150, BTC: 60_000 }],
  ['binance', binance, { SOL: 150, BTC: 60_000 }],
];

for (const [name, open, prices] of venues) {
  describe(`chaos: execution on the ${name} adapter when the venue takes an order and never answers`, function () {
    this.timeout(20_000);
    let venue: Venue;
    beforeEach(async () => {
      venue = await open();
    });
    afterEach(async () => {
      await venue.close();
    });

    const agentOn = (journal: MemoryOrderJournal) => executionAgent(defaultConfig().execution, { exchange: venue.exchange, journal, audit: new MemoryAuditTrail() });

    it('keeps the order unresolved, never resends it, and books it from the venue on the next event', async () => {
      const journal = new MemoryOrderJournal();
      venue.hangNextOrder();
      const run = await runAgent(agentOn(journal), [
        signal('sig-hang', 'SOL', prices['SOL']!, T0),
        signal('sig-btc', 'BTC', prices['BTC']!, T0 + 1000),
        // Hyperliquid answers "filled" without the fills (they stream, or come with a lookup): the
        // next event's housekeeping books them. (A no-op command is event enough.)
        scriptedEvent(OrderCommand, { action: 'kill-switch', mode: 'reset', by: 'spec', reason: 'an event' }, { ts: T0 + 2000 }),
      ]);
      const id = clientOrderId('sig-hang', 'entry');
      expect(venue.ordersFor(id), 'order requests at the venue').to.equal(1);
      expect(run.state().counters).to.deep.include({ unresolved: 1, orders: 1 });
      expect(run.state().counters.reconciled).to.be.at.least(1);
      const trades = run.ofType(TradeExecuted.type);
      expect([...new Set(trades.map((t) => t.token))].sort()).to.deep.equal(['BTC', 'SOL']);
      const solFilled = trades.filter((t) => t.token === 'SOL').reduce((sum, t) => sum + t.data.size, 0);
      expect(solFilled).to.be.greaterThan(0);
      expect(run.state().book['SOL']!.size).to.be.closeTo(solFilled, 1e-9);
      expect((await journal.get(id))!.status).to.equal('filled');
      expect(run.state().orders).to.deep.equal({});
    });

    it('lets a restarted actor find the unanswered order through the journal, once', async () => {
      const journal = new MemoryOrderJournal();
      venue.hangNextOrder();
      const first = await runAgent(agentOn(journal), [signal('sig-restart', 'SOL', prices['SOL']!, T0)]);
      expect(first.ofType(TradeExecuted.type)).to.have.length(0);
      // A fresh actor (its snapshot predates the order) recovers before its first message: the order
      // waits for its signal, which the log delivers again.
      const outbox: Envelope[] = [];
      const before: ExecutionState = { ...initialExecutionState(100_000), lastEventTs: T0 - 1 };
      const recovered = await agentOn(journal).recover!(before, createRecoveryContext('execution:execution', 'execution', 'execution', outbox, silentLogger));
      const id = clientOrderId('sig-restart', 'entry');
      expect(Object.keys(recovered.awaitingCause)).to.deep.equal([id]);
      expect(recovered.reconcilePending).to.equal(false);
      const again = await runAgent(agentOn(journal), [signal('sig-restart', 'SOL', prices['SOL']!, T0)], { initial: new Map([['execution', recovered]]) });
      expect(venue.ordersFor(id), 'order requests at the venue').to.equal(1);
      expect(again.ofType(TradeExecuted.type).length).to.be.greaterThan(0);
      expect(again.state().book['SOL']!.size).to.be.greaterThan(0);
      expect(again.state().orders).to.deep.equal({});
      expect(again.state().counters).to.deep.include({ orders: 1, duplicates: 0 });
    });
  });
}
