// The AuditTrail port against the in-memory log and PostgreSQL: append order kept, a known id skipped
// (a replayed decision is not recorded twice), queries by correlation id / order / kind, and in
// PostgreSQL the table refuses UPDATE and DELETE.
import { expect } from 'chai';
import { MemoryAuditTrail } from '../../../adapters/store/memory-audit-trail.js';
import { PostgresAuditTrail } from '../../../adapters/store/postgres/postgres-audit-trail.js';
import type { PostgresEventStore } from '../../../adapters/store/postgres/postgres-event-store.js';
import type { AuditTrail, AuditRecord } from '../../../runtime/ports/audit-trail.js';
import { MigratedSchemas } from '../../support/migrated-schemas.js';

const T0 = 1_700_000_000_000;

function record(id: string, over: Partial<AuditRecord> = {}): AuditRecord {
  return { id, kind: 'decision', action: 'ALLOW', at: T0, correlationId: 'corr-1', causeId: 'sig-1', token: 'SOL', clientOrderId: 'rg-1', reason: 'ok', data: { size: 2, nested: { a: [1] } }, ...over };
}

function auditContract(name: string, make: () => Promise<AuditTrail>): void {
  describe(`${name} audit log`, () => {
    let audit: AuditTrail;
    beforeEach(async () => {
      audit = await make();
    });

    it('returns records in append order with every field', async () => {
      await audit.append([record('a'), record('b', { kind: 'order', action: 'sent', reason: undefined as never })]);
      await audit.append([record('c', { kind: 'breaker', action: 'closed->open', token: undefined as never, clientOrderId: undefined as never })]);
      const all = await audit.query();
      expect(all.map((r) => r.id)).to.deep.equal(['a', 'b', 'c']);
      expect(all[0]).to.deep.equal(record('a'));
      expect(all[2]).to.not.have.property('token');
    });

    it('skips a record whose id is already there', async () => {
      await audit.append([record('a')]);
      await audit.append([record('a', { action: 'REJECT' }), record('b')]);
      const all = await audit.query();
      expect(all.map((r) => [r.id, r.action])).to.deep.equal([['a', 'ALLOW'], ['b', 'ALLOW']]);
    });

    it('filters by correlation id, client order id and kind, and keeps the latest with a limit', async () => {
      await audit.append([
        record('1', { correlationId: 'x' }),
        record('2', { correlationId: 'y', kind: 'order' }),
        record('3', { correlationId: 'x', kind: 'order', clientOrderId: 'rg-2' }),
        record('4', { correlationId: 'x', kind: 'fill' }),
      ]);
      expect((await audit.query({ correlationId: 'x' })).map((r) => r.id)).to.deep.equal(['1', '3', '4']);
      expect((await audit.query({ kind: 'order' })).map((r) => r.id)).to.deep.equal(['2', '3']);
      expect((await audit.query({ clientOrderId: 'rg-2' })).map((r) => r.id)).to.deep.equal(['3']);
      expect((await audit.query({ correlationId: 'x', limit: 2 })).map((r) => r.id)).to.deep.equal(['3', '4']);
    });
  });
}

auditContract('in-memory', async () => new MemoryAuditTrail());

describe('in-memory audit log retention', () => {
  it('keeps the newest records up to its capacity (an eighth more before it drops in a chunk), and skips a known id among them', async () => {
    const audit = new MemoryAuditTrail({ capacity: 100 });
    for (let i = 0; i < 1000; i += 10) await audit.append(Array.from({ length: 10 }, (_, j) => record(String(i + j))));
    const kept = (await audit.query()).map((r) => Number(r.id));
    expect(kept.length).to.be.within(100, 116);
    expect(kept).to.deep.equal(Array.from({ length: kept.length }, (_, j) => 1000 - kept.length + j));
    await audit.append([record('999', { action: 'REJECT' }), record('1000')]);
    const latest = await audit.query({ limit: 2 });
    expect(latest.map((r) => [r.id, r.action])).to.deep.equal([['999', 'ALLOW'], ['1000', 'ALLOW']]);
  });

  it('keeps the newest 10,000 by default', async () => {
    const audit = new MemoryAuditTrail();
    await audit.append(Array.from({ length: 12_000 }, (_, i) => record(String(i))));
    const kept = await audit.query();
    expect(kept.length).to.equal(10_000);
    expect(kept[0]!.id).to.equal('2000');
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) expect(() => new MemoryAuditTrail({ capacity }), String(capacity)).to.throw(RangeError, /capacity/);
  });
});

describe('PostgreSQL audit log', () => {
  const schemas = new MigratedSchemas('regent_audit');
  after(() => schemas.dropAll());
  async function fresh(): Promise<{ audit: PostgresAuditTrail; schema: string; store: PostgresEventStore }> {
    const { store, schema } = await schemas.fresh();
    return { audit: new PostgresAuditTrail(store.pool, schema), schema, store };
  }
  auditContract('PostgreSQL', async () => (await fresh()).audit);

  it('refuses UPDATE, DELETE and TRUNCATE: the log is append-only', async () => {
    const { audit, schema, store } = await fresh();
    await audit.append([record('kept')]);
    for (const sql of [`UPDATE "${schema}".audit_log SET action = 'REJECT'`, `DELETE FROM "${schema}".audit_log`, `TRUNCATE "${schema}".audit_log`]) {
      let error: unknown;
      try {
        await store.pool.query(sql);
      } catch (e) {
        error = e;
      }
      expect(String(error), sql).to.match(/append-only/);
    }
    expect((await audit.query()).map((r) => [r.id, r.action])).to.deep.equal([['kept', 'ALLOW']]);
  });
});
