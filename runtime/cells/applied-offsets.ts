// What an actor has applied, so redelivered events are skipped: the last offset per source
// partition (log redelivery), and the ids of recent events that other actors emitted (a handler
// re-run after a crash re-emits the same ids, at new offsets).
import type { Envelope, RecordPosition } from '../events/envelope.js';
import { RecentSet } from '../kit/recent-set.js';

export interface AppliedSnapshot {
  readonly applied: Readonly<Record<string, number>>;
  readonly recentIds?: readonly string[];
}


export class AppliedLog {
  /** Last applied offset by topic, then partition: looked up per event without building a `topic/partition` key. */
  private readonly offsets = new Map<string, Map<number, number>>();
  /** Ids of the recent emitted events applied, oldest first out. */
  private readonly recent: RecentSet<string>;

  constructor(
    snapshot: AppliedSnapshot = { applied: {} },
    private readonly recentCapacity = 1024,
  ) {
    for (const [key, offset] of Object.entries(snapshot.applied)) {
      const slash = key.lastIndexOf('/');
      this.set(key.slice(0, slash), Number(key.slice(slash + 1)), offset);
    }
    this.recent = new RecentSet(recentCapacity);
    for (const id of (snapshot.recentIds ?? []).slice(-recentCapacity)) this.recent.add(id);
  }

  /** True when this event was applied before: same partition offset or, if emitted, same id. */
  has(event: Envelope, position: RecordPosition | undefined): boolean {
    if (position) {
      const last = this.offsets.get(position.topic)?.get(position.partition);
      if (last !== undefined && position.offset <= last) return true;
    }
    return event.causationId !== undefined && this.recent.has(event.id);
  }

  mark(event: Envelope, position: RecordPosition | undefined): void {
    if (position) this.set(position.topic, position.partition, position.offset);
    if (event.causationId === undefined) return;
    this.recent.add(event.id);
  }

  /** Marks a position only (a dead-lettered record counts as handled). */
  markPosition(position: RecordPosition | undefined): void {
    if (position) this.set(position.topic, position.partition, position.offset);
  }

  /** Whether anything was applied from a partition (`topic/partition`). */
  hasPartition(key: string): boolean {
    const slash = key.lastIndexOf('/');
    return this.offsets.get(key.slice(0, slash))?.has(Number(key.slice(slash + 1))) ?? false;
  }

  /** Last applied offset per partition, by `topic/partition`. */
  lastOffsets(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [topic, partitions] of this.offsets) for (const [partition, offset] of partitions) out.set(`${topic}/${partition}`, offset);
    return out;
  }

  clone(): AppliedLog {
    return new AppliedLog(this.toSnapshot(), this.recentCapacity);
  }

  toSnapshot(): AppliedSnapshot {
    return { applied: Object.fromEntries(this.lastOffsets()), recentIds: this.recent.values() };
  }

  private set(topic: string, partition: number, offset: number): void {
    let partitions = this.offsets.get(topic);
    if (!partitions) this.offsets.set(topic, (partitions = new Map()));
    partitions.set(partition, offset);
  }
}
