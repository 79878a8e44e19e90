// Working the kill switch: once active, every event tries again to get flat until it is. Orders
// that could add exposure are cancelled (ours, and any the venue lists); every position with no
// close already working gets a reduce-only close at the latest price, sent even with the exchange
// breaker open. New entries stay refused (pre-trade) until an operator resets the switch.
import { clientOrderId } from './client-order-id.js';
import { fromJournal, type Desk, type Turn } from './desk.js';
import { activateKillSwitch, killSwitchPlan, type KillSwitchActor } from './safety/kill-switch.js';
import { journalStatusOf } from './order-flow.js';
import { submit } from './order-submission.js';
import { applyVenueOrder } from './order-tracking.js';
import type { OrderRequest, OrderState } from '../../runtime/ports/exchange.js';

export async function engageKillSwitch(desk: Desk, t: Turn, by: KillSwitchActor, reason: string): Promise<void> {
  const { s } = t;
  const update = activateKillSwitch(s.safety.killSwitch, { by, reason }, t.now);
  s.safety = { ...s.safety, killSwitch: update.state };
  t.trail.add('kill-switch', update.outcome, { reason: by, data: { detail: update.detail, reason } });
  if (update.outcome !== 'activated') return;
  t.log.error({ audit: 'kill-switch', by, reason }, 'kill switch activated: cancelling open orders and closing every position');
  if (!t.replaying) await cancelVenueOrders(desk, t);
  await flatten(desk, t);
}

/** One pass towards flat; called on activation and on every event while the switch is active. */
export async function flatten(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  if (!s.safety.killSwitch.active) return;
  // Cancels first: their answers may reveal fills, which the closes must then cover.
  const working = Object.entries(s.orders).filter(([, o]) => !o.request.reduceOnly);
  const { cancels } = killSwitchPlan({ openOrders: working.map(([clientOrderId]) => ({ clientOrderId })), positions: [], prices: {} });
  for (const id of t.replaying ? [] : cancels) {
    const request = s.orders[id]!.request;
    const result = await desk.exchange.cancel(id, request.token);
    t.trail.add('kill-switch', `cancel-${result.outcome}`, { token: request.token, clientOrderId: id, data: { ...result } });
    if (result.outcome === 'confirmed' && result.order) await afterCancel(desk, t, request, result.order);
  }
  // A token with a close already working (or unanswered) waits for it.
  const closing = new Set(Object.values(s.orders).filter((o) => o.request.reduceOnly).map((o) => o.request.token));
  const open = Object.entries(s.book).filter(([token]) => !closing.has(token));
  const plan = killSwitchPlan({
    openOrders: [],
    positions: open.map(([token, e]) => ({ token, size: e.size })),
    prices: Object.fromEntries(open.map(([token, e]) => [token, e.lastPrice])),
  });
  for (const close of plan.closes) {
    const request: OrderRequest = { clientOrderId: clientOrderId(t.causeId, `kill-close:${close.token}`), ...close, ts: t.now };
    await submit(desk, t, request, 'kill-close');
  }
  for (const u of plan.unpriced) {
    t.trail.add('kill-switch', 'unpriced-position', { token: u.token, reason: 'no-price', data: { size: u.size } });
    t.log.error({ audit: 'kill-switch', token: u.token, size: u.size }, 'kill switch: no price to close this position');
  }
}

/** Orders the venue lists that we do not track (a previous life's, placed by hand): cancelled too. */
async function cancelVenueOrders(desk: Desk, t: Turn): Promise<void> {
  let listed: readonly OrderState[];
  try {
    listed = await desk.exchange.openOrders();
  } catch (error) {
    t.trail.add('kill-switch', 'open-orders-unavailable', { reason: 'venue-unavailable', data: { detail: (error as Error).message } });
    return;
  }
  for (const o of listed) {
    if (t.s.orders[o.clientOrderId]) continue;
    const result = await desk.exchange.cancel(o.clientOrderId, o.token);
    t.trail.add('kill-switch', `cancel-${result.outcome}`, { token: o.token, clientOrderId: o.clientOrderId, reason: 'untracked', data: { ...result } });
  }
}

/** A cancel's answer: book any fills it reveals, settle the order, update the journal. */
export async function afterCancel(desk: Desk, t: Turn, request: OrderRequest, order: OrderState): Promise<void> {
  const tracked = t.s.orders[request.clientOrderId];
  applyVenueOrder(desk, t, request, tracked?.purpose ?? 'entry', order);
  await fromJournal(desk, t, 'update', () => desk.journal.update(request.clientOrderId, { status: journalStatusOf(order), filledSize: order.filledSize, at: t.now }));
}

