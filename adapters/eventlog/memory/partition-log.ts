// One partition of the in-process log: an append-only array of records with offsets, long-poll
// waiters woken when records arrive, and retention that drops records from the front. Offsets are
// dense for what this process appends; a partition restored from durable storage may have holes
// (an event the store kept once, at its first offset), so reads search by offset.
import type { LogRecord } from '../../../runtime/ports/event-log.js';

export class PartitionLog {
  private records: LogRecord[] = [];
  /** First offset still retained. */
  private start = 0;
  /** Offset after the last record there is (see `endOffset`). */
  private end = 0;
  /** Offset the next append gets: `end`, unless a restored partition ended in a hole. */
  private nextWrite = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get startOffset(): number {
    return this.start;
  }

  /**
   * Offset after the last record there is: the next offset to be written, except in a restored
   * partition whose last offsets were holes (consumers caught up with it are then at its end).
   */
  get endOffset(): number {
    return this.end;
  }

  /** The offset the next append gets. */
  get writeOffset(): number {
    return this.nextWrite;
  }

  /** Records currently held. */
  get size(): number {
    return this.records.length;
  }

  /**
   * Starts the partition where an earlier incarnation left it: `records` (ascending offsets, all
   * below `end`) are what it still needs, `end` is the next offset to write.
   */
  restore(records: readonly LogRecord[], from: number, end: number): void {
    if (this.nextWrite !== 0 || this.records.length) throw new Error(`partition ${this.topic}/${this.partition} is not empty; cannot restore it`);
    this.records = [...records];
    this.start = Math.min(from, end);
    this.nextWrite = end;
    this.end = records.length ? records[records.length - 1]!.offset + 1 : this.start;
  }

  append(key: string | undefined, value: Buffer): number {
    const offset = this.nextWrite++;
    this.end = this.nextWrite;
    this.records.push({ topic: this.topic, partition: this.partition, offset, key, value });
    return offset;
  }

  /** Drops records below `offset`; done in chunks so it costs O(1) amortized per record. */
  trimBelow(offset: number): void {
    const target = Math.min(offset, this.end);
    if (target <= this.start) return;
    const drop = this.indexOf(target);
    if (drop < Math.max(64, this.records.length >> 3) && target < this.end) return;
    this.dropFront(drop, target);
  }

  /** Keeps at most `max` records, plus a slack of an eighth (at least 16) so dropping is chunked too. */
  cap(max: number): void {
    if (this.records.length <= max + Math.max(16, max >> 3)) return;
    const drop = this.records.length - max;
    this.dropFront(drop, this.records[drop]!.offset);
  }

  /** Drops the first `count` records; `start` becomes the first offset kept. */
  private dropFront(count: number, start: number): void {
    this.records = this.records.slice(count);
    this.start = start;
  }

  wake(): void {
    if (this.waiters.size === 0) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w();
  }

  /** Records from `offset` (clamped to the retained range), at most `max`. */
  read(offset: number, max: number): LogRecord[] {
    const from = this.indexOf(Math.max(offset, this.start));
    return this.records.slice(from, from + max);
  }

  /** Resolves when a record at or after `offset` exists, or when `cancel` is called. */
  waitFor(offset: number): { ready: Promise<void>; cancel: () => void } {
    let cancel: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      if (offset < this.end && this.records.length > 0) return resolve();
      const waiter = () => {
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
      cancel = waiter;
    });
    return { ready, cancel };
  }

  /** Index of the first record at or after `offset`. */
  private indexOf(offset: number): number {
    const records = this.records;
    if (records.length === 0) return 0;
    const guess = offset - records[0]!.offset;
    if (guess <= 0) return 0;
    if (guess < records.length && records[guess]!.offset === offset) return guess;
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (records[mid]!.offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
