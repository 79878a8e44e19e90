// The execution actor (singleton): turns signals and order commands into orders on the Exchange
// port. Sizes entries, runs the pre-trade checks, places orders with deterministic client order
// ids, books the fills, emits trade.executed exactly once per fill, and audit-logs every decision.
import type { Config } from '../../config/schema.js';
import { defineAgent, type AgentContext } from '../../runtime/agent.js';
import type { Exchange, OrderRequest, OrderResult } from '../../runtime/ports/exchange.js';
import { applyFill } from '../position/position-math.js';
import { Signal, type SignalEvent } from '../trading/events.js';
import { clientOrderId } from './client-order-id.js';
import { OrderCommand, TradeExecuted, type OrderCommandEvent } from './events.js';
import { preTradeCheck, type PreTradeLimits } from './pre-trade.js';
import { fixedFractionSize, kellySize } from './sizing.js';

export interface BookEntry {
  readonly size: number;
  readonly avgEntry: number;
  /** Latest known price (signal or command price); the book is marked at it. */
  readonly lastPrice: number;
}

export interface ReviewItem {
  readonly signalId: string;
  readonly token: string;
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly reason: string;
}

export interface ExecutionCounters {
  signals: number;
  orders: number;
  fills: number;
  rejections: Record<string, number>;
  manualReviews: number;
  duplicates: number;
}

// Fields are writable so a handler can work on its own copy; the input state is never written.
export interface ExecutionState {
  /** Ledger balance: every realized PnL in, every fee out. */
  cash: number;
  book: Record<string, BookEntry>;
  realizedPnl: number;
  fees: number;
  /** UTC day (YYYY-MM-DD) of the latest event time, and that day's realized PnL net of fees. */
  day: string;
  dayRealizedPnl: number;
  counters: ExecutionCounters;
  /** Last MANUAL_REVIEW_CAP orders held for a human. */
  reviews: ReviewItem[];
  /** Last EMITTED_CAP client order ids whose fills were published. */
  emittedOrders: string[];
}

export const MANUAL_REVIEW_CAP = 100;
export const EMITTED_CAP = 1000;

type ExecutionSettings = Config['execution'];

export function initialExecutionState(initialBalance: number): ExecutionState {
  return {
    cash: initialBalance,
    book: {},
    realizedPnl: 0,
    fees: 0,
    day: '',
    dayRealizedPnl: 0,
    counters: { signals: 0, orders: 0, fills: 0, rejections: {}, manualReviews: 0, duplicates: 0 },
    reviews: [],
    emittedOrders: [],
  };
}

/** Positive = worse for the taker: paid above the reference on a buy, received below it on a sell. */
export function slippageBps(side: 'buy' | 'sell', price: number, referencePrice: number): number {
  const diff = side === 'buy' ? price - referencePrice : referencePrice - price;
  return (diff / referencePrice) * 1e4;
}

export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

function copyState(s: ExecutionState): ExecutionState {
  return { ...s, book: { ...s.book }, counters: { ...s.counters, rejections: { ...s.counters.rejections } } };
}

function marks(s: ExecutionState): { equity: number; grossNotional: number; unrealized: number } {
  let unrealized = 0;
  let grossNotional = 0;
  for (const e of Object.values(s.book)) {
    unrealized += e.size * (e.lastPrice - e.avgEntry);
    grossNotional += Math.abs(e.size) * e.lastPrice;
  }
  return { equity: s.cash + unrealized, grossNotional, unrealized };
}

function rollDay(s: ExecutionState, ts: number): void {
  const day = utcDay(ts);
  if (day !== s.day) {
    s.day = day;
    s.dayRealizedPnl = 0;
  }
}

function markAt(s: ExecutionState, token: string, price: number): void {
  const e = s.book[token];
  s.book[token] = e ? { ...e, lastPrice: price } : { size: 0, avgEntry: 0, lastPrice: price };
}

function countRejection(s: ExecutionState, reason: string): void {
  s.counters.rejections[reason] = (s.counters.rejections[reason] ?? 0) + 1;
}

