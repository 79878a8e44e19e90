// The in-process log's group commits kept in the store: a commit is written only once the store
// holds what the log held when it was made, so a killed process never leaves a commit past records
// whose emitted events were lost (the next start would skip the records that emit them again).
import { expect } from 'chai';
import { MemoryEventStore } from '../../adapters/store/memory.js';
import { CommitJournal } from '../../runtime/intake/commit-journal.js';
import { silentLogger } from '../../runtime/ports/logger.js';

describe('commit journal', () => {
  it('writes a group commit only once the store holds what the log held, and keeps it until then', async () => {
    const store = new MemoryEventStore();
    let stored = false;
    const journal = new CommitJournal(store, silentLogger, 60_000, async () => stored);
    journal.record('regent', { topic: 'sentiment.updates', partition: 1 }, 42);
    await journal.flush();
    expect([...(await store.offsets('regent'))], 'written before its outputs were stored').to.deep.equal([]);
    expect(journal.pending).to.equal(1);
    stored = true;
    await journal.flush();
    expect([...(await store.offsets('regent'))]).to.deep.equal([['sentiment.updates/1', 42]]);
    expect(journal.pending).to.equal(0);
    await journal.close();
  });
});
