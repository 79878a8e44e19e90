// Manual review queue: orders the pre-trade check sent to MANUAL_REVIEW wait here for an operator
// to approve (the caller then submits the order) or reject them, until they expire. The queue is
// capped; when full, the item closest to expiry is evicted. Every way an item leaves the queue is
// reported as an outcome, so none is dropped silently.
import type { PreTradeReason } from './pre-trade.js';

export interface ReviewOrder {
  readonly token: string;
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly price: number;
  readonly reduceOnly: boolean;
  readonly clientOrderId: string;
  readonly causeId: string;
  readonly correlationId: string;
}

export interface ReviewItem {
  /** The order's client order id. */
  readonly id: string;
  readonly order: ReviewOrder;
  readonly reason: PreTradeReason;
  readonly detail: string;
  readonly createdAt: number;
  /** The item is expired once now >= expiresAt. */
  readonly expiresAt: number;
}

export interface ReviewQueueState {
  /** In arrival order. */
  readonly items: readonly ReviewItem[];
}

export interface ReviewQueueConfig {
  readonly maxItems: number;
  readonly ttlMs: number;
}

export interface ReviewRequest {
  readonly order: ReviewOrder;
  readonly reason: PreTradeReason;
  readonly detail: string;
}

export type ReviewOutcome =
  | { readonly kind: 'queued'; readonly item: ReviewItem; readonly detail: string }
  /** The same client order id is already waiting (a redelivered event): nothing changed. */
  | { readonly kind: 'already-queued'; readonly item: ReviewItem; readonly detail: string }
  | { readonly kind: 'evicted'; readonly item: ReviewItem; readonly detail: string }
  | { readonly kind: 'expired'; readonly item: ReviewItem; readonly detail: string }
  | { readonly kind: 'approved'; readonly item: ReviewItem; readonly by: string; readonly at: number; readonly detail: string }
  | { readonly kind: 'rejected'; readonly item: ReviewItem; readonly by: string; readonly reason: string; readonly at: number; readonly detail: string };

export type ReviewFailureReason = 'unknown-id' | 'expired';

/** A decision that could not be applied. An expired item is removed all the same and returned here. */
export interface ReviewFailure {
  readonly kind: 'failed';
  readonly reason: ReviewFailureReason;
  readonly id: string;
  readonly item?: ReviewItem;
  readonly detail: string;
}

type Approved = Extract<ReviewOutcome, { kind: 'approved' }>;
type Rejected = Extract<ReviewOutcome, { kind: 'rejected' }>;

export interface ReviewQueueUpdate<O> {
  readonly state: ReviewQueueState;
  readonly outcomes: readonly O[];
}

export interface ReviewDecisionUpdate<O> {
  readonly state: ReviewQueueState;
  readonly outcome: O | ReviewFailure;
}

export function initialReviewQueue(): ReviewQueueState {
  return { items: [] };
}

/**
 * Queues an order for review. Expired items are removed first (reported 'expired'); if the queue is
 * still full, the items expiring soonest are evicted (reported 'evicted') to make room.
 */
export function enqueueReview(
  state: ReviewQueueState,
  request: ReviewRequest,
  now: number,
  config: ReviewQueueConfig,
): ReviewQueueUpdate<ReviewOutcome> {
  assertConfig(config);
  assertTime(now);
  assertOrder(request.order);
  const id = request.order.clientOrderId;
  const waiting = state.items.find((i) => i.id === id);
  if (waiting && now < waiting.expiresAt) {
    return { state, outcomes: [{ kind: 'already-queued', item: waiting, detail: `order ${id} is already waiting for review` }] };
  }

  const expired = expireReviews(state, now);
  const outcomes: ReviewOutcome[] = [...expired.outcomes];
  let items = [...expired.state.items];
  while (items.length >= config.maxItems) {
    const victim = soonestExpiring(items);
    items = items.filter((i) => i !== victim);
    outcomes.push({ kind: 'evicted', item: victim, detail: `review queue full (${config.maxItems}): evicted ${victim.id}, expiring at ${victim.expiresAt}` });
  }
  const item: ReviewItem = { id, order: request.order, reason: request.reason, detail: request.detail, createdAt: now, expiresAt: now + config.ttlMs };
  items.push(item);
  outcomes.push({ kind: 'queued', item, detail: `order ${id} waits for review until ${item.expiresAt}` });
  return { state: { items }, outcomes };
}

/** Approves a waiting order: the caller submits outcome.item.order. */
export function approveReview(state: ReviewQueueState, id: string, by: string, now: number): ReviewDecisionUpdate<Approved> {
  assertTime(now);
  assertText('approver', by);
  return decide(state, id, now, (item) => ({ kind: 'approved', item, by, at: now, detail: `order ${id} approved by ${by}` }));
}

export function rejectReview(state: ReviewQueueState, id: string, by: string, reason: string, now: number): ReviewDecisionUpdate<Rejected> {
  assertTime(now);
  assertText('rejecter', by);
  assertText('rejection reason', reason);
  return decide(state, id, now, (item) => ({ kind: 'rejected', item, by, reason, at: now, detail: `order ${id} rejected by ${by}: ${reason}` }));
}

export function expireReviews(state: ReviewQueueState, now: number): ReviewQueueUpdate<Extract<ReviewOutcome, { kind: 'expired' }>> {
  assertTime(now);
  const expired = state.items.filter((i) => now >= i.expiresAt);
  if (expired.length === 0) return { state, outcomes: [] };
  return {
    state: { items: state.items.filter((i) => now < i.expiresAt) },
    outcomes: expired.map((item) => ({ kind: 'expired', item, detail: `order ${item.id} expired unreviewed at ${item.expiresAt}` })),
  };
}

function decide<O>(state: ReviewQueueState, id: string, now: number, outcome: (item: ReviewItem) => O): ReviewDecisionUpdate<O> {
  const item = state.items.find((i) => i.id === id);
  if (!item) return { state, outcome: { kind: 'failed', reason: 'unknown-id', id, detail: `no order ${id} is waiting for review` } };
  const rest = { items: state.items.filter((i) => i !== item) };
  if (now >= item.expiresAt) {
    return { state: rest, outcome: { kind: 'failed', reason: 'expired', id, item, detail: `order ${id} expired at ${item.expiresAt}; it was not submitted` } };
  }
  return { state: rest, outcome: outcome(item) };
}

/** Earliest expiresAt; among equals, the earliest queued. */
function soonestExpiring(items: readonly ReviewItem[]): ReviewItem {
  return items.reduce((a, b) => (b.expiresAt < a.expiresAt ? b : a));
}

function assertOrder(o: ReviewOrder): void {
  assertText('order clientOrderId', o.clientOrderId);
  assertText('order token', o.token);
  if (o.side !== 'buy' && o.side !== 'sell') throw new RangeError(`review order side must be 'buy' or 'sell', got ${String(o.side)}`);
  if (!(Number.isFinite(o.size) && o.size > 0)) throw new RangeError(`review order size must be a positive number, got ${o.size}`);
  if (!(Number.isFinite(o.price) && o.price > 0)) throw new RangeError(`review order price must be a positive number, got ${o.price}`);
}

function assertConfig(config: ReviewQueueConfig): void {
  if (!(Number.isInteger(config.maxItems) && config.maxItems > 0)) throw new RangeError(`review queue maxItems must be a positive integer, got ${config.maxItems}`);
  if (!(Number.isFinite(config.ttlMs) && config.ttlMs > 0)) throw new RangeError(`review queue ttlMs must be a positive number, got ${config.ttlMs}`);
}

function assertText(what: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new RangeError(`review ${what} must be a non-empty string`);
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
}
