// The execution actor (singleton): turns signals and order commands into orders on the Exchange
// port, behind the safety systems. Every order is journaled and its decision audited before it
// leaves; a venue that does not answer leaves the order unresolved, reconciled by its client order
// id and never resent. Fills (in venue answers or streamed by the venue) are booked once by fill id
// and published as trade.executed. On every (re)start, before any new message, it reconciles the
// in-flight orders and the positions with the venue.
import { defineAgent, type RecoveryContext } from '../../runtime/agent/agent.js';
import type { Fill, OrderRequest } from '../../runtime/ports/exchange.js';
import { Signal, type SignalEvent } from '../trading/events.js';
import { AuditRecorder } from './audit-recorder.js';
import { clientOrderId } from './client-order-id.js';
import type { ExecutionSettings } from './config.js';
import { flushAudit, fromJournal, makeDesk, type Desk, type ExecutionPorts, type Turn } from './desk.js';
import { OrderCommand, VenueFill, type OrderCommandEvent, type VenueFillEvent } from './events.js';
import { hardLimitBreach, resetKillSwitch } from './safety/kill-switch.js';
import { afterCancel, engageKillSwitch, flatten } from './kill-switch-flow.js';
import { rollLossWindows } from './safety/loss-windows.js';
import { adoptOverdue, completeAwaited, reconcileAll, reconcileInFlight, submit } from './order-submission.js';
import { publishEntryGates } from './safety/entry-gate.js';
import { bookFills, isTerminal, reconcileDue, settle } from './order-tracking.js';
import { pruneExpired, recordEquity } from './safety/protections.js';
import { approveReview, expireReviews, rejectReview } from './safety/review-queue.js';
import { lossesOf } from './safety/safety-gate.js';
import { fixedFractionSize, kellySize } from './sizing.js';
import { copyState, countRejection, initialExecutionState, markAt, marks, type ExecutionState } from './state.js';
import { idWindowHas } from '../../runtime/kit/id-window.js';

export { initialExecutionState, type ExecutionState } from './state.js';
export { slippageBps } from './ledger.js';
export type { ExecutionPorts } from './desk.js';

/** Signal fields the trading actor may add (LLM path, volatility, returns). */
interface SignalExtras {
  readonly sizeFraction?: number;
  readonly returns?: readonly number[];
}

function entrySize(settings: ExecutionSettings, equity: number, price: number): number {
  const z = settings.sizing;
  return z.mode === 'kelly' ? kellySize(equity, z.kellyWinRate, z.kellyPayoff, z.kellyCap, price) : fixedFractionSize(equity, z.fraction, price);
}

/** Why a new entry for a token cannot be taken now, beyond the pre-trade checks. */
function busy(t: Turn, token: string): string | undefined {
  if (t.s.reconcilePending) return 'reconcile-pending';
  if (Object.values(t.s.orders).some((o) => o.request.token === token)) return 'order-in-flight';
  return undefined;
}

/** Every event: expire reviews, lift expired locks, roll loss windows, retry reconciliation. */
async function housekeeping(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  const expired = expireReviews(s.safety.reviews, t.now);
  if (expired.outcomes.length) {
    s.safety = { ...s.safety, reviews: expired.state };
    for (const o of expired.outcomes) t.trail.add('review', 'expired', { token: o.item.order.token, clientOrderId: o.item.id, reason: 'expired', data: { detail: o.detail } });
  }
  s.safety = { ...s.safety, protections: pruneExpired(s.safety.protections, t.now) };
  // A new day, week or month starts at the equity it opens with, before any check of this event.
  s.safety = { ...s.safety, lossWindows: rollLossWindows(s.safety.lossWindows, marks(s).equity, t.now, desk.settings.timeZone).state };
  if (t.replaying) return;
  await adoptOverdue(desk, t);
  if (s.reconcilePending) await reconcileAll(desk, t);
  else if (Object.values(s.orders).some((o) => reconcileDue(o, t.now, desk.settings.unresolvedGraceMs))) await reconcileInFlight(desk, t, 'due');
}

