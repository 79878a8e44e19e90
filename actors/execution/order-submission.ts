// Sending an order from the execution actor: the pre-trade checks (or the review queue), the store
// and exchange breakers, the rate limit, then journal + audit + venue (order-flow.ts). And the way
// back: looking up, by client order id, orders whose outcome is unknown, and the positions.
import {
  ExchangeHaltedError,
  ExchangeUnavailableError,
  type OrderRequest,
  type VenuePosition,
} from '../../runtime/ports/exchange.js';
import { isInFlight, type JournalEntry } from '../../runtime/ports/order-journal.js';
import { breakerAllows } from '../../runtime/kit/circuit-breaker.js';
import { auditBreaker, fromJournal, storeAnswered, venueAnswered, type Desk, type Turn } from './desk.js';
import { OrderNotSentError, placeJournaled, reconcileOrder, sendOrder, type SendResult } from './order-flow.js';
import { recordOrder } from './safety/order-rate-limit.js';
import { applyVenueOrder, reconcileDue, settle } from './order-tracking.js';
import { enqueueReview } from './safety/review-queue.js';
import { checkOrder } from './safety/safety-gate.js';
import { countRejection, noteCause, type AwaitedOrder, type OrderPurpose } from './state.js';
import { idWindowHas } from '../../runtime/kit/id-window.js';

export interface SubmitOptions {
  /** An operator approved it: a MANUAL_REVIEW verdict no longer holds it (every limit still does). */
  readonly reviewed?: boolean;
}

function refuse(t: Turn, request: OrderRequest, reason: string, detail: string): void {
  countRejection(t.s, reason);
  t.trail.add('decision', 'REJECT', { token: request.token, clientOrderId: request.clientOrderId, reason, data: { detail } });
}

/** Pre-trade check, then the review queue, or the breakers + rate limit + journal + venue. */
export async function submit(desk: Desk, t: Turn, request: OrderRequest, purpose: OrderPurpose, options: SubmitOptions = {}): Promise<void> {
  const { s } = t;
  const { settings } = desk;
  const ids = { token: request.token, clientOrderId: request.clientOrderId };
  // Journaled before (a redelivered or replayed event): that decision was made and the order may be
  // at the venue. Look it up; decide nothing anew.
  const journaled = await fromJournal(desk, t, 'get', () => desk.journal.get(request.clientOrderId));
  if (!journaled.ok) {
    if (t.replaying) return settle(t, request, purpose, 'unresolved', s.orders[request.clientOrderId]?.filledSize ?? 0);
    return refuse(t, request, 'store-unavailable', 'the order journal cannot be read: nothing is sent');
  }
  if (journaled.value) {
    const awaited = s.awaitingCause[request.clientOrderId];
    if (awaited && !t.replaying) return completeAwaited(desk, t, awaited, purpose);
    return reconcileJournaled(desk, t, request, purpose, journaled.value);
  }

  const decision = checkOrder(s, request, t.now, settings, desk.limits);
  const verdict = options.reviewed && decision.verdict === 'MANUAL_REVIEW' ? 'ALLOW' : decision.verdict;
  t.trail.add('decision', verdict, { ...ids, reason: decision.reason, data: { purpose, side: request.side, size: request.size, price: request.price, reduceOnly: request.reduceOnly, detail: decision.detail } });
  t.log.info({ audit: 'pre-trade', cause: t.causeId, ...ids, purpose, verdict, reason: decision.reason, detail: decision.detail }, 'pre-trade decision');
  if (verdict === 'REJECT') {
    countRejection(s, decision.reason);
    return;
  }
  if (verdict === 'MANUAL_REVIEW') {
    s.counters.manualReviews += 1;
    const order = { token: request.token, side: request.side, size: request.size, price: request.price, reduceOnly: request.reduceOnly, clientOrderId: request.clientOrderId, causeId: t.causeId, correlationId: t.correlationId };
    const update = enqueueReview(s.safety.reviews, { order, reason: decision.reason, detail: decision.detail }, t.now, settings.review);
    s.safety = { ...s.safety, reviews: update.state };
    for (const o of update.outcomes) t.trail.add('review', o.kind, { token: o.item.order.token, clientOrderId: o.item.id, reason: o.item.reason, data: { detail: o.detail } });
    return;
  }
  // Rehydrating: an order for this event would have been journaled (above); none was sent.
  if (t.replaying) return;
  return dispatch(desk, t, request, purpose, () => sendOrder(desk.orderPorts, request, { causeId: t.causeId, correlationId: t.correlationId, at: t.now }, t.trail));
}

