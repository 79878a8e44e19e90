// In-memory StateStore, the embedded default. Snapshots are kept as JSON so a state that would not
// survive Redis fails here too.
import { lowestApplied, type Snapshot, type StateStore } from '../../runtime/ports/state-store.js';

export class MemoryStateStore implements StateStore {
  private readonly snapshots = new Map<string, string>();

  async load(actorId: string): Promise<Snapshot | undefined> {
    const raw = this.snapshots.get(actorId);
    return raw === undefined ? undefined : (JSON.parse(raw) as Snapshot);
  }

  async save(actorId: string, snapshot: Snapshot): Promise<void> {
    this.snapshots.set(actorId, JSON.stringify(snapshot));
  }

  async delete(actorId: string): Promise<void> {
    this.snapshots.delete(actorId);
  }

  async count(): Promise<number> {
    return this.snapshots.size;
  }

  async appliedFloor(): Promise<Map<string, number>> {
    return lowestApplied([...this.snapshots.values()].map((raw) => JSON.parse(raw) as Snapshot));
  }

  async clear(): Promise<number> {
    const n = this.snapshots.size;
    this.snapshots.clear();
    return n;
  }

  get size(): number {
    return this.snapshots.size;
  }
}