/** After every event: equity-based protections, the hard limits, and the kill switch's work. */
async function watchLimits(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  const equity = marks(s).equity;
  const rolled = rollLossWindows(s.safety.lossWindows, equity, t.now, desk.settings.timeZone);
  s.safety = { ...s.safety, lossWindows: rolled.state, peakEquity: Math.max(s.safety.peakEquity, equity) };
  const drawdown = recordEquity(s.safety.protections, equity, t.now, desk.protections);
  s.safety = { ...s.safety, protections: drawdown.state };
  for (const lock of drawdown.locks) t.trail.add('protection', 'locked', { reason: lock.reason, data: { ...lock } });
  if (t.halt) await engageKillSwitch(desk, t, 'hard-limit', t.halt);
  if (s.safety.killSwitch.active) return flatten(desk, t);
  const breach = hardLimitBreach(lossesOf(s), { current: equity, peak: s.safety.peakEquity }, desk.settings.hardLimits);
  if (breach) await engageKillSwitch(desk, t, 'hard-limit', `${breach.reason}: ${breach.detail}`);
}

async function onSignal(desk: Desk, t: Turn, event: SignalEvent): Promise<void> {
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
  s.market = { ...s.market, [token]: { price, ts: event.ts, ...(volatility !== undefined ? { volatility } : {}), ...(extras.returns ? { returns: extras.returns } : {}) } };
  const refuse = (reason: string) => {
    countRejection(s, reason);
    t.trail.add('decision', 'REJECT', { token, clientOrderId: clientOrderId(event.id, 'entry'), reason, data: { side, price } });
    t.log.info({ audit: 'pre-trade', cause: t.causeId, token, side, verdict: 'REJECT', reason }, 'pre-trade decision');
  };
  // This signal decided before the process died: its journaled orders are that decision.
  const awaitedExit = s.awaitingCause[clientOrderId(event.id, 'exit')];
  const awaitedEntry = s.awaitingCause[clientOrderId(event.id, 'entry')];
  if (!t.replaying && (awaitedExit || awaitedEntry)) {
    if (awaitedExit) await completeAwaited(desk, t, awaitedExit, 'exit');
    if (awaitedEntry) return completeAwaited(desk, t, awaitedEntry, 'entry');
    // Died between the exit and the entry: the entry is decided as it would have been then.
    if (s.book[token]!.size !== 0) return;
    return enter(desk, t, event, refuse);
  }
  // Its orders were reconciled without it (it came after the grace period): nothing is decided anew.
  if (idWindowHas(s.recentCauses, event.id)) return;
  const held = s.book[token]!.size;
  if (held !== 0 && (held > 0) === (side === 'buy')) return refuse('already-positioned');
  if (Object.values(s.orders).some((o) => o.request.token === token)) return refuse('order-in-flight');
  if (held !== 0) {
    const exit: OrderRequest = { clientOrderId: clientOrderId(event.id, 'exit'), token, side, size: Math.abs(held), price, reduceOnly: true, ts: event.ts };
    await submit(desk, t, exit, 'exit');
    // Never open the other way on top of a position that failed to close.
    if (s.book[token]!.size !== 0) return;
  }
  return enter(desk, t, event, refuse);
}

/** The entry half of a signal, once the token is flat. */
async function enter(desk: Desk, t: Turn, event: SignalEvent, refuse: (reason: string) => void): Promise<void> {
  const { s } = t;
  const token = event.token!;
  const { side, price } = event.data;
  const extras = event.data as SignalExtras;
  const why = busy(t, token);
  if (why) return refuse(why);
  const fraction = Math.min(1, Math.max(0, extras.sizeFraction ?? 1));
  const size = entrySize(desk.settings, marks(s).equity, price) * fraction;
  if (!(size > 0)) return refuse('zero-size');
  await submit(desk, t, { clientOrderId: clientOrderId(event.id, 'entry'), token, side, size, price, reduceOnly: false, ts: event.ts }, 'entry');
}

