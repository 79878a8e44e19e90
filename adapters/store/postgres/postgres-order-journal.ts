// OrderJournal on PostgreSQL (table `orders`, migration 004). `begin` is one INSERT ... ON CONFLICT DO
// NOTHING, so of two racing attempts for one client order id exactly one journals it and sends.
import type pg from 'pg';
import type { OrderRequest } from '../../../runtime/ports/exchange.js';
import {
  IN_FLIGHT_STATUSES,
  type JournalEntry,
  type JournalIntent,
  type JournalStatus,
  type JournalUpdate,
  type OrderJournal,
} from '../../../runtime/ports/order-journal.js';
import { quoteIdent } from './migrations.js';
import type { AuditRecord, AuditTrail } from '../../../runtime/ports/audit-trail.js';
import { auditColumns, auditInsertSql, PostgresAuditTrail } from './postgres-audit-trail.js';

interface OrderRow {
  client_order_id: string;
  venue: string;
  request: OrderRequest;
  cause_id: string;
  correlation_id: string;
  status: JournalStatus;
  filled_size: number;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function entryOf(row: OrderRow): JournalEntry {
  return {
    clientOrderId: row.client_order_id,
    venue: row.venue,
    request: row.request,
    causeId: row.cause_id,
    correlationId: row.correlation_id,
    status: row.status,
    filledSize: row.filled_size,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
  };
}

export class PostgresOrderJournal implements OrderJournal {
  private readonly table: string;
  private readonly schema: string;

  /** The schema must be migrated (PostgresEventStore.migrate) before use. */
  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.schema = schema;
    this.table = `${quoteIdent(schema)}.orders`;
  }

  async begin(intent: JournalIntent): Promise<{ created: boolean; entry: JournalEntry }> {
    return this.beginWith(intent);
  }

  /** One statement: the order, and the records only if the order was inserted (a data-modifying CTE is one transaction). */
  async beginAudited(intent: JournalIntent, records: readonly AuditRecord[], trail: AuditTrail): Promise<{ created: boolean; entry: JournalEntry } | undefined> {
    const sameDatabase = trail instanceof PostgresAuditTrail && trail.pool === this.pool && trail.table === `${quoteIdent(this.schema)}.audit_log`;
    if (!sameDatabase) return undefined;
    if (records.length === 0) return this.beginWith(intent);
    return this.beginWith(intent, { table: trail.table, columns: auditColumns(records) });
  }

  private async beginWith(intent: JournalIntent, audit?: { table: string; columns: unknown[][] }): Promise<{ created: boolean; entry: JournalEntry }> {
    const r = intent.request;
    const at = new Date(intent.at);
    const insertOrder = `INSERT INTO ${this.table} (client_order_id, venue, token, request, cause_id, correlation_id, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'sending', $7, $7)
       ON CONFLICT (client_order_id) DO NOTHING
       RETURNING *`;
    const values: unknown[] = [r.clientOrderId, intent.venue, r.token, JSON.stringify(r), intent.causeId, intent.correlationId, at];
    const sql = audit
      ? `WITH journaled AS (${insertOrder}), audited AS (${auditInsertSql(audit.table, values.length + 1, 'WHERE EXISTS (SELECT 1 FROM journaled)')}) SELECT * FROM journaled`
      : insertOrder;
    if (audit) values.push(...audit.columns);
    const inserted = await this.pool.query<OrderRow>(sql, values);
    if (inserted.rows[0]) return { created: true, entry: entryOf(inserted.rows[0]) };
    const known = await this.get(r.clientOrderId);
    if (!known) throw new Error(`order ${r.clientOrderId} conflicted on insert but cannot be read`);
    return { created: false, entry: known };
  }

  async update(clientOrderId: string, update: JournalUpdate): Promise<void> {
    const result = await this.pool.query(
      `UPDATE ${this.table}
          SET status = $2, filled_size = COALESCE($3, filled_size), reason = COALESCE($4, reason), updated_at = $5
        WHERE client_order_id = $1`,
      [clientOrderId, update.status, update.filledSize ?? null, update.reason ?? null, new Date(update.at)],
    );
    if (result.rowCount === 0) throw new Error(`order ${clientOrderId} is not journaled`);
  }

  async get(clientOrderId: string): Promise<JournalEntry | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`SELECT * FROM ${this.table} WHERE client_order_id = $1`, [clientOrderId]);
    return rows[0] ? entryOf(rows[0]) : undefined;
  }

  async inFlight(venue: string): Promise<readonly JournalEntry[]> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM ${this.table} WHERE venue = $1 AND status = ANY($2::text[]) ORDER BY created_at, client_order_id`,
      [venue, IN_FLIGHT_STATUSES],
    );
    return rows.map(entryOf);
  }

  async createdSince(venue: string, createdAt: number): Promise<readonly JournalEntry[]> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM ${this.table} WHERE venue = $1 AND created_at >= $2 ORDER BY created_at, client_order_id`,
      [venue, new Date(createdAt)],
    );
    return rows.map(entryOf);
  }
}
