// The execution actor (singleton): turns signals and order commands into orders on the Exchange
// port, behind the safety systems. Every order is journaled and its decision audited before it
// leaves; a venue that does not answer leaves the order unresolved, reconciled by its client order
// id and never resent. Fills (in order answers or streamed by the venue) are booked once by fill id
// and published as trade.executed. On every (re)start, before any new message, it reconciles the
// in-flight orders and the positions with the venue.
import type { AgentContext, RecoveryContext } from '../../runtime/agent.js';
import { defineAgent } from '../../runtime/agent.js';
import type { AuditLog } from '../../runtime/ports/audit-log.js';
import {
  ExchangeHaltedError,
  ExchangeUnavailableError,
  type Exchange,
  type Fill,
  type OrderRequest,
  type OrderState,
  type VenuePosition,
} from '../../runtime/ports/exchange.js';
import type { JournalEntry, OrderJournal } from '../../runtime/ports/order-journal.js';
import { isInFlight } from '../../runtime/ports/order-journal.js';
import { Signal, type SignalEvent } from '../trading/events.js';
import { AuditTrail } from './audit-trail.js';
import { breakerAllows, recordFailure, recordSuccess, type BreakerTransition } from './circuit-breaker.js';
import { clientOrderId } from './client-order-id.js';
import { OrderCommand, VenueFill, type OrderCommandEvent, type VenueFillEvent } from './events.js';
import { activateKillSwitch, hardLimitBreach, killSwitchPlan, resetKillSwitch, type KillSwitchActor } from './kill-switch.js';
import { bookFill } from './ledger.js';
import { rollLossWindows } from './loss-windows.js';
import { OrderNotSentError, reconcileOrder, sendOrder, type OrderPorts, type SendResult } from './order-flow.js';
import { recordOrder } from './order-rate-limit.js';
import { pruneExpired, recordEquity, recordStopOut, type ProtectionsConfig } from './protections.js';
import { approveReview, enqueueReview, expireReviews, rejectReview } from './review-queue.js';
import { checkOrder, lossesOf, preTradeLimitsOf, type ExecutionSettings } from './safety-gate.js';
import { fixedFractionSize, kellySize } from './sizing.js';
import { copyState, countRejection, markAt, marks, PENDING_AUDIT_CAP, type ExecutionState, type OrderPurpose, type TrackedOrder } from './state.js';

export { initialExecutionState, type ExecutionState } from './state.js';
export { slippageBps } from './ledger.js';

export interface ExecutionPorts {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditLog;
}

/** What a handler works with: its own copy of the state, the audit trail, and how it may talk out. */
interface Turn {
  readonly s: ExecutionState;
  readonly trail: AuditTrail;
  readonly now: number;
  readonly causeId: string;
  readonly correlationId: string;
  /** Rehydrating: look orders up, never send. */
  readonly replaying: boolean;
  readonly emit: AgentContext['emit'];
  readonly log: AgentContext['log'];
}

/** Signal fields the trading actor may add (LLM path, volatility, returns). */
interface SignalExtras {
  readonly sizeFraction?: number;
  readonly returns?: readonly number[];
  readonly origin?: string;
}

const TERMINAL = new Set(['filled', 'cancelled', 'rejected', 'not-received']);

