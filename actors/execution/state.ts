// The execution actor's state: the ledger (cash, book, PnL), the orders still in flight, the fills
// already booked, what the latest signals said about each market, and the safety systems. Every
// part is plain data: it is snapshotted after every event.
import type { OrderRequest } from '../../runtime/ports/exchange.js';
import type { AuditRecord } from '../../runtime/ports/audit-trail.js';
import type { JournalEntry, JournalStatus } from '../../runtime/ports/order-journal.js';
import { initialBreakerState, type BreakerState } from '../../runtime/kit/circuit-breaker.js';
import { emptyIdWindow, idWindowAdd, idWindowHas, idWindowOf, type IdWindow } from '../../runtime/kit/id-window.js';
import { initialKillSwitch, type KillSwitchState } from './safety/kill-switch.js';
import type { LossWindows } from './safety/loss-windows.js';
import { initialOrderRateLimit, type OrderRateLimitState } from './safety/order-rate-limit.js';
import { initialProtections, type ProtectionsState } from './safety/protections.js';
import { initialReviewQueue, type ReviewQueueState } from './safety/review-queue.js';

export interface BookEntry {
  readonly size: number;
  readonly avgEntry: number;
  /** Latest known price; the book is marked at it. */
  readonly lastPrice: number;
}

export type OrderPurpose = 'entry' | 'exit' | 'force-close' | 'kill-close' | 'approved';

/** An order sent and not yet done (open, partially filled, or with no answer yet). */
export interface TrackedOrder {
  readonly request: OrderRequest;
  readonly purpose: OrderPurpose;
  readonly causeId: string;
  readonly correlationId: string;
  readonly status: JournalStatus;
  /** Size of the fills booked for it. */
  readonly filledSize: number;
  /** Size the venue last said was filled (its fills may still be on their way). */
  readonly venueFilledSize?: number;
  /** Event time it was sent at. */
  readonly sentAt: number;
  /** Event time it was last looked up at the venue. */
  readonly checkedAt?: number;
}

/** A journaled order this state has not booked, waiting for the event that caused it (see awaitingCause). */
export type AwaitedOrder = Pick<JournalEntry, 'clientOrderId' | 'request' | 'causeId' | 'correlationId' | 'status' | 'createdAt'>;

/** What the latest signal said about a token. */
export interface MarketView {
  readonly price: number;
  readonly ts: number;
  /** Realized volatility of recent closes (stdev of log returns), when the signal carried it. */
  readonly volatility?: number;
  /** Recent log returns, for the correlation check. */
  readonly returns?: readonly number[];
}

export interface ExecutionCounters {
  signals: number;
  orders: number;
  fills: number;
  rejections: Record<string, number>;
  manualReviews: number;
  duplicates: number;
  unresolved: number;
  reconciled: number;
}

export interface SafetyState {
  lossWindows?: LossWindows;
  /** Highest equity seen (for the hard drawdown limit). */
  peakEquity: number;
  exchangeBreaker: BreakerState;
  /** The order journal and audit log (PostgreSQL): while open, no order is sent. */
  storeBreaker: BreakerState;
  rateLimit: OrderRateLimitState;
  killSwitch: KillSwitchState;
  protections: ProtectionsState;
  reviews: ReviewQueueState;
}

// Fields are writable so a handler can work on its own copy (copyState); the input is never written.
export interface ExecutionState {
  /** Ledger balance: every realized PnL in, every fee out. */
  cash: number;
  book: Record<string, BookEntry>;
  realizedPnl: number;
  fees: number;
  counters: ExecutionCounters;
  orders: Record<string, TrackedOrder>;
  /** At least the last BOOKED_FILLS_CAP fill ids booked: a fill is booked once. */
  bookedFills: IdWindow;
  market: Record<string, MarketView>;
  safety: SafetyState;
  /** In-flight orders could not all be reconciled with the venue: no new entries until they are. */
  reconcilePending: boolean;
  /** Latest event time handled: orders journaled at or after it may be missing from this state. */
  lastEventTs: number;
  /**
   * Orders a restart found journaled that this state never booked, caused by an event it has not
   * handled yet (the process died after sending, before the state was saved). That event is
   * delivered again and completes them as the decision it made then, at the point in the stream it
   * made it; one whose cause has not come within the grace period is reconciled like any other.
   */
  awaitingCause: Record<string, AwaitedOrder>;
  /** Events that led to an order, at least the last RECENT_CAUSES_CAP: such an event is never decided anew. */
  recentCauses: IdWindow;
  /** Audit records the audit log could not take yet (it was down); written first on the next event. */
  pendingAudit: AuditRecord[];
  /** The entry gate last published per token (safety/entry-gate.ts), to publish only changes. */
  gates: Record<string, string>;
  /** The account-wide inputs of every gate when they were last looked at (safety/entry-gate.ts). */
  gatesFingerprint?: string;
}

