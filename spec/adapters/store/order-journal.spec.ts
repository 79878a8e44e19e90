// The OrderJournal port, run against the in-memory journal and PostgreSQL (database `test`, a schema of
// its own, dropped afterwards): journaled once, updates kept, in-flight listing, and the race that
// matters: two attempts to journal one client order id, exactly one wins.
import { expect } from 'chai';
import { MemoryOrderJournal } from '../../../adapters/store/memory-order-journal.js';
import { PostgresOrderJournal } from '../../../adapters/store/postgres/postgres-order-journal.js';
import type { OrderRequest } from '../../../runtime/ports/exchange.js';
import type { JournalIntent, OrderJournal } from '../../../runtime/ports/order-journal.js';
import { MigratedSchemas } from '../../support/migrated-schemas.js';
import { PostgresAuditTrail } from '../../../adapters/store/postgres/postgres-audit-trail.js';
import { MemoryAuditTrail } from '../../../adapters/store/memory-audit-trail.js';
import type { AuditRecord } from '../../../runtime/ports/audit-trail.js';

const T0 = 1_700_000_000_000;

function intent(clientOrderId: string, over: Partial<JournalIntent> = {}): JournalIntent {
  const request: OrderRequest = { clientOrderId, token: 'SOL', side: 'buy', size: 1.5, price: 100, reduceOnly: false, ts: T0 };
  return { venue: 'paper', request, causeId: `sig-${clientOrderId}`, correlationId: `corr-${clientOrderId}`, at: T0, ...over };
}

function journalContract(name: string, make: () => Promise<OrderJournal>): void {
  describe(`${name} order journal`, () => {
    let journal: OrderJournal;
    beforeEach(async () => {
      journal = await make();
    });

    it('journals a new order as sending, with its request', async () => {
      const { created, entry } = await journal.begin(intent('rg-a'));
      expect(created).to.equal(true);
      expect(entry).to.deep.include({ clientOrderId: 'rg-a', venue: 'paper', status: 'sending', filledSize: 0, causeId: 'sig-rg-a', correlationId: 'corr-rg-a', createdAt: T0 });
      expect(entry.request).to.deep.equal(intent('rg-a').request);
    });

    it('refuses to journal a client order id twice and returns the first entry', async () => {
      await journal.begin(intent('rg-b'));
      await journal.update('rg-b', { status: 'unresolved', reason: 'timeout', at: T0 + 5 });
      const again = await journal.begin(intent('rg-b', { causeId: 'other', at: T0 + 10 }));
      expect(again.created).to.equal(false);
      expect(again.entry).to.deep.include({ status: 'unresolved', reason: 'timeout', causeId: 'sig-rg-b', updatedAt: T0 + 5 });
    });

    it('lets exactly one of two concurrent attempts journal an order', async () => {
      const results = await Promise.all([journal.begin(intent('rg-race')), journal.begin(intent('rg-race'))]);
      expect(results.map((r) => r.created).sort()).to.deep.equal([false, true]);
    });

    it('keeps status, filled size and reason across updates', async () => {
      await journal.begin(intent('rg-c'));
      await journal.update('rg-c', { status: 'partially-filled', filledSize: 0.5, at: T0 + 1 });
      await journal.update('rg-c', { status: 'filled', filledSize: 1.5, at: T0 + 2 });
      expect(await journal.get('rg-c')).to.deep.include({ status: 'filled', filledSize: 1.5, updatedAt: T0 + 2 });
      expect(await journal.get('rg-missing')).to.equal(undefined);
    });

    it('fails to update an order that was never journaled', async () => {
      let error: unknown;
      try {
        await journal.update('rg-ghost', { status: 'filled', at: T0 });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/rg-ghost is not journaled/);
    });

    it('lists the in-flight orders of a venue, oldest first', async () => {
      await journal.begin(intent('rg-1', { at: T0 + 3 }));
      await journal.begin(intent('rg-2', { at: T0 + 1 }));
      await journal.begin(intent('rg-3', { at: T0 + 2 }));
      await journal.begin(intent('rg-4', { at: T0, venue: 'binance' }));
      await journal.update('rg-3', { status: 'filled', filledSize: 1.5, at: T0 + 4 });
      await journal.update('rg-1', { status: 'unresolved', at: T0 + 4 });
      const ids = (await journal.inFlight('paper')).map((e) => [e.clientOrderId, e.status]);
      expect(ids).to.deep.equal([['rg-2', 'sending'], ['rg-1', 'unresolved']]);
    });

    it('lists the orders of a venue created since a time, whatever their status', async () => {
      await journal.begin(intent('rg-old', { at: T0 - 1 }));
      await journal.begin(intent('rg-new', { at: T0 + 1 }));
      await journal.begin(intent('rg-now', { at: T0 }));
      await journal.begin(intent('rg-other', { at: T0, venue: 'binance' }));
      await journal.update('rg-new', { status: 'filled', filledSize: 1.5, at: T0 + 2 });
      const ids = (await journal.createdSince('paper', T0)).map((e) => [e.clientOrderId, e.status]);
      expect(ids).to.deep.equal([['rg-now', 'sending'], ['rg-new', 'filled']]);
    });
  });
}