export function executionAgent(settings: ExecutionSettings, ports: ExecutionPorts) {
  const { exchange, journal, audit } = ports;
  const orderPorts: OrderPorts = { exchange, journal, audit };
  const limits = preTradeLimitsOf(settings);
  const protections: ProtectionsConfig = {
    ...(settings.protections.cooldownMs !== undefined ? { cooldown: { cooldownMs: settings.protections.cooldownMs } } : {}),
    ...(settings.protections.stopLossGuard ? { stopLossGuard: settings.protections.stopLossGuard } : {}),
    ...(settings.protections.maxDrawdown ? { maxDrawdown: settings.protections.maxDrawdown } : {}),
  };

  function entrySize(equity: number, price: number): number {
    const z = settings.sizing;
    return z.mode === 'kelly'
      ? kellySize(equity, z.kellyWinRate, z.kellyPayoff, z.kellyCap, price)
      : fixedFractionSize(equity, z.fraction, price);
  }

  function auditBreaker(t: Turn, transition: BreakerTransition | undefined, dependency: string = exchange.venue): void {
    if (!transition) return;
    t.trail.add('breaker', `${transition.from}->${transition.to}`, { reason: transition.reason, data: { dependency, detail: transition.detail } });
    t.log.warn({ audit: 'breaker', dependency, ...transition }, 'circuit breaker changed');
  }

  function storeAnswered(t: Turn, ok: boolean): void {
    const { s } = t;
    const update = ok ? recordSuccess(s.safety.storeBreaker, t.now) : recordFailure(s.safety.storeBreaker, t.now, settings.storeBreaker);
    s.safety = { ...s.safety, storeBreaker: update.state };
    auditBreaker(t, update.transition, 'order-store');
  }

  /**
   * Writes this event's audit records (and any the audit log could not take before). While it is
   * down they are kept in the state, snapshotted, and written first once it is back.
   */
  async function flushAudit(t: Turn): Promise<void> {
    const { s } = t;
    const records = [...s.pendingAudit, ...t.trail.take()];
    if (records.length === 0) return;
    try {
      await audit.append(records);
      s.pendingAudit = [];
      if (s.safety.storeBreaker.status !== 'closed') {
        storeAnswered(t, true);
        await audit.append(t.trail.take()).catch(() => undefined);
      }
    } catch (error) {
      storeAnswered(t, false);
      let keep = [...records, ...t.trail.take()];
      if (keep.length > PENDING_AUDIT_CAP) {
        const dropped = keep.slice(0, keep.length - PENDING_AUDIT_CAP);
        t.log.error({ audit: 'dropped', records: dropped }, `audit log down too long: ${dropped.length} audit records dropped from the buffer (in full here)`);
        keep = keep.slice(-PENDING_AUDIT_CAP);
      }
      s.pendingAudit = keep;
      t.log.error({ err: error, pending: keep.length }, 'audit log unavailable; records kept until it is back');
    }
  }

  function track(t: Turn, request: OrderRequest, purpose: OrderPurpose, order: Pick<OrderState, 'status' | 'filledSize'> | { status: 'unresolved' | 'sending'; filledSize: number }): void {
    const { s } = t;
    if (TERMINAL.has(order.status)) {
      const { [request.clientOrderId]: _gone, ...rest } = s.orders;
      s.orders = rest;
      return;
    }
    const known = s.orders[request.clientOrderId];
    const tracked: TrackedOrder = {
      request,
      purpose: known?.purpose ?? purpose,
      causeId: known?.causeId ?? t.causeId,
      correlationId: known?.correlationId ?? t.correlationId,
      status: order.status,
      filledSize: order.filledSize,
      sentAt: known?.sentAt ?? t.now,
    };
    s.orders = { ...s.orders, [request.clientOrderId]: tracked };
  }

  /** Books fills of an order the venue reported, with the order's reference price. */
  function bookFills(t: Turn, request: OrderRequest, fills: readonly Fill[]): void {
    for (const fill of fills) {
      const booked = bookFill(t.s, fill, { referencePrice: request.price, reduceOnly: request.reduceOnly, venue: exchange.venue }, { emit: t.emit });
      if (!booked) continue;
      t.trail.add('fill', 'booked', {
        token: fill.token,
        clientOrderId: fill.clientOrderId,
        data: { fillId: fill.fillId, side: fill.side, size: fill.size, price: fill.price, fee: fill.fee, referencePrice: request.price, realizedPnl: booked.realizedPnl },
      });
      if (request.reduceOnly && booked.realizedPnl < 0) stopOut(t, fill.token);
    }
  }

  function stopOut(t: Turn, token: string): void {
    const update = recordStopOut(t.s.safety.protections, token, t.now, protections);
    t.s.safety = { ...t.s.safety, protections: update.state };
    for (const lock of update.locks) t.trail.add('protection', 'locked', { token: lock.scope === 'global' ? undefined as never : token, reason: lock.reason, data: { ...lock } });
  }

  /** The venue's view of an order found after the fact: book its fills, track or forget it. */
  function applyVenueOrder(t: Turn, request: OrderRequest, purpose: OrderPurpose, order: OrderState): void {
    bookFills(t, request, order.fills);
    track(t, request, purpose, order);
  }

  /** Pre-trade check, then review queue, or breaker + rate limit + journal + venue. */
  async function submit(t: Turn, request: OrderRequest, purpose: OrderPurpose, options: { reviewed?: boolean } = {}): Promise<void> {
    const { s } = t;
    const ids = { token: request.token, clientOrderId: request.clientOrderId };
    // Journaled before (a redelivered or replayed event): that decision was made and the order may
    // be at the venue; look it up, decide nothing anew.
    const journaled = await journal.get(request.clientOrderId);
    if (journaled) return reconcileJournaled(t, request, purpose, journaled);
    const decision = checkOrder(s, request, t.now, settings, limits);
    const verdict = options.reviewed && decision.verdict === 'MANUAL_REVIEW' ? 'ALLOW' : decision.verdict;
    t.trail.add('decision', verdict, { ...ids, reason: decision.reason, data: { purpose, side: request.side, size: request.size, price: request.price, reduceOnly: request.reduceOnly, detail: decision.detail } });
    t.log.info({ audit: 'pre-trade', cause: t.causeId, ...ids, purpose, verdict, reason: decision.reason, detail: decision.detail }, 'pre-trade decision');
    if (verdict === 'REJECT') {
      countRejection(s, decision.reason);
      return;
    }
    if (verdict === 'MANUAL_REVIEW') {
      s.counters.manualReviews += 1;
      const update = enqueueReview(
        s.safety.reviews,
        {
          order: { token: request.token, side: request.side, size: request.size, price: request.price, reduceOnly: request.reduceOnly, clientOrderId: request.clientOrderId, causeId: t.causeId, correlationId: t.correlationId },
          reason: decision.reason,
          detail: decision.detail,
        },
        t.now,
        settings.review,
      );
      s.safety = { ...s.safety, reviews: update.state };
      for (const o of update.outcomes) t.trail.add('review', o.kind, { token: o.item.order.token, clientOrderId: o.item.id, reason: o.item.reason, data: { detail: o.detail } });
      return;
    }

    // Rehydrating: an order for this event would have been journaled (above); nothing was sent.
    if (t.replaying) return;

    // The journal must take the order before it leaves: no store, no order.
    const storeGate = breakerAllows(s.safety.storeBreaker, t.now, settings.storeBreaker);
    s.safety = { ...s.safety, storeBreaker: storeGate.state };
    auditBreaker(t, storeGate.transition, 'order-store');
    if (!storeGate.allowed) {
      countRejection(s, 'store-unavailable');
      t.trail.add('decision', 'REJECT', { ...ids, reason: 'store-unavailable', data: { detail: storeGate.detail } });
      return;
    }
    const gate = breakerAllows(s.safety.exchangeBreaker, t.now, settings.exchangeBreaker);
    s.safety = { ...s.safety, exchangeBreaker: gate.state };
    auditBreaker(t, gate.transition);
    if (!gate.allowed) {
      countRejection(s, 'breaker-open');
      t.trail.add('decision', 'REJECT', { ...ids, reason: 'breaker-open', data: { detail: gate.detail } });
      return;
    }
    s.safety = { ...s.safety, rateLimit: recordOrder(s.safety.rateLimit, t.now, settings.orderRateLimit) };

    let result: SendResult;
    try {
      result = await sendOrder(orderPorts, request, { causeId: t.causeId, correlationId: t.correlationId, at: t.now }, t.trail);
    } catch (error) {
      if (!(error instanceof OrderNotSentError)) throw error;
      storeAnswered(t, false);
      // The exchange probe claimed above was not used: give it back.
      if (s.safety.exchangeBreaker.status === 'half-open') s.safety = { ...s.safety, exchangeBreaker: { ...s.safety.exchangeBreaker, probeInFlight: false } };
      countRejection(s, 'store-unavailable');
      t.trail.add('decision', 'REJECT', { ...ids, reason: 'store-unavailable', data: { detail: error.message } });
      t.log.error({ audit: 'order', cause: t.causeId, ...ids, err: error }, 'order not sent: the order store is unavailable');
      return;
    }
    storeAnswered(t, true);
    t.log.info({ audit: 'order', cause: t.causeId, ...ids, purpose, outcome: result.kind }, 'order outcome');
    switch (result.kind) {
      case 'confirmed': {
        venueAnswered(t, true);
        if (result.duplicate) s.counters.duplicates += 1;
        else s.counters.orders += 1;
        applyVenueOrder(t, request, purpose, result.order);
        return;
      }
      case 'rejected':
        // A refusal is an answer; a rate-limit refusal means we are too fast: it counts against the venue.
        venueAnswered(t, result.retryAfterMs === undefined);
        countRejection(s, 'venue-rejected');
        if (result.halt) await engageKillSwitch(t, 'hard-limit', `venue ${exchange.venue} halted us: ${result.reason}`);
        return;
      case 'unresolved':
        venueAnswered(t, false);
        s.counters.unresolved += 1;
        track(t, request, purpose, { status: 'unresolved', filledSize: 0 });
        t.log.warn({ audit: 'order', cause: t.causeId, ...ids, reason: result.reason }, 'order unresolved: will reconcile by client order id, never resend');
        return;
      case 'journaled-before':
        s.counters.duplicates += 1;
        if (result.order) applyVenueOrder(t, request, purpose, result.order);
        else if (isInFlight(result.entry.status)) track(t, request, purpose, { status: 'unresolved', filledSize: result.entry.filledSize });
        return;
    }
  }

  async function reconcileJournaled(t: Turn, request: OrderRequest, purpose: OrderPurpose, entry: JournalEntry): Promise<void> {
    t.s.counters.duplicates += 1;
    t.trail.add('order', 'already-journaled', { token: request.token, clientOrderId: request.clientOrderId, reason: entry.status, data: { status: entry.status } });
    const found = await reconcileOrder(orderPorts, entry, t.now, settings.unresolvedGraceMs, t.trail);
    if (found.kind === 'found') applyVenueOrder(t, entry.request, purpose, found.order);
    else if (found.kind === 'pending' && isInFlight(entry.status)) track(t, entry.request, purpose, { status: 'unresolved', filledSize: entry.filledSize });
  }

  function venueAnswered(t: Turn, ok: boolean): void {
    const { s } = t;
    const update = ok ? recordSuccess(s.safety.exchangeBreaker, t.now) : recordFailure(s.safety.exchangeBreaker, t.now, settings.exchangeBreaker);
    s.safety = { ...s.safety, exchangeBreaker: update.state };
    auditBreaker(t, update.transition);
  }

  /** Looks up every order still unresolved; none is ever resent. Leaves reconcilePending set if any stays unknown. */
  async function reconcileInFlight(t: Turn, only: 'due' | 'all'): Promise<void> {
    const { s } = t;
    let pending = false;
    for (const [id, tracked] of Object.entries(s.orders)) {
      if (only === 'due' && !reconcileDue(tracked, t.now)) continue;
      const result = await reconcileOrder(orderPorts, { clientOrderId: id, request: tracked.request, createdAt: tracked.sentAt }, t.now, settings.unresolvedGraceMs, t.trail);
      if (result.kind === 'found') {
        s.counters.reconciled += 1;
        applyVenueOrder(t, tracked.request, tracked.purpose, result.order);
      } else if (result.kind === 'not-received') {
        s.counters.reconciled += 1;
        track(t, tracked.request, tracked.purpose, { status: 'not-received' as never, filledSize: 0 });
      } else if (result.venueUnavailable) {
        pending = true;
      }
      const still = s.orders[id];
      if (still) s.orders = { ...s.orders, [id]: { ...still, checkedAt: t.now } };
    }
    s.reconcilePending = pending;
  }

  /**
   * Unanswered orders are looked up on every event; working orders (open, partially filled) once
   * they are older than the grace period, in case a fill or a cancel never reached us.
   */
  function reconcileDue(o: TrackedOrder, now: number): boolean {
    if (o.status === 'unresolved' || o.status === 'sending') return true;
    return now - (o.checkedAt ?? o.sentAt) >= settings.unresolvedGraceMs;
  }

  async function engageKillSwitch(t: Turn, by: KillSwitchActor, reason: string): Promise<void> {
    const { s } = t;
    const update = activateKillSwitch(s.safety.killSwitch, { by, reason }, t.now);
    s.safety = { ...s.safety, killSwitch: update.state };
    t.trail.add('kill-switch', update.outcome, { reason: by, data: { detail: update.detail, reason } });
    if (update.outcome !== 'activated') return;
    t.log.error({ audit: 'kill-switch', by, reason }, 'kill switch activated: cancelling open orders and closing every position');
    await runKillSwitchPlan(t);
  }

  async function runKillSwitchPlan(t: Turn): Promise<void> {
    const { s } = t;
    const open = Object.entries(s.orders)
      .filter(([, o]) => o.status === 'open' || o.status === 'partially-filled')
      .map(([clientOrderId, o]) => ({ clientOrderId, token: o.request.token }));
    const prices: Record<string, number> = {};
    for (const [token, e] of Object.entries(s.book)) prices[token] = e.lastPrice;
    const plan = killSwitchPlan({ openOrders: open, positions: Object.entries(s.book).map(([token, e]) => ({ token, size: e.size })), prices });
    for (const id of plan.cancels) {
      const token = open.find((o) => o.clientOrderId === id)!.token;
      if (t.replaying) continue;
      const result = await exchange.cancel(id, token);
      t.trail.add('kill-switch', `cancel-${result.outcome}`, { token, clientOrderId: id, data: { ...result } });
      if (result.outcome === 'confirmed' && result.order) applyVenueOrder(t, s.orders[id]!.request, 'kill-close', result.order);
    }
    for (const close of plan.closes) {
      const request: OrderRequest = {
        clientOrderId: clientOrderId(t.causeId, `kill-close:${close.token}`),
        token: close.token,
        side: close.side,
        size: close.size,
        price: close.price,
        reduceOnly: true,
        ts: t.now,
      };
      await submit(t, request, 'kill-close');
    }
    for (const u of plan.unpriced) {
      t.trail.add('kill-switch', 'unpriced-position', { token: u.token, reason: 'no-price', data: { size: u.size } });
      t.log.error({ audit: 'kill-switch', token: u.token, size: u.size }, 'kill switch: no price to close this position');
    }
  }

  /** Every event: expire reviews, lift expired locks, roll loss windows, and retry reconciliation. */
  async function housekeeping(t: Turn): Promise<void> {
    const { s } = t;
    const expired = expireReviews(s.safety.reviews, t.now);
    if (expired.outcomes.length) {
      s.safety = { ...s.safety, reviews: expired.state };
      for (const o of expired.outcomes) t.trail.add('review', 'expired', { token: o.item.order.token, clientOrderId: o.item.id, reason: 'expired', data: { detail: o.detail } });
    }
    s.safety = { ...s.safety, protections: pruneExpired(s.safety.protections, t.now) };
    // A new day, week or month starts at the equity it opens with, before any check of this event.
    s.safety = { ...s.safety, lossWindows: rollLossWindows(s.safety.lossWindows, marks(s).equity, t.now, settings.timeZone).state };
    if (t.replaying) return;
    if (s.reconcilePending) await reconcileAll(t);
    else if (Object.values(s.orders).some((o) => reconcileDue(o, t.now))) await reconcileInFlight(t, 'due');
  }

  /** After every event: equity-based protections and the hard limits that trip the kill switch. */
  async function watchLimits(t: Turn): Promise<void> {
    const { s } = t;
    const equity = marks(s).equity;
    const rolled = rollLossWindows(s.safety.lossWindows, equity, t.now, settings.timeZone);
    s.safety = { ...s.safety, lossWindows: rolled.state, peakEquity: Math.max(s.safety.peakEquity, equity) };
    const drawdown = recordEquity(s.safety.protections, equity, t.now, protections);
    s.safety = { ...s.safety, protections: drawdown.state };
    for (const lock of drawdown.locks) t.trail.add('protection', 'locked', { reason: lock.reason, data: { ...lock } });
    if (s.safety.killSwitch.active) return;
    const breach = hardLimitBreach(lossesOf(s), { current: equity, peak: s.safety.peakEquity }, settings.hardLimits);
    if (breach) await engageKillSwitch(t, 'hard-limit', `${breach.reason}: ${breach.detail}`);
  }

  async function onSignal(t: Turn, event: SignalEvent): Promise<void> {
    const { s } = t;
    s.counters.signals += 1;
    const token = event.token;
    const { side, price } = event.data;
    const extras = event.data as SignalExtras;
    if (token === undefined) {
      countRejection(s, 'missing-token');
      t.trail.add('decision', 'REJECT', { reason: 'missing-token' });
      return;
    }
    markAt(s, token, price);
    const volatility = event.data.indicators['volatility'];
    s.market = {
      ...s.market,
      [token]: { price, ts: event.ts, ...(volatility !== undefined ? { volatility } : {}), ...(extras.returns ? { returns: extras.returns } : {}) },
    };
    const refuse = (reason: string, clientOrderIdOf: string) => {
      countRejection(s, reason);
      t.trail.add('decision', 'REJECT', { token, clientOrderId: clientOrderIdOf, reason, data: { side, price } });
      t.log.info({ audit: 'pre-trade', cause: t.causeId, token, side, verdict: 'REJECT', reason }, 'pre-trade decision');
    };
    const held = s.book[token]!.size;
    if (held !== 0 && (held > 0) === (side === 'buy')) return refuse('already-positioned', clientOrderId(event.id, 'entry'));
    if (Object.values(s.orders).some((o) => o.request.token === token)) return refuse('order-in-flight', clientOrderId(event.id, 'entry'));
    if (held !== 0) {
      const exit: OrderRequest = { clientOrderId: clientOrderId(event.id, 'exit'), token, side, size: Math.abs(held), price, reduceOnly: true, ts: event.ts };
      await submit(t, exit, 'exit');
      // Never open the other way on top of a position that failed to close.
      if (s.book[token]!.size !== 0) return;
    }
    if (s.reconcilePending) return refuse('reconcile-pending', clientOrderId(event.id, 'entry'));
    const fraction = extras.sizeFraction ?? 1;
    const size = entrySize(marks(s).equity, price) * Math.min(1, Math.max(0, fraction));
    if (!(size > 0)) return refuse('zero-size', clientOrderId(event.id, 'entry'));
    const entry: OrderRequest = { clientOrderId: clientOrderId(event.id, 'entry'), token, side, size, price, reduceOnly: false, ts: event.ts };
    await submit(t, entry, 'entry');
  }

  async function onVenueFill(t: Turn, event: VenueFillEvent): Promise<void> {
    const { s } = t;
    const d = event.data;
    if (d.venue !== exchange.venue || event.token === undefined) {
      t.trail.add('fill', 'ignored', { clientOrderId: d.clientOrderId, reason: 'other-venue', data: { venue: d.venue } });
      return;
    }
    const fill: Fill = { fillId: d.fillId, clientOrderId: d.clientOrderId, token: event.token, side: d.side, size: d.size, price: d.price, fee: d.fee, ts: event.ts };
    const tracked = s.orders[d.clientOrderId];
    const request = tracked?.request ?? (await journal.get(d.clientOrderId))?.request;
    if (!request) {
      // Not ours (placed by hand on the account): still booked, so the book matches the venue.
      t.trail.add('fill', 'unknown-order', { token: fill.token, clientOrderId: fill.clientOrderId, reason: 'unknown-order', data: { ...fill } });
      bookFills(t, { clientOrderId: fill.clientOrderId, token: fill.token, side: fill.side, size: fill.size, price: fill.price, reduceOnly: false, ts: fill.ts }, [fill]);
      return;
    }
    const before = s.counters.fills;
    bookFills(t, request, [fill]);
    if (tracked && s.counters.fills > before) {
      const filledSize = tracked.filledSize + fill.size;
      const status = filledSize >= tracked.request.size * (1 - 1e-9) ? 'filled' : 'partially-filled';
      track(t, request, tracked.purpose, { status, filledSize });
      if (!t.replaying) await journal.update(d.clientOrderId, { status, filledSize, at: t.now });
    }
  }

  async function onCommand(t: Turn, event: OrderCommandEvent): Promise<void> {
    const { s } = t;
    const command = event.data;
    switch (command.action) {
      case 'cancel': {
        const token = s.orders[command.clientOrderId]?.request.token ?? (await journal.get(command.clientOrderId))?.request.token;
        if (!token) {
          t.trail.add('order', 'cancel-unknown', { clientOrderId: command.clientOrderId, reason: 'unknown-order', data: { reason: command.reason } });
          return;
        }
        if (t.replaying) return;
        const result = await exchange.cancel(command.clientOrderId, token);
        t.trail.add('order', `cancel-${result.outcome}`, { token, clientOrderId: command.clientOrderId, reason: command.reason, data: { ...result } });
        const tracked = s.orders[command.clientOrderId];
        if (result.outcome === 'confirmed' && result.order && tracked) applyVenueOrder(t, tracked.request, tracked.purpose, result.order);
        return;
      }
      case 'kill-switch':
        if (command.mode === 'activate') {
          await engageKillSwitch(t, 'operator', `${command.by}: ${command.reason}`);
        } else {
          const update = resetKillSwitch(s.safety.killSwitch, { by: command.by, reason: command.reason }, t.now);
          s.safety = { ...s.safety, killSwitch: update.state };
          t.trail.add('kill-switch', update.outcome, { reason: command.reason, data: { by: command.by, detail: update.detail } });
          t.log.warn({ audit: 'kill-switch', by: command.by, outcome: update.outcome }, 'kill switch reset');
        }
        return;
      case 'review': {
        const update =
          command.decision === 'approve'
            ? approveReview(s.safety.reviews, command.clientOrderId, command.by, t.now)
            : rejectReview(s.safety.reviews, command.clientOrderId, command.by, command.reason ?? 'rejected by operator', t.now);
        s.safety = { ...s.safety, reviews: update.state };
        const outcome = update.outcome;
        if (outcome.kind === 'failed') {
          t.trail.add('review', 'failed', { clientOrderId: command.clientOrderId, reason: outcome.reason, data: { by: command.by, detail: outcome.detail } });
          return;
        }
        t.trail.add('review', outcome.kind, { token: outcome.item.order.token, clientOrderId: outcome.item.id, reason: outcome.item.reason, data: { by: command.by, detail: outcome.detail } });
        if (outcome.kind === 'approved') {
          const o = outcome.item.order;
          const request: OrderRequest = { clientOrderId: o.clientOrderId, token: o.token, side: o.side, size: o.size, price: o.price, reduceOnly: o.reduceOnly, ts: t.now };
          await submit(t, request, 'approved', { reviewed: true });
        }
        return;
      }
      case 'force-close': {
        const token = event.token;
        if (token === undefined) {
          t.trail.add('decision', 'REJECT', { reason: 'missing-token', data: { action: 'force-close', reason: command.reason } });
          return;
        }
        markAt(s, token, command.price);
        const held = s.book[token]!.size;
        if (held === 0) {
          t.trail.add('decision', 'nothing-to-close', { token, reason: command.reason });
          return;
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
        await submit(t, close, 'force-close');
        return;
      }
    }
  }

  /**
   * Everything the venue and the journal know that this state may not: every order still in flight,
   * and any journaled since the last event this state saw (a crash after sending, before the state
   * was saved), looked up so their fills are booked; then the positions. Incomplete (the journal
   * or the venue could not be asked): reconcilePending stays set and no new entry is taken.
   */
  async function reconcileAll(t: Turn): Promise<void> {
    const { s } = t;
    let entries: JournalEntry[];
    try {
      entries = [...(await journal.inFlight(exchange.venue))];
      if (s.lastEventTs > 0) entries.push(...(await journal.createdSince(exchange.venue, s.lastEventTs)));
    } catch (error) {
      s.reconcilePending = true;
      storeAnswered(t, false);
      t.trail.add('reconcile', 'journal-unavailable', { reason: 'store-unavailable', data: { detail: (error as Error).message } });
      t.log.error({ err: error }, 'the order journal cannot be read: no new entries until it can');
      return;
    }
    for (const entry of entries) {
      if (s.orders[entry.clientOrderId]) continue;
      s.orders = {
        ...s.orders,
        [entry.clientOrderId]: {
          request: entry.request,
          purpose: 'entry',
          causeId: entry.causeId,
          correlationId: entry.correlationId,
          status: entry.status,
          filledSize: entry.filledSize,
          sentAt: entry.createdAt,
        },
      };
    }
    const inFlight = Object.keys(s.orders).length;
    await reconcileInFlight(t, 'all');
    await reconcilePositions(t);
    t.trail.add('reconcile', s.reconcilePending ? 'incomplete' : 'complete', { data: { inFlight, stillOpen: Object.keys(s.orders).length } });
  }

  /** Reconciliation before the first message: in-flight orders, then positions, with the venue. */
  async function recover(state: ExecutionState, ctx: RecoveryContext): Promise<ExecutionState> {
    const s = copyState(state);
    // Breakers, grace periods and journal times run on event time; a fresh state has none yet.
    const now = s.lastEventTs > 0 ? s.lastEventTs : ctx.now();
    const causeId = `recover:${ctx.actorId}:${now}`;
    const trail = new AuditTrail(causeId, causeId, now);
    const t: Turn = {
      s,
      trail,
      now,
      causeId,
      correlationId: causeId,
      replaying: false,
      log: ctx.log,
      emit: (type, data, options) => ctx.emit(type, data, { ...options, idSeed: `fill:${(data as { fillId?: string }).fillId ?? JSON.stringify(data)}` }),
    };
    await reconcileAll(t);
    await flushAudit(t);
    ctx.log.info({ audit: 'reconcile', pending: s.reconcilePending, open: Object.keys(s.orders).length }, 'reconciled with the venue before taking signals');
    return s;
  }

  /** The venue's positions are the truth: a difference is audited and the book takes the venue's size. */
  async function reconcilePositions(t: Turn): Promise<void> {
    const { s } = t;
    let venue: readonly VenuePosition[];
    try {
      venue = await exchange.positions();
    } catch (error) {
      if (!(error instanceof ExchangeUnavailableError || error instanceof ExchangeHaltedError)) throw error;
      s.reconcilePending = true;
      t.trail.add('reconcile', 'positions-unavailable', { reason: 'venue-unavailable', data: { detail: error.message } });
      return;
    }
    const venueSize = new Map(venue.map((p) => [p.token, p]));
    const tokens = new Set([...Object.keys(s.book), ...venueSize.keys()]);
    for (const token of tokens) {
      const ours = s.book[token]?.size ?? 0;
      const theirs = venueSize.get(token);
      const size = theirs?.size ?? 0;
      if (Math.abs(ours - size) <= 1e-9 * Math.max(1, Math.abs(size))) continue;
      const prev = s.book[token];
      s.book[token] = {
        size,
        avgEntry: size === 0 ? 0 : theirs && theirs.entryPrice > 0 ? theirs.entryPrice : (prev?.avgEntry ?? 0),
        lastPrice: prev?.lastPrice ?? theirs?.entryPrice ?? 0,
      };
      t.trail.add('reconcile', 'position-adopted', { token, reason: 'position-mismatch', data: { book: ours, venue: size } });
      t.log.error({ audit: 'reconcile', token, book: ours, venue: size }, 'position differs from the venue: the venue is taken as the truth');
    }
  }

  return defineAgent({
    name: 'execution',
    consumes: [Signal, OrderCommand, VenueFill],
    key: 'singleton',
    // Orders matter and are rare: snapshot after every event.
    snapshotEvery: 1,
    initialState: (): ExecutionState => initialExecutionStateFor(settings.initialBalance),
    recover,
    handle: async (state, event, ctx) => {
      const s = copyState(state);
      const t: Turn = {
        s,
        trail: new AuditTrail(event.id, event.correlationId, event.ts),
        now: ctx.now(),
        causeId: event.id,
        correlationId: event.correlationId,
        replaying: ctx.replaying,
        emit: ctx.emit,
        log: ctx.log,
      };
      await housekeeping(t);
      if (event.type === 'signal') await onSignal(t, event);
      else if (event.type === 'order.fill') await onVenueFill(t, event);
      else await onCommand(t, event);
      await watchLimits(t);
      await flushAudit(t);
      s.lastEventTs = Math.max(s.lastEventTs, event.ts);
      return s;
    },
  });
}

import { initialExecutionState as initialExecutionStateFor } from './state.js';
