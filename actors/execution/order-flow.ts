// Sending and reconciling orders: the order is journaled (and its decision audited) before the request
// leaves, the venue's answer is one of three outcomes, and an order journaled before is never sent
// again, only looked up. Unresolved orders are reconciled by client order id: what the venue has is
// what happened; an order the venue never saw is closed as not-received after a grace period.
import type { AuditTrail } from '../../runtime/ports/audit-trail.js';
import {
  ExchangeHaltedError,
  ExchangeUnavailableError,
  type Exchange,
  type OrderRequest,
  type OrderState,
  type OrderStatus,
} from '../../runtime/ports/exchange.js';
import type { JournalEntry, JournalStatus, OrderJournal } from '../../runtime/ports/order-journal.js';
import type { AuditRecorder } from './audit-recorder.js';

export interface OrderPorts {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
}

export interface OrderCause {
  readonly causeId: string;
  readonly correlationId: string;
  readonly at: number;
}

/** The journal or the audit log could not record the order before it left: it was not sent. */
export class OrderNotSentError extends Error {
  override readonly name = 'OrderNotSentError';
}

export type SendResult =
  | { readonly kind: 'confirmed'; readonly order: OrderState; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly reason: string; readonly retryAfterMs?: number; readonly halt?: boolean }
  | { readonly kind: 'unresolved'; readonly reason: string }
  /** Journaled before (a retry or a replay): not sent; `order` is what the venue has, if it could be asked. */
  | { readonly kind: 'journaled-before'; readonly entry: JournalEntry; readonly order?: OrderState };

const STATUS_OF: Record<OrderStatus, JournalStatus> = {
  open: 'open',
  'partially-filled': 'partially-filled',
  filled: 'filled',
  cancelled: 'cancelled',
  rejected: 'rejected',
};

export function journalStatusOf(order: OrderState): JournalStatus {
  return STATUS_OF[order.status];
}

/** Journals, audits and sends one order. Only the journal write or the audit write can throw. */
export async function sendOrder(ports: OrderPorts, request: OrderRequest, cause: OrderCause, trail: AuditRecorder): Promise<SendResult> {
  const { exchange, journal } = ports;
  const ids = { token: request.token, clientOrderId: request.clientOrderId };
  const intent = { venue: exchange.venue, request, causeId: cause.causeId, correlationId: cause.correlationId, at: cause.at };
  let begun: Awaited<ReturnType<OrderJournal['begin']>> | undefined;
  let audited = false;
  try {
    // A journal that keeps the audit log in its own database records the order with its audit (the
    // decision, the intent) in one atomic write: one commit before the request leaves, not two.
    if (journal.beginAudited) {
      trail.add('order', 'sent', { ...ids, data: { venue: exchange.venue, request } });
      const records = trail.unwritten();
      try {
        begun = await journal.beginAudited(intent, records, ports.audit);
      } finally {
        audited = begun?.created === true;
        if (audited) trail.written(records.length);
        else trail.retractLast();
      }
    }
    begun ??= await journal.begin(intent);
  } catch (error) {
    throw new OrderNotSentError(`the order journal could not record ${request.clientOrderId}: ${messageOf(error)}`, { cause: error });
  }
  const { created, entry } = begun;
  if (!created) {
    trail.add('order', 'already-journaled', { ...ids, reason: entry.status, data: { status: entry.status } });
    const order = await lookUp(exchange, request.clientOrderId, request.token);
    if (order) {
      await journal.update(request.clientOrderId, { status: journalStatusOf(order), filledSize: order.filledSize, at: cause.at }).catch((error: unknown) => {
        trail.add('order', 'journal-update-failed', { ...ids, reason: 'store-unavailable', data: { detail: messageOf(error) } });
      });
    }
    return { kind: 'journaled-before', entry, ...(order ? { order } : {}) };
  }
  return audited ? placeRecorded(ports, request, cause, trail) : placeJournaled(ports, request, cause, trail);
}

/**
 * Audits and sends an order journaled as 'sending' (just now, or by a process that died before it
 * reached a venue that cannot have received it since). Only the audit write can throw.
 */
export async function placeJournaled(ports: OrderPorts, request: OrderRequest, cause: OrderCause, trail: AuditRecorder): Promise<SendResult> {
  const { journal } = ports;
  const ids = { token: request.token, clientOrderId: request.clientOrderId };
  trail.add('order', 'sent', { ...ids, data: { venue: ports.exchange.venue, request } });
  // The decision and the intent are on record before anything leaves.
  try {
    await trail.flush(ports.audit);
  } catch (error) {
    await journal.update(request.clientOrderId, { status: 'rejected', reason: 'not sent: the audit log is unavailable', at: cause.at }).catch(() => undefined);
    throw new OrderNotSentError(`the audit log could not record ${request.clientOrderId}: ${messageOf(error)}`, { cause: error });
  }
  return placeRecorded(ports, request, cause, trail);
}

