// In-memory AuditTrail for the embedded default and tests. Nothing in memory outlives the process, so
// it keeps the newest records only (`capacity`, default 10,000): a run's memory stays flat however
// many decisions it audits. PostgreSQL (`--store postgres`) keeps every record.
import type { AuditTrail, AuditQuery, AuditRecord } from '../../runtime/ports/audit-trail.js';

export interface MemoryAuditLogOptions {
  /** Newest records kept; older ones are dropped in chunks of an eighth (at least 16). */
  readonly capacity?: number;
}

export class MemoryAuditTrail implements AuditTrail {
  private records: AuditRecord[] = [];
  /** Ids of the records kept: a known one is skipped. */
  private readonly ids = new Set<string>();
  private readonly capacity: number;

  constructor(options: MemoryAuditLogOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(this.capacity) || this.capacity <= 0) throw new RangeError(`audit log capacity must be a positive integer, got ${options.capacity}`);
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    for (const r of records) {
      if (this.ids.has(r.id)) continue;
      this.ids.add(r.id);
      // A copy, as a database would keep: later changes to the caller's objects do not rewrite history.
      this.records.push(JSON.parse(JSON.stringify(r)) as AuditRecord);
    }
    if (this.records.length > this.capacity + Math.max(16, this.capacity >> 3)) {
      const drop = this.records.length - this.capacity;
      for (let i = 0; i < drop; i++) this.ids.delete(this.records[i]!.id);
      this.records = this.records.slice(drop);
    }
  }

  async query(query: AuditQuery = {}): Promise<readonly AuditRecord[]> {
    const hits = this.records.filter(
      (r) =>
        (query.correlationId === undefined || r.correlationId === query.correlationId) &&
        (query.clientOrderId === undefined || r.clientOrderId === query.clientOrderId) &&
        (query.kind === undefined || r.kind === query.kind),
    );
    return query.limit === undefined ? hits : hits.slice(-query.limit);
  }
}
