// One partition of the in-process log: an append-only array with offsets, bounded retention and
// long-poll waiters that are woken when records arrive.
import type { LogRecord } from '../../../runtime/ports/event-log.js';

export class PartitionLog {
  private records: LogRecord[] = [];
  private start = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly retention: number,
  ) {}

  get startOffset(): number {
    return this.start;
  }

  get endOffset(): number {
    return this.start + this.records.length;
  }

  append(key: string | undefined, value: Buffer): number {
    const offset = this.endOffset;
    this.records.push({ topic: this.topic, partition: this.partition, offset, key, value });
    // Trim in chunks so retention costs O(1) amortized per append.
    if (this.records.length > this.retention + Math.max(16, this.retention >> 3)) {
      const drop = this.records.length - this.retention;
      this.records = this.records.slice(drop);
      this.start += drop;
    }
    return offset;
  }

  wake(): void {
    if (this.waiters.size === 0) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w();
  }

  /** Records from `offset` (clamped to the retained range), at most `max`. */
  read(offset: number, max: number): LogRecord[] {
    const from = Math.max(offset, this.start) - this.start;
    return this.records.slice(from, from + max);
  }

  /** Resolves when a record at or after `offset` exists, or when `cancel` is called. */
  waitFor(offset: number): { ready: Promise<void>; cancel: () => void } {
    let cancel: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      if (offset < this.endOffset) return resolve();
      const waiter = () => {
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
      cancel = waiter;
    });
    return { ready, cancel };
  }
}
