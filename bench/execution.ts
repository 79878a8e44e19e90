// Execution figures: signal -> order -> booked fill through the execution actor's handler (pre-trade
// checks, journal before send, audit, paper venue, fill booking), with the journal and audit log in
// memory and in PostgreSQL; and the cost of signing one Hyperliquid order (msgpack + keccak + EIP-712).
import { performance } from 'node:perf_hooks';
import { Wallet } from 'ethers';
import { executionAgent, initialExecutionState, type ExecutionState } from '../actors/execution/agent.js';
import { Signal } from '../actors/trading/events.js';
import { PaperExchange } from '../adapters/exchange/paper.js';
import { orderAction, orderWire } from '../adapters/exchange/hyperliquid/wire.js';
import { signL1Action } from '../adapters/exchange/hyperliquid/signing.js';
import { MemoryAuditTrail } from '../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../adapters/store/memory-order-journal.js';
import { PostgresAuditTrail } from '../adapters/store/postgres/postgres-audit-trail.js';
import { PostgresOrderJournal } from '../adapters/store/postgres/postgres-order-journal.js';
import { defaultConfig } from '../config/schema.js';
import { createAgentContext } from '../runtime/agent/agent-context.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { deterministicId } from '../runtime/events/ids.js';
import { silentLogger } from '../runtime/ports/logger.js';
import type { AuditTrail } from '../runtime/ports/audit-trail.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import { BenchStores } from './store.js';

export interface ExecutionFigures {
  readonly signals: number;
  readonly orders: number;
  readonly signalsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export const BENCH_TOKENS = 20;

/**
 * Signals over a 20-token book, each token flipping side on every pass: after the first pass every
 * signal closes the position (reduce-only) and opens the other way, so it places and fills 2 orders.
 * Loss limits and protections are off so that every order goes through.
 */
async function signalsThrough(count: number, journal: OrderJournal, audit: AuditTrail): Promise<ExecutionFigures> {
  const base = defaultConfig().execution;
  const settings = {
    ...base,
    lossLimits: {},
    hardLimits: {},
    protections: {},
    manualReviewNotional: null,
    orderRateLimit: { maxOrders: 1e9, windowMs: 1000 },
  };
  const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
  const agent = executionAgent(settings, { exchange, journal, audit });
  let state: ExecutionState = initialExecutionState(100_000);
  const times: number[] = [];
  const t0 = Date.UTC(2026, 0, 5);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const side = Math.floor(i / BENCH_TOKENS) % 2 === 0 ? 'buy' : 'sell';
    const event: Envelope = {
      id: deterministicId(`bench-signal-${i}`),
      type: Signal.type,
      ts: t0 + i * 1000,
      token: `T${i % BENCH_TOKENS}`,
      source: 'bench',
      correlationId: `c-${i}`,
      data: { side, score: 0.6, confidence: 0.6, price: 100, indicators: {}, reason: 'bench' },
    };
    const before = performance.now();
    state = await agent.handle(state, event as never, createAgentContext('execution:execution', 'execution', 'execution', event, [], silentLogger));
    times.push(performance.now() - before);
  }
  const elapsed = (performance.now() - started) / 1000;
  const expected = Math.min(count, BENCH_TOKENS) + 2 * Math.max(0, count - BENCH_TOKENS);
  if (state.counters.fills !== expected) throw new Error(`bench: expected ${expected} fills, got ${state.counters.fills} (rejections ${JSON.stringify(state.counters.rejections)})`);
  await exchange.close();
  times.sort((a, b) => a - b);
  return { signals: count, orders: expected, signalsPerSec: count / elapsed, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
}

export function executionInMemory(count: number): Promise<ExecutionFigures> {
  return signalsThrough(count, new MemoryOrderJournal(), new MemoryAuditTrail());
}

export async function executionOnPostgres(count: number): Promise<ExecutionFigures> {
  const stores = await BenchStores.open();
  try {
    const { pool, schema } = stores.eventStore;
    return await signalsThrough(count, new PostgresOrderJournal(pool, schema), new PostgresAuditTrail(pool, schema));
  } finally {
    await stores.close();
  }
}

/** Signing one Hyperliquid order action, ms per order. */
export async function hyperliquidSigning(count: number): Promise<{ orders: number; msPerOrder: number }> {
  const wallet = new Wallet('0x0123456789012345678901234567890123456789012345678901234567890123');
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const action = orderAction([orderWire({ asset: 4, isBuy: true, price: '1670.1', size: '0.0147', reduceOnly: false, tif: 'Ioc', cloid: `0x${i.toString(16).padStart(32, '0')}` })]);
    await signL1Action(wallet, action, null, 1_677_777_606_040 + i, undefined, false);
  }
  return { orders: count, msPerOrder: (performance.now() - started) / count };
}