/** The breakers and the rate limit, then `send` (journal + audit + venue), then the venue's answer booked. */
async function dispatch(desk: Desk, t: Turn, request: OrderRequest, purpose: OrderPurpose, send: () => Promise<SendResult>): Promise<void> {
  const { s } = t;
  const { settings } = desk;
  const ids = { token: request.token, clientOrderId: request.clientOrderId };
  // The journal must take the order before it leaves: no store, no order.
  const storeGate = breakerAllows(s.safety.storeBreaker, t.now, settings.storeBreaker);
  s.safety = { ...s.safety, storeBreaker: storeGate.state };
  auditBreaker(desk, t, storeGate.transition, 'order-store');
  if (!storeGate.allowed) return refuse(t, request, 'store-unavailable', storeGate.detail);
  // A kill-switch close goes out even with the exchange breaker open: getting flat matters more.
  if (purpose !== 'kill-close') {
    const gate = breakerAllows(s.safety.exchangeBreaker, t.now, settings.exchangeBreaker);
    s.safety = { ...s.safety, exchangeBreaker: gate.state };
    auditBreaker(desk, t, gate.transition);
    if (!gate.allowed) {
      // The store probe claimed above was not used: give it back.
      if (storeGate.reason === 'probe') s.safety = { ...s.safety, storeBreaker: { ...s.safety.storeBreaker, probeInFlight: false } };
      return refuse(t, request, 'breaker-open', gate.detail);
    }
  }
  s.safety = { ...s.safety, rateLimit: recordOrder(s.safety.rateLimit, t.now, settings.orderRateLimit) };
  noteCause(s, t.causeId);

  let result: SendResult;
  try {
    result = await send();
  } catch (error) {
    if (!(error instanceof OrderNotSentError)) throw error;
    storeAnswered(desk, t, false);
    if (s.safety.exchangeBreaker.status === 'half-open') s.safety = { ...s.safety, exchangeBreaker: { ...s.safety.exchangeBreaker, probeInFlight: false } };
    t.log.error({ audit: 'order', cause: t.causeId, ...ids, err: error }, 'order not sent: the order store is unavailable');
    return refuse(t, request, 'store-unavailable', error.message);
  }
  storeAnswered(desk, t, true);
  t.log.info({ audit: 'order', cause: t.causeId, ...ids, purpose, outcome: result.kind, ...(result.kind === 'rejected' ? { reason: result.reason } : {}) }, 'order outcome');
  switch (result.kind) {
    case 'confirmed':
      venueAnswered(desk, t, true);
      if (result.duplicate) s.counters.duplicates += 1;
      else s.counters.orders += 1;
      applyVenueOrder(desk, t, request, purpose, result.order);
      return;
    case 'rejected':
      // A refusal is an answer; a rate-limit refusal means we are too fast: it counts against the venue.
      venueAnswered(desk, t, result.retryAfterMs === undefined);
      countRejection(s, 'venue-rejected');
      if (result.halt) t.halt = `venue ${desk.exchange.venue} halted us: ${result.reason}`;
      return;
    case 'unresolved':
      venueAnswered(desk, t, false);
      s.counters.unresolved += 1;
      settle(t, request, purpose, 'unresolved', 0);
      t.log.warn({ audit: 'order', cause: t.causeId, ...ids, reason: result.reason }, 'order unresolved: will reconcile by client order id, never resend');
      return;
    case 'journaled-before':
      s.counters.duplicates += 1;
      if (result.order) applyVenueOrder(desk, t, request, purpose, result.order);
      else if (isInFlight(result.entry.status)) settle(t, request, purpose, 'unresolved', result.entry.filledSize);
      return;
  }
}

/**
 * An order journaled before: looked up, never sent again. While replaying nothing is looked up:
 * the order is tracked as unresolved and recover() asks the venue once the replay is done (its
 * recorded fills, replayed as order.fill events, are booked meanwhile).
 */
async function reconcileJournaled(desk: Desk, t: Turn, request: OrderRequest, purpose: OrderPurpose, entry: JournalEntry): Promise<void> {
  t.s.counters.duplicates += 1;
  t.trail.add('order', 'already-journaled', { token: request.token, clientOrderId: request.clientOrderId, reason: entry.status, data: { status: entry.status } });
  const booked = t.s.orders[request.clientOrderId]?.filledSize ?? 0;
  if (t.replaying) return settle(t, entry.request, purpose, 'unresolved', booked);
  const found = await reconcileOrder(desk.orderPorts, entry, t.now, desk.settings.unresolvedGraceMs, t.trail);
  if (found.kind === 'found') applyVenueOrder(desk, t, entry.request, purpose, found.order);
  else if (found.kind === 'pending' && isInFlight(entry.status)) settle(t, entry.request, purpose, 'unresolved', booked);
}