/** Most audit records kept while the audit log is down; older ones are logged in full and dropped. */
export const PENDING_AUDIT_CAP = 5000;

export const BOOKED_FILLS_CAP = 10_000;

export const RECENT_CAUSES_CAP = 1000;

export function initialExecutionState(initialBalance: number): ExecutionState {
  return {
    cash: initialBalance,
    book: {},
    realizedPnl: 0,
    fees: 0,
    counters: { signals: 0, orders: 0, fills: 0, rejections: {}, manualReviews: 0, duplicates: 0, unresolved: 0, reconciled: 0 },
    orders: {},
    bookedFills: emptyIdWindow,
    market: {},
    safety: {
      peakEquity: initialBalance,
      exchangeBreaker: initialBreakerState(),
      storeBreaker: initialBreakerState(),
      rateLimit: initialOrderRateLimit(),
      killSwitch: initialKillSwitch(),
      protections: initialProtections(),
      reviews: initialReviewQueue(),
    },
    reconcilePending: false,
    lastEventTs: 0,
    awaitingCause: {},
    recentCauses: emptyIdWindow,
    pendingAudit: [],
    gates: {},
  };
}

/** A copy a handler may write to; nested records it changes are replaced, never mutated. A state
 * saved by an older version gets today's defaults for what it lacks. */
export function copyState(saved: ExecutionState): ExecutionState {
  const current = saved.gates !== undefined && saved.safety?.storeBreaker !== undefined && saved.awaitingCause !== undefined && !Array.isArray(saved.bookedFills);
  const s = current ? saved : upgrade(saved);
  return {
    ...s,
    book: { ...s.book },
    orders: { ...s.orders },
    awaitingCause: { ...s.awaitingCause },
    market: { ...s.market },
    counters: { ...s.counters, rejections: { ...s.counters.rejections } },
    safety: { ...s.safety },
  };
}

function upgrade(saved: ExecutionState): ExecutionState {
  const fresh = initialExecutionState(saved.cash ?? 0);
  // Snapshots before id windows kept these as flat lists of ids, oldest first.
  const window = (ids: IdWindow | readonly string[] | undefined): IdWindow => (ids === undefined ? emptyIdWindow : Array.isArray(ids) ? idWindowOf(ids) : (ids as IdWindow));
  return {
    ...fresh,
    ...saved,
    bookedFills: window(saved.bookedFills),
    recentCauses: window(saved.recentCauses),
    counters: { ...fresh.counters, ...saved.counters },
    safety: { ...fresh.safety, ...saved.safety },
  };
}

export function marks(s: ExecutionState): { equity: number; grossNotional: number; unrealized: number } {
  let unrealized = 0;
  let grossNotional = 0;
  for (const e of Object.values(s.book)) {
    unrealized += e.size * (e.lastPrice - e.avgEntry);
    grossNotional += Math.abs(e.size) * e.lastPrice;
  }
  return { equity: s.cash + unrealized, grossNotional, unrealized };
}

export function markAt(s: ExecutionState, token: string, price: number): void {
  const e = s.book[token];
  s.book[token] = e ? { ...e, lastPrice: price } : { size: 0, avgEntry: 0, lastPrice: price };
}

/** Remembers that this event led to an order (a redelivery of it must not decide anew). */
export function noteCause(s: ExecutionState, causeId: string): void {
  if (idWindowHas(s.recentCauses, causeId)) return;
  s.recentCauses = idWindowAdd(s.recentCauses, causeId, RECENT_CAUSES_CAP);
}

export function countRejection(s: ExecutionState, reason: string): void {
  s.counters.rejections[reason] = (s.counters.rejections[reason] ?? 0) + 1;
}
