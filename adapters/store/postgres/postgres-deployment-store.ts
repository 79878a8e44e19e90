// The DeploymentStore port on PostgreSQL: the run record lives in `<schema>.deployment`, and
// erasing drops the whole schema (events, offsets, orders, the append-only audit log, the paper
// venue's book): the schema is the deployment's, and `--fresh` is asked for in so many words.
import type pg from 'pg';
import type { DeploymentStore, StoredRun } from '../../../runtime/ports/deployment-store.js';
import { quoteIdent } from './migrations.js';

export class PostgresDeploymentStore implements DeploymentStore {
  private readonly s: string;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async read(): Promise<StoredRun | undefined> {
    const { rows } = await this.pool.query<{ run: StoredRun }>(`SELECT run FROM ${this.s}.deployment`);
    return rows[0]?.run;
  }

  async write(run: StoredRun): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.deployment (singleton, run) VALUES (true, $1::jsonb) ON CONFLICT (singleton) DO UPDATE SET run = EXCLUDED.run, updated_at = now()`,
      [JSON.stringify(run)],
    );
  }

  async erase(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.s} CASCADE`);
  }
}