/** Sends an order whose journal entry and audit are on record, and records the venue's answer. */
async function placeRecorded(ports: OrderPorts, request: OrderRequest, cause: OrderCause, trail: AuditRecorder): Promise<SendResult> {
  const { exchange, journal } = ports;
  const ids = { token: request.token, clientOrderId: request.clientOrderId };
  const result = await exchange.place(request);
  // From here the order is at the venue (or may be): a journal that cannot take the answer must not
  // lose it. The entry stays 'sending'; reconciliation by client order id sets it right later.
  const journalUpdate = (update: Parameters<OrderJournal['update']>[1]) =>
    journal.update(request.clientOrderId, update).catch((error: unknown) => {
      trail.add('order', 'journal-update-failed', { ...ids, reason: 'store-unavailable', data: { detail: messageOf(error), status: update.status } });
    });
  switch (result.outcome) {
    case 'confirmed': {
      const { order, duplicate } = result;
      await journalUpdate({ status: journalStatusOf(order), filledSize: order.filledSize, at: cause.at });
      trail.add('order', 'confirmed', { ...ids, reason: order.status, data: { status: order.status, filledSize: order.filledSize, duplicate, venueOrderId: order.venueOrderId } });
      return { kind: 'confirmed', order, duplicate };
    }
    case 'rejected':
      await journalUpdate({ status: 'rejected', reason: result.reason, at: cause.at });
      trail.add('order', 'rejected', { ...ids, reason: result.code ?? 'venue-rejected', data: { detail: result.reason, retryAfterMs: result.retryAfterMs, halt: result.halt } });
      return {
        kind: 'rejected',
        reason: result.reason,
        ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
        ...(result.halt ? { halt: true } : {}),
      };
    case 'unresolved':
      await journalUpdate({ status: 'unresolved', reason: result.reason, at: cause.at });
      trail.add('order', 'unresolved', { ...ids, reason: 'no-answer', data: { detail: result.reason } });
      return { kind: 'unresolved', reason: result.reason };
  }
}

export type ReconcileResult =
  | { readonly kind: 'found'; readonly order: OrderState }
  /** Unknown to the venue past the grace period: closed as not-received, never resent. */
  | { readonly kind: 'not-received' }
  /** Unknown to the venue but still within the grace period, or the venue could not be asked. */
  | { readonly kind: 'pending'; readonly reason: string; readonly venueUnavailable: boolean };

/** Asks the venue what became of a journaled order and records the answer in the journal. */
export async function reconcileOrder(
  ports: OrderPorts,
  entry: Pick<JournalEntry, 'clientOrderId' | 'request' | 'createdAt'>,
  now: number,
  graceMs: number,
  trail: AuditRecorder,
): Promise<ReconcileResult> {
  const ids = { token: entry.request.token, clientOrderId: entry.clientOrderId };
  let order: OrderState | undefined;
  try {
    order = await ports.exchange.order(entry.clientOrderId, entry.request.token);
  } catch (error) {
    if (!cannotAsk(error)) throw error;
    trail.add('reconcile', 'venue-unavailable', { ...ids, reason: 'venue-unavailable', data: { detail: error.message } });
    return { kind: 'pending', reason: error.message, venueUnavailable: true };
  }
  if (order) {
    await ports.journal.update(entry.clientOrderId, { status: journalStatusOf(order), filledSize: order.filledSize, at: now }).catch((error: unknown) => {
      trail.add('order', 'journal-update-failed', { ...ids, reason: 'store-unavailable', data: { detail: messageOf(error) } });
    });
    trail.add('reconcile', 'found', { ...ids, reason: order.status, data: { status: order.status, filledSize: order.filledSize, fills: order.fills.length } });
    return { kind: 'found', order };
  }
  if (now - entry.createdAt < graceMs) return { kind: 'pending', reason: 'the venue does not know the order yet', venueUnavailable: false };
  await ports.journal.update(entry.clientOrderId, { status: 'not-received', reason: 'unknown to the venue after the grace period', at: now }).catch((error: unknown) => {
    trail.add('order', 'journal-update-failed', { ...ids, reason: 'store-unavailable', data: { detail: messageOf(error) } });
  });
  trail.add('reconcile', 'not-received', { ...ids, reason: 'not-received', data: { ageMs: now - entry.createdAt } });
  return { kind: 'not-received' };
}

async function lookUp(exchange: Exchange, clientOrderId: string, token: string): Promise<OrderState | undefined> {
  try {
    return await exchange.order(clientOrderId, token);
  } catch (error) {
    if (cannotAsk(error)) return undefined;
    throw error;
  }
}

function cannotAsk(error: unknown): error is Error {
  return error instanceof ExchangeUnavailableError || error instanceof ExchangeHaltedError;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
