// What every part of the execution actor works with: the desk (settings and ports, fixed for the
// actor's life) and the turn (one handled event: its own copy of the state, its audit trail, and
// how it may emit). Also the bookkeeping of the two circuit breakers and of the audit log.
import type { AgentContext } from '../../runtime/agent/agent.js';
import type { AuditTrail } from '../../runtime/ports/audit-trail.js';
import type { Exchange } from '../../runtime/ports/exchange.js';
import type { OrderJournal } from '../../runtime/ports/order-journal.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { ExecutionSettings } from './config.js';
import { recordFailure, recordSuccess, type BreakerTransition } from '../../runtime/kit/circuit-breaker.js';
import type { OrderPorts } from './order-flow.js';
import type { PreTradeLimits } from './safety/pre-trade.js';
import type { ProtectionsConfig } from './safety/protections.js';
import { preTradeLimitsOf } from './safety/safety-gate.js';
import { PENDING_AUDIT_CAP, type ExecutionState } from './state.js';

export interface ExecutionPorts {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
}

export interface Desk extends ExecutionPorts {
  readonly settings: ExecutionSettings;
  /** The tokens this deployment trades; a venue position outside them (and the book) is not adopted. */
  readonly universe?: ReadonlySet<string>;
  readonly orderPorts: OrderPorts;
  readonly limits: PreTradeLimits;
  readonly protections: ProtectionsConfig;
}

export interface Turn {
  readonly s: ExecutionState;
  readonly trail: AuditRecorder;
  /** Event time (recovery: the last event time the state saw). */
  readonly now: number;
  readonly causeId: string;
  readonly correlationId: string;
  /** Rehydrating: nothing is sent or looked up; what happened is in the log. */
  readonly replaying: boolean;
  readonly emit: AgentContext['emit'];
  readonly log: AgentContext['log'];
  /** Set when the venue halted us: the kill switch engages once the event is handled. */
  halt?: string;
}

export function makeDesk(settings: ExecutionSettings, ports: ExecutionPorts, tokens?: readonly string[]): Desk {
  const p = settings.protections;
  return {
    ...ports,
    settings,
    ...(tokens ? { universe: new Set(tokens) } : {}),
    orderPorts: ports,
    limits: preTradeLimitsOf(settings),
    protections: {
      ...(p.cooldownMs !== undefined ? { cooldown: { cooldownMs: p.cooldownMs } } : {}),
      ...(p.stopLossGuard ? { stopLossGuard: p.stopLossGuard } : {}),
      ...(p.maxDrawdown ? { maxDrawdown: p.maxDrawdown } : {}),
    },
  };
}

export function auditBreaker(desk: Desk, t: Turn, transition: BreakerTransition | undefined, dependency: string = desk.exchange.venue): void {
  if (!transition) return;
  t.trail.add('breaker', `${transition.from}->${transition.to}`, { reason: transition.reason, data: { dependency, detail: transition.detail } });
  t.log.warn({ audit: 'breaker', dependency, ...transition }, 'circuit breaker changed');
}

/** The venue answered (or did not): feeds the exchange breaker. */
export function venueAnswered(desk: Desk, t: Turn, ok: boolean): void {
  answered(desk, t, 'exchangeBreaker', ok, desk.exchange.venue);
}

/** The journal or audit log answered (or did not): feeds the store breaker. */
export function storeAnswered(desk: Desk, t: Turn, ok: boolean): void {
  answered(desk, t, 'storeBreaker', ok, 'order-store');
}

function answered(desk: Desk, t: Turn, breaker: 'exchangeBreaker' | 'storeBreaker', ok: boolean, dependency: string): void {
  const { s } = t;
  const update = ok ? recordSuccess(s.safety[breaker], t.now) : recordFailure(s.safety[breaker], t.now, desk.settings[breaker]);
  s.safety = { ...s.safety, [breaker]: update.state };
  auditBreaker(desk, t, update.transition, dependency);
}

/** A journal call that must not crash the handler: a failure is counted and audited, and gives `failed`. */
export async function fromJournal<T>(desk: Desk, t: Turn, what: string, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    storeAnswered(desk, t, false);
    t.trail.add('order', 'journal-unavailable', { reason: 'store-unavailable', data: { what, detail: (error as Error).message } });
    t.log.error({ err: error, what }, 'the order journal is unavailable');
    return { ok: false };
  }
}

/**
 * Writes this event's audit records (and any the audit log could not take before). While it is
 * down they are kept in the state, snapshotted, and written first once it is back. A replay writes
 * nothing: it rebuilds state from events whose decisions were audited when they were live, and its
 * records would not match them (a replay books a fill from its recorded order.fill, not from the
 * venue's answer), so the audit log would hold those fills twice.
 */
export async function flushAudit(desk: Desk, t: Turn): Promise<void> {
  const { s } = t;
  if (t.replaying) {
    t.trail.take();
    return;
  }
  const records = [...s.pendingAudit, ...t.trail.take()];
  if (records.length === 0) return;
  try {
    await desk.audit.append(records);
    s.pendingAudit = [];
    if (s.safety.storeBreaker.status !== 'closed') {
      storeAnswered(desk, t, true);
      await desk.audit.append(t.trail.take()).catch(() => undefined);
    }
  } catch (error) {
    storeAnswered(desk, t, false);
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