async function onVenueFill(desk: Desk, t: Turn, event: VenueFillEvent): Promise<void> {
  const { s } = t;
  const d = event.data;
  if (d.venue !== desk.exchange.venue || event.token === undefined) {
    t.trail.add('fill', 'ignored', { clientOrderId: d.clientOrderId, reason: 'other-venue', data: { venue: d.venue } });
    return;
  }
  if (idWindowHas(s.bookedFills, d.fillId)) return;
  // Its order awaits the event that caused it, which books every fill the venue has for it.
  if (s.awaitingCause[d.clientOrderId]) return;
  const fill: Fill = { fillId: d.fillId, clientOrderId: d.clientOrderId, token: event.token, side: d.side, size: d.size, price: d.price, fee: d.fee, ts: event.ts };
  const tracked = s.orders[d.clientOrderId];
  let request: OrderRequest | undefined = tracked?.request;
  if (!request) {
    const entry = await fromJournal(desk, t, 'get', () => desk.journal.get(d.clientOrderId));
    request = entry.ok ? entry.value?.request : undefined;
  }
  if (!request) {
    // Not ours (placed by hand), or the journal cannot say: booked all the same, at its own price,
    // so the book matches the venue.
    t.trail.add('fill', 'unknown-order', { token: fill.token, clientOrderId: fill.clientOrderId, reason: 'unknown-order', data: { ...fill } });
    bookFills(desk, t, { clientOrderId: fill.clientOrderId, token: fill.token, side: fill.side, size: fill.size, price: fill.price, reduceOnly: false, ts: fill.ts }, [fill], false);
    return;
  }
  const booked = bookFills(desk, t, request, [fill], false);
  if (!tracked || booked === 0) return;
  const filledSize = tracked.filledSize + booked;
  const status = isTerminal(tracked.status) ? tracked.status : filledSize >= request.size * (1 - 1e-9) ? 'filled' : 'partially-filled';
  settle(t, request, tracked.purpose, status, filledSize, filledSize);
  if (!t.replaying) await fromJournal(desk, t, 'update', () => desk.journal.update(d.clientOrderId, { status, filledSize, at: t.now }));
}

async function onCancel(desk: Desk, t: Turn, command: Extract<OrderCommandEvent['data'], { action: 'cancel' }>): Promise<void> {
  const { s } = t;
  let request: OrderRequest | undefined = s.orders[command.clientOrderId]?.request;
  if (!request) {
    const entry = await fromJournal(desk, t, 'get', () => desk.journal.get(command.clientOrderId));
    request = entry.ok ? entry.value?.request : undefined;
  }
  if (!request) {
    t.trail.add('order', 'cancel-unknown', { clientOrderId: command.clientOrderId, reason: 'unknown-order', data: { reason: command.reason } });
    return;
  }
  if (t.replaying) return;
  const result = await desk.exchange.cancel(command.clientOrderId, request.token);
  t.trail.add('order', `cancel-${result.outcome}`, { token: request.token, clientOrderId: command.clientOrderId, reason: command.reason, data: { ...result } });
  if (result.outcome === 'confirmed' && result.order) await afterCancel(desk, t, request, result.order);
}

async function onReview(desk: Desk, t: Turn, command: Extract<OrderCommandEvent['data'], { action: 'review' }>): Promise<void> {
  const { s } = t;
  const waiting = s.safety.reviews.items.find((i) => i.id === command.clientOrderId);
  if (waiting && command.decision === 'approve') {
    // An approval goes through the gates a signal would: nothing while the token is busy.
    const why = busy(t, waiting.order.token);
    if (why) {
      t.trail.add('review', 'deferred', { token: waiting.order.token, clientOrderId: waiting.id, reason: why, data: { by: command.by } });
      return;
    }
  }
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
  if (outcome.kind !== 'approved') return;
  const o = outcome.item.order;
  const held = s.book[o.token]?.size ?? 0;
  if (!o.reduceOnly && held !== 0 && (held > 0) === (o.side === 'buy')) {
    countRejection(s, 'already-positioned');
    t.trail.add('decision', 'REJECT', { token: o.token, clientOrderId: o.clientOrderId, reason: 'already-positioned', data: { held } });
    return;
  }
  await submit(desk, t, { clientOrderId: o.clientOrderId, token: o.token, side: o.side, size: o.size, price: o.price, reduceOnly: o.reduceOnly, ts: t.now }, 'approved', { reviewed: true });
}

