// Collects the audit records of one handled event. Ids derive from the causing event and what the
// record says, so the same decision made again (a retry, a replay) gets the same id and the audit
// trail keeps it once. `flush` writes what was collected since the last flush; `take` hands it over.
import type { AuditKind, AuditTrail, AuditRecord } from '../../runtime/ports/audit-trail.js';
import { deterministicId } from '../../runtime/events/ids.js';

export interface AuditFields {
  readonly token?: string;
  readonly clientOrderId?: string;
  readonly reason?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export class AuditRecorder {
  private pending: AuditRecord[] = [];
  /** The id key of each pending record, so the last one can be taken back. */
  private pendingKeys: string[] = [];
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly causeId: string,
    private readonly correlationId: string,
    private readonly at: number,
  ) {}

  add(kind: AuditKind, action: string, fields: AuditFields = {}): void {
    const key = JSON.stringify([this.causeId, kind, action, fields.clientOrderId ?? '', fields.token ?? '']);
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    this.pendingKeys.push(key);
    this.pending.push({
      id: deterministicId(`${key}#${n}`),
      kind,
      action,
      at: this.at,
      correlationId: this.correlationId,
      causeId: this.causeId,
      ...(fields.token !== undefined ? { token: fields.token } : {}),
      ...(fields.clientOrderId !== undefined ? { clientOrderId: fields.clientOrderId } : {}),
      ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
      data: fields.data ?? {},
    });
  }

  /** Writes what was collected since the last flush; on failure the records stay for the next one. */
  async flush(log: AuditTrail): Promise<void> {
    if (this.pending.length === 0) return;
    const records = this.pending;
    await log.append(records);
    this.written(records.length);
  }

  /** What was collected and not yet written, oldest first (to be written together with something else). */
  unwritten(): readonly AuditRecord[] {
    return this.pending;
  }

  /** The first `count` unwritten records were written (by flush, or together with something else). */
  written(count: number): void {
    this.pending = this.pending.slice(count);
    this.pendingKeys = this.pendingKeys.slice(count);
  }

  /** Takes back the record added last, as if it had never been added: one added later gets its id. */
  retractLast(): void {
    const key = this.pendingKeys.pop();
    if (key === undefined) return;
    this.pending.pop();
    const n = this.seen.get(key)!;
    if (n <= 1) this.seen.delete(key);
    else this.seen.set(key, n - 1);
  }

  /** Hands over what was collected and not yet written (to keep it when the audit log is down). */
  take(): AuditRecord[] {
    const records = this.pending;
    this.pending = [];
    this.pendingKeys = [];
    return records;
  }
}
