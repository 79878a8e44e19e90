// What an actor has applied, so redelivered events are skipped: the last offset per source
// partition (log redelivery), and the ids of recent events that other actors emitted (a handler
// re-run after a crash re-emits the same ids, at new offsets).
import type { Envelope, RecordPosition } from '../events/envelope.js';
import { positionKey } from '../ports/event-log.js';

export interface AppliedSnapshot {
  readonly applied: Readonly<Record<string, number>>;
  readonly recentIds?: readonly string[];
}


export class AppliedLog {
  private readonly offsets: Map<string, number>;
  private readonly recent: string[];
  private readonly recentSet: Set<string>;

  constructor(
    snapshot: AppliedSnapshot = { applied: {} },
    private readonly recentCapacity = 1024,
  ) {
    this.offsets = new Map(Object.entries(snapshot.applied));
    this.recent = [...(snapshot.recentIds ?? [])].slice(-recentCapacity);
    this.recentSet = new Set(this.recent);
  }

  /** True when this event was applied before: same partition offset or, if emitted, same id. */
  has(event: Envelope, position: RecordPosition | undefined): boolean {
    if (position) {
      const last = this.offsets.get(positionKey(position));
      if (last !== undefined && position.offset <= last) return true;
    }
    return event.causationId !== undefined && this.recentSet.has(event.id);
  }

  mark(event: Envelope, position: RecordPosition | undefined): void {
    if (position) this.offsets.set(positionKey(position), position.offset);
    if (event.causationId === undefined) return;
    this.recent.push(event.id);
    this.recentSet.add(event.id);
    if (this.recent.length > this.recentCapacity) this.recentSet.delete(this.recent.shift()!);
  }

  /** Marks a position only (a dead-lettered record counts as handled). */
  markPosition(position: RecordPosition | undefined): void {
    if (position) this.offsets.set(positionKey(position), position.offset);
  }

  hasPartition(key: string): boolean {
    return this.offsets.has(key);
  }

  /** Last applied offset per partition. */
  lastOffsets(): ReadonlyMap<string, number> {
    return this.offsets;
  }

  clone(): AppliedLog {
    return new AppliedLog(this.toSnapshot(), this.recentCapacity);
  }

  toSnapshot(): AppliedSnapshot {
    return { applied: Object.fromEntries(this.offsets), recentIds: [...this.recent] };
  }
}