async function onForceClose(desk: Desk, t: Turn, event: OrderCommandEvent, command: Extract<OrderCommandEvent['data'], { action: 'force-close' }>): Promise<void> {
  const { s } = t;
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
  await submit(desk, t, close, 'force-close');
}

async function onCommand(desk: Desk, t: Turn, event: OrderCommandEvent): Promise<void> {
  const command = event.data;
  switch (command.action) {
    case 'cancel':
      return onCancel(desk, t, command);
    case 'review':
      return onReview(desk, t, command);
    case 'force-close':
      return onForceClose(desk, t, event, command);
    case 'kill-switch': {
      if (command.mode === 'activate') return engageKillSwitch(desk, t, 'operator', `${command.by}: ${command.reason}`);
      const { s } = t;
      const update = resetKillSwitch(s.safety.killSwitch, { by: command.by, reason: command.reason }, t.now);
      s.safety = { ...s.safety, killSwitch: update.state };
      t.trail.add('kill-switch', update.outcome, { reason: command.reason, data: { by: command.by, detail: update.detail } });
      t.log.warn({ audit: 'kill-switch', by: command.by, outcome: update.outcome }, 'kill switch reset');
      return;
    }
  }
}

/** Reconciliation before the first message: what the journal and the venue know, then positions. */
async function recover(desk: Desk, state: ExecutionState, ctx: RecoveryContext): Promise<ExecutionState> {
  const s = copyState(state);
  // Breakers, grace periods and journal times run on event time; a fresh state has none yet.
  const now = s.lastEventTs > 0 ? s.lastEventTs : ctx.now();
  const causeId = `recover:${ctx.actorId}:${now}`;
  const t: Turn = {
    s,
    trail: new AuditRecorder(causeId, causeId, now),
    now,
    causeId,
    correlationId: causeId,
    replaying: false,
    log: ctx.log,
    // Emits here record fills (trade.executed, order.fill): each is named by its fill id and type.
    emit: (type, data, options) => ctx.emit(type, data, { ...options, ts: now, idSeed: `${type.type}:${(data as { fillId?: string }).fillId ?? JSON.stringify(data)}` }),
  };
  await reconcileAll(desk, t, { restart: true });
  await flushAudit(desk, t);
  ctx.log.info({ audit: 'reconcile', pending: s.reconcilePending, open: Object.keys(s.orders).length }, 'reconciled with the venue before taking signals');
  return s;
}

export interface ExecutionOptions {
  /** The tokens this deployment trades (the feed's): venue positions in other tokens are left alone. */
  readonly tokens?: readonly string[];
}

export function executionAgent(settings: ExecutionSettings, ports: ExecutionPorts, options: ExecutionOptions = {}) {
  const desk = makeDesk(settings, ports, options.tokens);
  return defineAgent({
    name: 'execution',
    consumes: [Signal, OrderCommand, VenueFill],
    key: 'singleton',
    // Orders matter and are rare: snapshot after every event.
    snapshotEvery: 1,
    initialState: (): ExecutionState => initialExecutionState(settings.initialBalance),
    recover: (state, ctx) => recover(desk, state, ctx),
    handle: async (state, event, ctx) => {
      const s = copyState(state);
      const t: Turn = {
        s,
        trail: new AuditRecorder(event.id, event.correlationId, event.ts),
        now: ctx.now(),
        causeId: event.id,
        correlationId: event.correlationId,
        replaying: ctx.replaying,
        emit: ctx.emit,
        log: ctx.log,
      };
      await housekeeping(desk, t);
      if (event.type === 'signal') await onSignal(desk, t, event);
      else if (event.type === 'order.fill') await onVenueFill(desk, t, event);
      else await onCommand(desk, t, event);
      await watchLimits(desk, t);
      publishEntryGates(desk, t, (equity, price) => entrySize(settings, equity, price), event.token);
      await flushAudit(desk, t);
      s.lastEventTs = Math.max(s.lastEventTs, event.ts);
      return s;
    },
  });
}