/**
 * The decision an event made before the process died, completed now that the event came again: the
 * order is looked up at the venue and booked as the answer to the send would have been (never sent
 * again). The rate limit and breakers are not charged twice: the original send charged a state that
 * was lost, and this one is the state that send belongs to.
 */
export async function completeAwaited(desk: Desk, t: Turn, awaited: AwaitedOrder, purpose: OrderPurpose): Promise<void> {
  const { s } = t;
  const { [awaited.clientOrderId]: _done, ...rest } = s.awaitingCause;
  s.awaitingCause = rest;
  const ids = { token: awaited.request.token, clientOrderId: awaited.clientOrderId };
  t.trail.add('order', 'completed-after-restart', { ...ids, reason: awaited.status, data: { causeId: awaited.causeId } });
  const found = await reconcileOrder(desk.orderPorts, awaited, t.now, desk.settings.unresolvedGraceMs, t.trail);
  if (found.kind === 'pending' && !found.venueUnavailable && awaited.status === 'sending' && desk.exchange.unknownMeansNeverSent) {
    // Journaled, then the process died before the venue got it (and nothing of it can arrive now).
    const cause = { causeId: t.causeId, correlationId: t.correlationId, at: t.now };
    return dispatch(desk, t, awaited.request, purpose, () => placeJournaled(desk.orderPorts, awaited.request, cause, t.trail));
  }
  noteCause(s, awaited.causeId);
  s.safety = { ...s.safety, rateLimit: recordOrder(s.safety.rateLimit, t.now, desk.settings.orderRateLimit) };
  if (found.kind === 'found') {
    if (found.order.status === 'rejected') {
      countRejection(s, 'venue-rejected');
      return;
    }
    s.counters.orders += 1;
    applyVenueOrder(desk, t, awaited.request, purpose, found.order);
    return;
  }
  if (found.kind === 'not-received') return;
  s.counters.unresolved += 1;
  settle(t, awaited.request, purpose, 'unresolved', 0);
}

/** Awaited orders whose cause has not come within the grace period: tracked and reconciled like any. */
export async function adoptOverdue(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  const overdue = Object.values(s.awaitingCause).filter((a) => t.now - a.createdAt >= desk.settings.unresolvedGraceMs);
  if (overdue.length === 0) return;
  for (const a of overdue) {
    const { [a.clientOrderId]: _done, ...rest } = s.awaitingCause;
    s.awaitingCause = rest;
    noteCause(s, a.causeId);
    t.trail.add('reconcile', 'cause-not-seen', { token: a.request.token, clientOrderId: a.clientOrderId, reason: a.status, data: { causeId: a.causeId } });
    track(s, a);
  }
  await reconcileInFlight(desk, t, 'all');
}

function track(s: Turn['s'], entry: AwaitedOrder): void {
  s.orders = {
    ...s.orders,
    [entry.clientOrderId]: {
      request: entry.request,
      purpose: 'entry',
      causeId: entry.causeId,
      correlationId: entry.correlationId,
      status: entry.status,
      filledSize: 0,
      sentAt: entry.createdAt,
    },
  };
}

/** Looks up the tracked orders (all, or those due); none is ever resent. */
export async function reconcileInFlight(desk: Desk, t: Turn, only: 'due' | 'all'): Promise<void> {
  const { s } = t;
  let pending = false;
  for (const [id, tracked] of Object.entries(s.orders)) {
    if (only === 'due' && !reconcileDue(tracked, t.now, desk.settings.unresolvedGraceMs)) continue;
    const result = await reconcileOrder(desk.orderPorts, { clientOrderId: id, request: tracked.request, createdAt: tracked.sentAt }, t.now, desk.settings.unresolvedGraceMs, t.trail);
    if (result.kind === 'found') {
      s.counters.reconciled += 1;
      applyVenueOrder(desk, t, tracked.request, tracked.purpose, result.order);
    } else if (result.kind === 'not-received') {
      s.counters.reconciled += 1;
      settle(t, tracked.request, tracked.purpose, 'not-received', tracked.filledSize);
    } else if (result.venueUnavailable) {
      pending = true;
    }
    const still = s.orders[id];
    if (still) s.orders = { ...s.orders, [id]: { ...still, checkedAt: t.now } };
  }
  s.reconcilePending = pending;
}

