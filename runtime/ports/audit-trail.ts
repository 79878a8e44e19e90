// The AuditTrail port (table audit_log in PostgreSQL): an append-only record of every execution
// decision, order, fill, circuit breaker transition, kill-switch action and review, each carrying
// the correlation id of the signal that caused it. Records have deterministic ids, so a replayed handler appends nothing twice.

export type AuditKind = 'decision' | 'order' | 'fill' | 'breaker' | 'kill-switch' | 'protection' | 'review' | 'reconcile';

export interface AuditRecord {
  /** Deterministic: the same decision made again (replay, retry) has the same id. */
  readonly id: string;
  readonly kind: AuditKind;
  /** What happened, e.g. 'REJECT', 'sent', 'confirmed', 'open->half-open', 'activated'. */
  readonly action: string;
  /** Event time, ms epoch. */
  readonly at: number;
  readonly correlationId: string;
  readonly causeId?: string;
  readonly token?: string;
  readonly clientOrderId?: string;
  /** Machine-readable reason, e.g. 'daily-loss-limit'. */
  readonly reason?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  readonly correlationId?: string;
  readonly clientOrderId?: string;
  readonly kind?: AuditKind;
  readonly limit?: number;
}

export interface AuditTrail {
  /** Appends records; a record whose id is already present is skipped. */
  append(records: readonly AuditRecord[]): Promise<void>;
  /** Records in append order. */
  query(query?: AuditQuery): Promise<readonly AuditRecord[]>;
}
