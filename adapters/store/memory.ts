// In-memory EventStore: the same contract as PostgreSQL (idempotent append with offsets in the
// same step, ordered replay with filters), for specs of the kernel and small local runs.
import { positionKey } from '../../runtime/ports/event-log.js';
import type { ConsumedOffset, EventQuery, EventStore, StoredEvent } from '../../runtime/ports/event-store.js';

export class MemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly ids = new Set<string>();
  private readonly consumed = new Map<string, Map<string, number>>();
  /** Rows skipped because their id was already stored. */
  duplicates = 0;

  async migrate(): Promise<void> {}

  async append(events: readonly StoredEvent[], offsets: readonly ConsumedOffset[]): Promise<void> {
    for (const e of events) {
      if (this.ids.has(e.id)) {
        this.duplicates++;
        continue;
      }
      this.ids.add(e.id);
      this.events.push(e);
    }
    for (const o of offsets) {
      const group = this.consumed.get(o.groupId) ?? new Map<string, number>();
      group.set(positionKey(o), Math.max(group.get(positionKey(o)) ?? 0, o.offset));
      this.consumed.set(o.groupId, group);
    }
  }

  async offsets(groupId: string): Promise<Map<string, number>> {
    return new Map(this.consumed.get(groupId));
  }

  async *replay(query: EventQuery): AsyncIterable<StoredEvent> {
    const types = query.types ? new Set(query.types) : undefined;
    const matching = this.events.filter((e) => {
      const key = positionKey(e);
      return (
        (query.from === undefined || e.ts >= query.from) &&
        (query.to === undefined || e.ts < query.to) &&
        (query.token === undefined || e.token === query.token) &&
        (!types || types.has(e.type)) &&
        (query.after?.[key] === undefined || e.offset > query.after[key]!) &&
        (query.before?.[key] === undefined || e.offset < query.before[key]!) &&
        (query.ranges === undefined || query.ranges.some((r) => r.topic === e.topic && r.partition === e.partition && e.offset >= r.from && e.offset < r.to))
      );
    });
    const byPosition = (a: StoredEvent, b: StoredEvent) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset;
    matching.sort(query.order === 'offset' ? byPosition : (a, b) => a.ts - b.ts || byPosition(a, b));
    yield* matching;
  }

  async storedIds(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }

  async allOffsets(): Promise<Map<string, Map<string, number>>> {
    return new Map([...this.consumed].map(([group, offsets]) => [group, new Map(offsets)]));
  }

  async countByTopic(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const e of this.events) counts.set(e.topic, (counts.get(e.topic) ?? 0) + 1);
    return counts;
  }

  /** Everything stored, in insertion order (specs). */
  all(): readonly StoredEvent[] {
    return this.events;
  }

  async close(): Promise<void> {}
}