export function executionAgent(settings: ExecutionSettings, exchange: Exchange) {
  const limits: PreTradeLimits = {
    maxLeverage: settings.maxLeverage,
    dailyLossLimit: settings.dailyLossLimit,
    maxPositionNotional: settings.maxPositionNotional,
    manualReviewNotional: settings.manualReviewNotional,
  };

  function entrySize(equity: number, price: number): number {
    const z = settings.sizing;
    return z.mode === 'kelly'
      ? kellySize(equity, z.kellyWinRate, z.kellyPayoff, z.kellyCap, price)
      : fixedFractionSize(equity, z.fraction, price);
  }

  /** Books and publishes the fills of a result, unless this order's fills were published before. */
  function record(s: ExecutionState, order: OrderRequest, result: OrderResult, ctx: AgentContext): void {
    if (result.duplicate) s.counters.duplicates += 1;
    else s.counters.orders += 1;
    if (result.status === 'rejected') {
      countRejection(s, result.reason ?? 'exchange-rejected');
      return;
    }
    // A duplicate whose fills are not on record means an earlier attempt crashed after placing
    // and before publishing (its outbox was dropped): publish now, exactly once overall.
    if (result.duplicate && s.emittedOrders.includes(order.clientOrderId)) return;
    for (const fill of result.fills) {
      const prev = s.book[order.token] ?? { size: 0, avgEntry: 0, lastPrice: order.price };
      const pos = applyFill(
        { size: prev.size, avgEntry: prev.avgEntry, realizedPnl: 0, fees: 0, markPrice: prev.lastPrice },
        fill,
      );
      s.book[order.token] = { size: pos.size, avgEntry: pos.avgEntry, lastPrice: prev.lastPrice };
      s.cash += pos.realizedPnl - fill.fee;
      s.realizedPnl += pos.realizedPnl;
      s.fees += fill.fee;
      s.dayRealizedPnl += pos.realizedPnl - fill.fee;
      s.counters.fills += 1;
      ctx.emit(
        TradeExecuted,
        {
          clientOrderId: order.clientOrderId,
          side: fill.side,
          size: fill.size,
          price: fill.price,
          fee: fill.fee,
          slippageBps: slippageBps(fill.side, fill.price, order.price),
          referencePrice: order.price,
          reduceOnly: order.reduceOnly,
          venue: exchange.venue,
        },
        { token: order.token },
      );
    }
    const emitted = s.emittedOrders.length >= EMITTED_CAP ? s.emittedOrders.slice(1) : s.emittedOrders.slice();
    emitted.push(order.clientOrderId);
    s.emittedOrders = emitted;
  }

  /** Pre-trade check, then the exchange (ALLOW) or the review queue (MANUAL_REVIEW). */
  async function submit(s: ExecutionState, order: OrderRequest, causeId: string, ctx: AgentContext): Promise<void> {
    const m = marks(s);
    const decision = preTradeCheck(
      {
        side: order.side,
        size: order.size,
        price: order.price,
        reduceOnly: order.reduceOnly,
        positionSize: s.book[order.token]?.size ?? 0,
        equity: m.equity,
        availableBalance: Math.max(0, m.equity - m.grossNotional / settings.maxLeverage),
        grossNotional: m.grossNotional,
        // The book keeps no start-of-day marks, so open losses count whole against today.
        dayLoss: Math.max(0, -(s.dayRealizedPnl + m.unrealized)),
      },
      limits,
    );
    ctx.log.info(
      { audit: 'pre-trade', cause: causeId, clientOrderId: order.clientOrderId, token: order.token, side: order.side,
        size: order.size, price: order.price, reduceOnly: order.reduceOnly, verdict: decision.verdict,
        reason: decision.reason, detail: decision.detail },
      'pre-trade decision',
    );
    if (decision.verdict === 'REJECT') {
      countRejection(s, decision.reason);
      return;
    }
    if (decision.verdict === 'MANUAL_REVIEW') {
      s.counters.manualReviews += 1;
      const item: ReviewItem = { signalId: causeId, token: order.token, side: order.side, size: order.size, reason: decision.reason };
      s.reviews = [...s.reviews.slice(Math.max(0, s.reviews.length - MANUAL_REVIEW_CAP + 1)), item];
      return;
    }
    // An exchange error throws out of the handler: the supervisor retries the event, and the
    // deterministic client order id makes the retry return the same order. During rehydration the
    // order is only looked up: what the venue has is what happened; nothing is sent again.
    const result = ctx.replaying ? await exchange.order(order.clientOrderId) : await exchange.place(order);
    if (!result) {
      ctx.log.warn({ audit: 'order', cause: causeId, clientOrderId: order.clientOrderId }, 'replay: the venue has no such order; nothing booked');
      return;
    }
    ctx.log.info(
      { audit: 'order', cause: causeId, clientOrderId: order.clientOrderId, status: result.status,
        duplicate: result.duplicate, fills: result.fills.length, reason: result.reason },
      'order result',
    );
    record(s, order, result, ctx);
  }

  async function onSignal(state: ExecutionState, event: SignalEvent, ctx: AgentContext): Promise<ExecutionState> {
    const s = copyState(state);
    s.counters.signals += 1;
    const token = event.token;
    const { side, price } = event.data;
    if (token === undefined) {
      countRejection(s, 'missing-token');
      ctx.log.info({ audit: 'signal', cause: event.id, verdict: 'REJECT', reason: 'missing-token' }, 'signal without token');
      return s;
    }
    rollDay(s, event.ts);
    markAt(s, token, price);
    const held = s.book[token]!.size;
    if (held !== 0 && (held > 0) === (side === 'buy')) {
      countRejection(s, 'already-positioned');
      ctx.log.info(
        { audit: 'signal', cause: event.id, clientOrderId: clientOrderId(event.id, 'entry'), token, side, verdict: 'REJECT', reason: 'already-positioned' },
        'pre-trade decision',
      );
      return s;
    }
    if (held !== 0) {
      const exit: OrderRequest = {
        clientOrderId: clientOrderId(event.id, 'exit'), token, side, size: Math.abs(held), price, reduceOnly: true, ts: event.ts,
      };
      await submit(s, exit, event.id, ctx);
      // Never open the other way on top of a position that failed to close.
      if (s.book[token]!.size !== 0) return s;
    }
    const size = entrySize(marks(s).equity, price);
    const entry: OrderRequest = {
      clientOrderId: clientOrderId(event.id, 'entry'), token, side, size, price, reduceOnly: false, ts: event.ts,
    };
    await submit(s, entry, event.id, ctx);
    return s;
  }

  async function onCommand(state: ExecutionState, event: OrderCommandEvent, ctx: AgentContext): Promise<ExecutionState> {
    const command = event.data;
    if (command.action === 'cancel') {
      if (ctx.replaying) return state;
      const result = await exchange.cancel(command.clientOrderId);
      ctx.log.info(
        { audit: 'cancel', cause: event.id, clientOrderId: command.clientOrderId, status: result?.status ?? 'unknown', reason: command.reason },
        'cancel result',
      );
      return state;
    }
    const token = event.token;
    if (token === undefined) {
      ctx.log.warn({ audit: 'force-close', cause: event.id, reason: command.reason }, 'force-close without token ignored');
      return state;
    }
    const s = copyState(state);
    rollDay(s, event.ts);
    markAt(s, token, command.price);
    const held = s.book[token]!.size;
    if (held === 0) {
      ctx.log.info({ audit: 'force-close', cause: event.id, token, reason: command.reason }, 'force-close: nothing to close');
      return s;
    }
    const close: OrderRequest = {
      clientOrderId: clientOrderId(event.id, 'force-close'),
      token,
      side: held > 0 ? 'sell' : 'buy',
      size: Math.abs(held),
      price: command.price,
      reduceOnly: true,
      ts: event.ts,
    };
    await submit(s, close, event.id, ctx);
    return s;
  }

  return defineAgent({
    name: 'execution',
    consumes: [Signal, OrderCommand],
    key: 'singleton',
    // Signals are rare and orders matter: snapshot after every one, so a restart never has to
    // re-order signals from several partitions by event time.
    snapshotEvery: 1,
    initialState: (): ExecutionState => initialExecutionState(settings.initialBalance),
    handle: (state, event, ctx) => (event.type === 'signal' ? onSignal(state, event, ctx) : onCommand(state, event, ctx)),
  });
}
