// In-memory OrderJournal for the embedded default and tests: the journal lives as long as the process.
import {
  isInFlight,
  type JournalEntry,
  type JournalIntent,
  type JournalUpdate,
  type OrderJournal,
} from '../../runtime/ports/order-journal.js';

export class MemoryOrderJournal implements OrderJournal {
  private readonly entries = new Map<string, JournalEntry>();

  async begin(intent: JournalIntent): Promise<{ created: boolean; entry: JournalEntry }> {
    const known = this.entries.get(intent.request.clientOrderId);
    if (known) return { created: false, entry: known };
    const entry: JournalEntry = {
      clientOrderId: intent.request.clientOrderId,
      venue: intent.venue,
      request: intent.request,
      causeId: intent.causeId,
      correlationId: intent.correlationId,
      status: 'sending',
      filledSize: 0,
      createdAt: intent.at,
      updatedAt: intent.at,
    };
    this.entries.set(entry.clientOrderId, entry);
    return { created: true, entry };
  }

  async update(clientOrderId: string, update: JournalUpdate): Promise<void> {
    const known = this.entries.get(clientOrderId);
    if (!known) throw new Error(`order ${clientOrderId} is not journaled`);
    this.entries.set(clientOrderId, {
      ...known,
      status: update.status,
      filledSize: update.filledSize ?? known.filledSize,
      ...(update.reason !== undefined ? { reason: update.reason } : {}),
      updatedAt: update.at,
    });
  }

  async get(clientOrderId: string): Promise<JournalEntry | undefined> {
    return this.entries.get(clientOrderId);
  }

  async inFlight(venue: string): Promise<readonly JournalEntry[]> {
    return this.select((e) => e.venue === venue && isInFlight(e.status));
  }

  async createdSince(venue: string, createdAt: number): Promise<readonly JournalEntry[]> {
    return this.select((e) => e.venue === venue && e.createdAt >= createdAt);
  }

  private select(keep: (e: JournalEntry) => boolean): JournalEntry[] {
    return [...this.entries.values()].filter(keep).sort((a, b) => a.createdAt - b.createdAt || (a.clientOrderId < b.clientOrderId ? -1 : 1));
  }
}
