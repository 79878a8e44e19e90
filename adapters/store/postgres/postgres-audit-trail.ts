// AuditTrail on PostgreSQL (table `audit_log`, migration 005): append-only, enforced by a trigger;
// records are inserted in one statement per batch (ten array parameters) and a known id is skipped.
import type pg from 'pg';
import type { AuditKind, AuditTrail, AuditQuery, AuditRecord } from '../../../runtime/ports/audit-trail.js';
import { quoteIdent } from './migrations.js';
import { arrayParameters } from './array-parameters.js';

const COLUMNS = ['id', 'kind', 'action', 'at', 'correlation_id', 'cause_id', 'token', 'client_order_id', 'reason', 'data'];
/** The PostgreSQL type of each of COLUMNS, for the insert's array parameters. */
const ARRAY_TYPES = ['text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'jsonb'];

interface AuditRow {
  id: string;
  kind: AuditKind;
  action: string;
  at: Date;
  correlation_id: string;
  cause_id: string | null;
  token: string | null;
  client_order_id: string | null;
  reason: string | null;
  data: Record<string, unknown>;
}

function recordOf(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    kind: row.kind,
    action: row.action,
    at: row.at.getTime(),
    correlationId: row.correlation_id,
    ...(row.cause_id !== null ? { causeId: row.cause_id } : {}),
    ...(row.token !== null ? { token: row.token } : {}),
    ...(row.client_order_id !== null ? { clientOrderId: row.client_order_id } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    data: row.data,
  };
}

/** Records as one array per column (array-parameters.ts), in COLUMNS order. */
export function auditColumns(records: readonly AuditRecord[]): unknown[][] {
  const columns: unknown[][] = COLUMNS.map(() => []);
  for (const r of records) {
    const row = [r.id, r.kind, r.action, new Date(r.at), r.correlationId, r.causeId ?? null, r.token ?? null, r.clientOrderId ?? null, r.reason ?? null, JSON.stringify(r.data)];
    row.forEach((v, i) => columns[i]!.push(v));
  }
  return columns;
}

/** `INSERT` of records given as auditColumns() from parameter `$first` on, in their order; a known id is skipped. */
export function auditInsertSql(table: string, first: number, condition = ''): string {
  return `INSERT INTO ${table} (${COLUMNS.join(', ')})
    SELECT ${COLUMNS.join(', ')} FROM unnest(${arrayParameters(ARRAY_TYPES, first)}) WITH ORDINALITY AS r(${COLUMNS.join(', ')}, ord) ${condition}
    ORDER BY ord
    ON CONFLICT (id) DO NOTHING`;
}

export class PostgresAuditTrail implements AuditTrail {
  readonly table: string;

  /** The schema must be migrated (PostgresEventStore.migrate) before use. */
  constructor(
    readonly pool: pg.Pool,
    schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.audit_log`;
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.pool.query(auditInsertSql(this.table, 1), auditColumns(records));
  }

  async query(query: AuditQuery = {}): Promise<readonly AuditRecord[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const where = (column: string, value: unknown): void => {
      values.push(value);
      conditions.push(`${column} = $${values.length}`);
    };
    if (query.correlationId !== undefined) where('correlation_id', query.correlationId);
    if (query.clientOrderId !== undefined) where('client_order_id', query.clientOrderId);
    if (query.kind !== undefined) where('kind', query.kind);
    const filter = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const sql =
      query.limit === undefined
        ? `SELECT * FROM ${this.table} ${filter} ORDER BY seq`
        : `SELECT * FROM (SELECT * FROM ${this.table} ${filter} ORDER BY seq DESC LIMIT ${Math.max(0, Math.floor(query.limit))}) recent ORDER BY seq`;
    const { rows } = await this.pool.query<AuditRow>(sql, values);
    return rows.map(recordOf);
  }
}