journalContract('in-memory', async () => new MemoryOrderJournal());

describe('PostgreSQL order journal', () => {
  const schemas = new MigratedSchemas('regent_journal');
  after(() => schemas.dropAll());
  journalContract('PostgreSQL', async () => {
    const { store, schema } = await schemas.fresh();
    return new PostgresOrderJournal(store.pool, schema);
  });

  describe('begin with its audit records in one write', () => {
    const record = (id: string, action: string, over: Partial<AuditRecord> = {}): AuditRecord => ({
      id, kind: 'order', action, at: T0 + 1, correlationId: 'corr-w', causeId: 'sig-w', token: 'SOL', clientOrderId: 'rg-w', data: { venue: 'paper', n: 1.5, note: 'ünï' }, ...over,
    });
    async function fresh() {
      const { store, schema } = await schemas.fresh();
      return { journal: new PostgresOrderJournal(store.pool, schema), trail: new PostgresAuditTrail(store.pool, schema), store, schema };
    }

    it('journals the order and appends the records, in their order, as the audit trail would', async () => {
      const { journal, trail } = await fresh();
      const records = [record('a-1', 'ALLOW', { kind: 'decision', reason: 'ok' }), record('a-2', 'sent', { causeId: undefined as never })];
      delete (records[1] as { causeId?: string }).causeId;
      const begun = await journal.beginAudited(intent('rg-w'), records, trail);
      expect(begun?.created).to.equal(true);
      expect(begun?.entry).to.deep.include({ clientOrderId: 'rg-w', status: 'sending', createdAt: T0 });
      expect(await trail.query()).to.deep.equal(records);
    });

    it('writes no record when the order was journaled before, and answers the first entry', async () => {
      const { journal, trail } = await fresh();
      await journal.begin(intent('rg-w'));
      const again = await journal.beginAudited(intent('rg-w', { causeId: 'other' }), [record('b-1', 'sent')], trail);
      expect([again?.created, again?.entry.causeId]).to.deep.equal([false, 'sig-rg-w']);
      expect(await trail.query()).to.deep.equal([]);
    });

    it('writes neither the order nor any record when one record cannot be stored', async () => {
      const { journal, trail } = await fresh();
      let error: unknown;
      try {
        await journal.beginAudited(intent('rg-w'), [record('c-1', 'ALLOW'), record('c-2', 'sent', { at: Number.NaN })], trail);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Error);
      expect([await journal.get('rg-w'), await trail.query()]).to.deep.equal([undefined, []]);
    });

    it('answers undefined, writing nothing, for a trail kept elsewhere (another schema, or in memory)', async () => {
      const { journal, store } = await fresh();
      expect(await journal.beginAudited(intent('rg-w'), [record('d-1', 'sent')], new PostgresAuditTrail(store.pool, 'some_other_schema'))).to.equal(undefined);
      expect(await journal.beginAudited(intent('rg-w'), [record('d-2', 'sent')], new MemoryAuditTrail())).to.equal(undefined);
      expect(await journal.get('rg-w')).to.equal(undefined);
    });
  });
});