/**
 * Everything the venue and the journal know that this state may not: every order still in flight,
 * and any journaled since the last event this state saw (a crash after sending, before the state
 * was saved), looked up so their fills are booked; then the positions. Incomplete (the journal or
 * the venue could not be asked): reconcilePending stays set and no new entry is taken.
 * `restart`: an order journaled since the last event, for a cause this state has not handled, waits
 * for that cause (awaitingCause) instead, so the redelivered stream makes the same decisions.
 */
export async function reconcileAll(desk: Desk, t: Turn, options: { readonly restart?: boolean } = {}): Promise<void> {
  const { s } = t;
  const venue = desk.exchange.venue;
  const listed = await fromJournal(desk, t, 'in-flight', async () => [
    ...(await desk.journal.inFlight(venue)),
    ...(s.lastEventTs > 0 ? await desk.journal.createdSince(venue, s.lastEventTs) : []),
  ]);
  if (!listed.ok) {
    s.reconcilePending = true;
    return;
  }
  for (const entry of listed.value) {
    if (s.orders[entry.clientOrderId] || s.awaitingCause[entry.clientOrderId]) continue;
    if (options.restart && s.lastEventTs > 0 && entry.createdAt >= s.lastEventTs && !idWindowHas(s.recentCauses, entry.causeId)) {
      s.awaitingCause = { ...s.awaitingCause, [entry.clientOrderId]: awaitedOf(entry) };
      t.trail.add('reconcile', 'awaiting-cause', { token: entry.request.token, clientOrderId: entry.clientOrderId, reason: entry.status, data: { causeId: entry.causeId } });
      continue;
    }
    track(s, entry);
  }
  const inFlight = Object.keys(s.orders).length;
  await reconcileInFlight(desk, t, 'all');
  await reconcilePositions(desk, t);
  t.trail.add('reconcile', s.reconcilePending ? 'incomplete' : 'complete', { data: { inFlight, stillOpen: Object.keys(s.orders).length } });
}

function awaitedOf(e: JournalEntry): AwaitedOrder {
  return { clientOrderId: e.clientOrderId, request: e.request, causeId: e.causeId, correlationId: e.correlationId, status: e.status, createdAt: e.createdAt };
}

/** The venue's positions are the truth: a difference is audited and the book takes the venue's size. */
async function reconcilePositions(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  let venue: readonly VenuePosition[];
  try {
    venue = await desk.exchange.positions();
  } catch (error) {
    if (!(error instanceof ExchangeUnavailableError || error instanceof ExchangeHaltedError)) throw error;
    s.reconcilePending = true;
    t.trail.add('reconcile', 'positions-unavailable', { reason: 'venue-unavailable', data: { detail: error.message } });
    return;
  }
  const bySize = new Map(venue.map((p) => [p.token, p]));
  // A token with an order awaiting its cause differs by that order's fills until the cause books them.
  const awaiting = new Set(Object.values(s.awaitingCause).map((a) => a.request.token));
  for (const token of new Set([...Object.keys(s.book), ...bySize.keys()])) {
    if (awaiting.has(token)) continue;
    const ours = s.book[token]?.size ?? 0;
    const theirs = bySize.get(token);
    const size = theirs?.size ?? 0;
    if (Math.abs(ours - size) <= 1e-9 * Math.max(1, Math.abs(size))) continue;
    const prev = s.book[token];
    // Holdings in tokens this deployment does not trade (fee tokens, a spot balance from before) are
    // reported, never adopted: the kill switch must not sell what it was never given to manage.
    if (!prev && desk.universe && !desk.universe.has(token)) {
      t.trail.add('reconcile', 'position-untracked', { token, reason: 'not-traded-here', data: { venue: size } });
      t.log.warn({ audit: 'reconcile', token, venue: size }, 'the venue holds a token this deployment does not trade; left alone');
      continue;
    }
    s.book[token] = {
      size,
      avgEntry: size === 0 ? 0 : theirs && theirs.entryPrice > 0 ? theirs.entryPrice : (prev?.avgEntry ?? 0),
      lastPrice: prev?.lastPrice ?? theirs?.entryPrice ?? 0,
    };
    t.trail.add('reconcile', 'position-adopted', { token, reason: 'position-mismatch', data: { book: ours, venue: size } });
    t.log.error({ audit: 'reconcile', token, book: ours, venue: size }, 'position differs from the venue: the venue is taken as the truth');
  }
}
