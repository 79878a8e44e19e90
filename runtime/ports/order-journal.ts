// The OrderJournal port: the durable record of every order, written BEFORE the request leaves for the
// venue. A client order id is journaled once; finding it already journaled means the order may have
// been sent, so it is looked up at the venue (reconciled), never sent again.
import type { OrderRequest } from './exchange.js';
import type { AuditRecord, AuditTrail } from './audit-trail.js';

export type JournalStatus =
  /** Journaled, request about to be sent or in flight without an answer yet. */
  | 'sending'
  /** Sent, outcome unknown (timeout, disconnect, 5xx): reconcile by client order id. */
  | 'unresolved'
  | 'open'
  | 'partially-filled'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  /** Reconciled: the venue never received it. Terminal; the order is not resent. */
  | 'not-received';

export const IN_FLIGHT_STATUSES: readonly JournalStatus[] = ['sending', 'unresolved', 'open', 'partially-filled'];

export function isInFlight(status: JournalStatus): boolean {
  return IN_FLIGHT_STATUSES.includes(status);
}

export interface JournalEntry {
  readonly clientOrderId: string;
  readonly venue: string;
  readonly request: OrderRequest;
  /** Id of the event (signal, command) that caused the order. */
  readonly causeId: string;
  readonly correlationId: string;
  readonly status: JournalStatus;
  readonly filledSize: number;
  readonly reason?: string;
  /** ms epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface JournalIntent {
  readonly venue: string;
  readonly request: OrderRequest;
  readonly causeId: string;
  readonly correlationId: string;
  readonly at: number;
}

export interface JournalUpdate {
  readonly status: JournalStatus;
  readonly filledSize?: number;
  readonly reason?: string;
  readonly at: number;
}

export interface OrderJournal {
  /**
   * Journals an order as 'sending'. `created: false` means the client order id was journaled before:
   * the returned entry is the earlier one and the order must not be sent again.
   */
  begin(intent: JournalIntent): Promise<{ readonly created: boolean; readonly entry: JournalEntry }>;
  /**
   * Optional: `begin`, and the audit records appended to `trail`, in one atomic write (one round
   * trip, one commit), for a journal that keeps `trail` in its own database. The records are written
   * only if the order is created now. Answers undefined, having written nothing, when it cannot
   * write to that trail: the caller then begins and appends one after the other.
   */
  beginAudited?(intent: JournalIntent, records: readonly AuditRecord[], trail: AuditTrail): Promise<{ readonly created: boolean; readonly entry: JournalEntry } | undefined>;
  update(clientOrderId: string, update: JournalUpdate): Promise<void>;
  get(clientOrderId: string): Promise<JournalEntry | undefined>;
  /** Orders of a venue still in flight (sending, unresolved, open, partially filled), oldest first. */
  inFlight(venue: string): Promise<readonly JournalEntry[]>;
  /** Orders of a venue created at or after `createdAt` (event time), whatever their status, oldest first. */
  createdSince(venue: string, createdAt: number): Promise<readonly JournalEntry[]>;
}
