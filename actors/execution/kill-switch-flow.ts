// Working the kill switch: once active, every event tries again to get flat until it is. Orders
// that could add exposure are cancelled (ours, and any the venue lists); every position with no
// close already working gets a reduce-only close at the latest price, sent even with the exchange
// breaker open. New entries stay refused (pre-trade) until an operator resets the switch.
import { clientOrderId } from './client-order-id.js';
import { fromJournal, type Desk, type Turn } from './desk.js';
import { activateKillSwitch, type KillSwitchActor } from './kill-switch.js';
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
  for (const [id, o] of Object.entries(s.orders)) {
    if (o.request.reduceOnly || t.replaying) continue;
    const result = await desk.exchange.cancel(id, o.request.token);
    t.trail.add('kill-switch', `cancel-${result.outcome}`, { token: o.request.token, clientOrderId: id, data: { ...result } });
    if (result.outcome === 'confirmed' && result.order) await afterCancel(desk, t, o.request, result.order);
  }
  for (const [token, e] of Object.entries(s.book)) {
    if (e.size === 0) continue;
    // A close already working (or unanswered) for the token: wait for it.
    if (Object.values(s.orders).some((o) => o.request.token === token && o.request.reduceOnly)) continue;
    if (!(e.lastPrice > 0)) {
      t.trail.add('kill-switch', 'unpriced-position', { token, reason: 'no-price', data: { size: e.size } });
      t.log.error({ audit: 'kill-switch', token, size: e.size }, 'kill switch: no price to close this position');
      continue;
    }
    const close: OrderRequest = {
      clientOrderId: clientOrderId(t.causeId, `kill-close:${token}`),
      token,
      side: e.size > 0 ? 'sell' : 'buy',
      size: Math.abs(e.size),
      price: e.lastPrice,
      reduceOnly: true,
      ts: t.now,
    };
    await submit(desk, t, close, 'kill-close');
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

