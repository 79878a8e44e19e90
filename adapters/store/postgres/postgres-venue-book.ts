// The VenueBook port on PostgreSQL (`<schema>.paper_orders`): one row per order, replaced as it fills.
import type pg from 'pg';
import type { VenueBook, VenueBookEntry } from '../../../runtime/ports/venue-book.js';
import { quoteIdent } from './migrations.js';

export class PostgresVenueBook implements VenueBook {
  private readonly s: string;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async load(): Promise<readonly VenueBookEntry[]> {
    const { rows } = await this.pool.query<{ client_order_id: string; seq: number; record: unknown }>(
      `SELECT client_order_id, seq, record FROM ${this.s}.paper_orders ORDER BY seq`,
    );
    return rows.map((r) => ({ id: r.client_order_id, seq: r.seq, record: r.record }));
  }

  async save(entries: readonly VenueBookEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const tuples = entries.map((e) => {
      values.push(e.id, e.seq, JSON.stringify(e.record));
      const n = values.length;
      return `($${n - 2}, $${n - 1}::int, $${n}::jsonb, now())`;
    });
    await this.pool.query(
      `INSERT INTO ${this.s}.paper_orders (client_order_id, seq, record, updated_at) VALUES ${tuples.join(', ')}
       ON CONFLICT (client_order_id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`,
      values,
    );
  }
}
