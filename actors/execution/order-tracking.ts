// Orders in flight and their fills. An order stays tracked until the venue says it is done AND every
// fill the venue reports for it is booked: a "filled" answer whose fills have not arrived yet keeps
// the order tracked (and the token busy) until they are. Fills learned from a venue answer are also
// recorded as `order.fill` events, so a replay of the log books exactly the same fills.
import type { Fill, OrderRequest, OrderState } from '../../runtime/ports/exchange.js';
import type { JournalStatus } from '../../runtime/ports/order-journal.js';
import type { Desk, Turn } from './desk.js';
import { fillFactId, VenueFill, venueFillData } from './events.js';
import { journalStatusOf } from './order-flow.js';
import { bookFill } from './ledger.js';
import { recordStopOut } from './safety/protections.js';
import type { OrderPurpose, TrackedOrder } from './state.js';

const TERMINAL: ReadonlySet<JournalStatus> = new Set(['filled', 'cancelled', 'rejected', 'not-received']);
const EPSILON = 1e-9;

export function isTerminal(status: JournalStatus): boolean {
  return TERMINAL.has(status);
}

/** The venue reported more filled than we have booked: its fills are still to come. */
export function awaitingFills(o: TrackedOrder): boolean {
  return (o.venueFilledSize ?? 0) > o.filledSize + EPSILON * Math.max(1, o.request.size);
}

/**
 * Records what is known of an order: its status and the size booked (and the size the venue says
 * is filled). A finished order whose fills are all booked is forgotten (the journal keeps it).
 */
export function settle(t: Turn, request: OrderRequest, purpose: OrderPurpose, status: JournalStatus, booked: number, venueFilled?: number): void {
  const { s } = t;
  const id = request.clientOrderId;
  const known = s.orders[id];
  const tracked: TrackedOrder = {
    request,
    purpose: known?.purpose ?? purpose,
    causeId: known?.causeId ?? t.causeId,
    correlationId: known?.correlationId ?? t.correlationId,
    status,
    filledSize: booked,
    sentAt: known?.sentAt ?? t.now,
    ...(venueFilled !== undefined || known?.venueFilledSize !== undefined ? { venueFilledSize: Math.max(venueFilled ?? 0, known?.venueFilledSize ?? 0) } : {}),
    ...(known?.checkedAt !== undefined ? { checkedAt: known.checkedAt } : {}),
  };
  if (isTerminal(status) && !awaitingFills(tracked)) {
    const { [id]: _done, ...rest } = s.orders;
    s.orders = rest;
    return;
  }
  s.orders = { ...s.orders, [id]: tracked };
}

/**
 * Books the fills not booked before, at the order's reference price, and returns the size booked
 * now. `record`: the fills came in a venue answer (not as order.fill events), so each is also
 * recorded as an order.fill event for replays.
 */
export function bookFills(desk: Desk, t: Turn, request: OrderRequest, fills: readonly Fill[], record: boolean): number {
  let booked = 0;
  for (const fill of fills) {
    const done = bookFill(t.s, fill, { referencePrice: request.price, reduceOnly: request.reduceOnly, venue: desk.exchange.venue }, { emit: t.emit });
    if (!done) continue;
    booked += fill.size;
    if (record && !t.replaying) {
      t.emit(VenueFill, venueFillData(desk.exchange.venue, fill), { token: fill.token, fact: { id: fillFactId(desk.exchange.venue, fill.fillId), ts: fill.ts } });
    }
    t.trail.add('fill', 'booked', {
      token: fill.token,
      clientOrderId: fill.clientOrderId,
      data: { fillId: fill.fillId, side: fill.side, size: fill.size, price: fill.price, fee: fill.fee, referencePrice: request.price, realizedPnl: done.realizedPnl },
    });
    if (request.reduceOnly && done.realizedPnl < 0) stopOut(desk, t, fill.token);
  }
  return booked;
}

/** A losing close is a stop-out: the protections may lock the token. */
function stopOut(desk: Desk, t: Turn, token: string): void {
  const update = recordStopOut(t.s.safety.protections, token, t.now, desk.protections);
  t.s.safety = { ...t.s.safety, protections: update.state };
  for (const lock of update.locks) t.trail.add('protection', 'locked', { ...(lock.scope === token ? { token } : {}), reason: lock.reason, data: { ...lock } });
}

/** The venue's view of an order (an answer or a lookup): book its fills, then track or forget it. */
export function applyVenueOrder(desk: Desk, t: Turn, request: OrderRequest, purpose: OrderPurpose, order: OrderState): void {
  const bookedNow = bookFills(desk, t, request, order.fills, true);
  const inAnswer = order.fills.reduce((sum, f) => sum + f.size, 0);
  const booked = Math.max((t.s.orders[request.clientOrderId]?.filledSize ?? 0) + bookedNow, inAnswer);
  settle(t, request, purpose, journalStatusOf(order), booked, order.filledSize);
}

/**
 * Whether to look an order up at the venue on this event: unanswered ones and ones whose fills are
 * still to come every time; working ones (open, partially filled) once per grace period, in case a
 * fill or a cancel never reached us.
 */
export function reconcileDue(o: TrackedOrder, now: number, graceMs: number): boolean {
  if (o.status === 'unresolved' || o.status === 'sending' || awaitingFills(o)) return true;
  return now - (o.checkedAt ?? o.sentAt) >= graceMs;
}
