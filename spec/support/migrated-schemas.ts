// Fresh, migrated PostgreSQL schemas (database `test`) for specs of the store adapters: each call
// gives a new schema behind its own event store; `dropAll` removes every schema made and closes.
import { randomBytes } from 'node:crypto';
import { PostgresEventStore } from '../../adapters/store/postgres/postgres-event-store.js';

export class MigratedSchemas {
  private readonly made: string[] = [];
  private store: PostgresEventStore | undefined;

  constructor(private readonly prefix: string) {}

  /** A new migrated schema; the event store of the previous one is closed. */
  async fresh(): Promise<{ store: PostgresEventStore; schema: string }> {
    const schema = `${this.prefix}_${randomBytes(4).toString('hex')}`;
    this.made.push(schema);
    await this.store?.close();
    this.store = new PostgresEventStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema });
    await this.store.migrate();
    return { store: this.store, schema };
  }

  async dropAll(): Promise<void> {
    if (!this.store) return;
    for (const s of this.made) await this.store.pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await this.store.close();
  }
}
