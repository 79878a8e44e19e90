// In-memory AuditLog for the embedded default and tests.
import type { AuditLog, AuditQuery, AuditRecord } from '../../runtime/ports/audit-log.js';

export class MemoryAuditLog implements AuditLog {
  private readonly records: AuditRecord[] = [];
  private readonly ids = new Set<string>();

  async append(records: readonly AuditRecord[]): Promise<void> {
    for (const r of records) {
      if (this.ids.has(r.id)) continue;
      this.ids.add(r.id);
      // A copy, as a database would keep: later changes to the caller's objects do not rewrite history.
      this.records.push(JSON.parse(JSON.stringify(r)) as AuditRecord);
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
