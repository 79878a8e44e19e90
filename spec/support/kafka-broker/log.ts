// The in-memory log: topics of partitions, each an append-only list of stored record batches with a
// high watermark. Appends wake long-polling fetches through waitForAppend().
import { ProducerSequences } from './producer-sequences.js';
import { setBaseOffset, type RecordBatch } from './record-batch.js';

interface StoredBatch {
  readonly baseOffset: number;
  readonly nextOffset: number;
  readonly maxTimestamp: number;
  readonly bytes: Buffer;
}

export class PartitionLog {
  private readonly batches: StoredBatch[] = [];
  readonly startOffset = 0;
  private end = 0;
  /** Idempotent producers' last batches, to recognise a resent one. */
  readonly sequences = new ProducerSequences();

  /** High watermark: the offset the next record gets. */
  get endOffset(): number {
    return this.end;
  }

  /** Assigns offsets to the batch (patching baseOffset) and stores it; returns its base offset. */
  append(batch: RecordBatch): number {
    const baseOffset = this.end;
    setBaseOffset(batch, baseOffset);
    this.end += batch.offsetCount;
    this.batches.push({ baseOffset, nextOffset: this.end, maxTimestamp: batch.maxTimestamp, bytes: batch.bytes });
    this.sequences.wrote(batch, baseOffset);
    return baseOffset;
  }

  /** Whole batches from the one holding `offset`, at least one, then up to `maxBytes` in total. */
  read(offset: number, maxBytes: number): Buffer {
    let first = this.findBatch(offset);
    if (first < 0) return Buffer.alloc(0);
    const picked: Buffer[] = [];
    let size = 0;
    for (; first < this.batches.length; first++) {
      const bytes = this.batches[first]!.bytes;
      if (picked.length > 0 && size + bytes.length > maxBytes) break;
      picked.push(bytes);
      size += bytes.length;
    }
    return Buffer.concat(picked, size);
  }

  /** First offset of the first batch holding a record at or after `timestamp` (batch granularity). */
  offsetForTimestamp(timestamp: number): number {
    return this.batches.find((batch) => batch.maxTimestamp >= timestamp)?.baseOffset ?? this.end;
  }

  /** Index of the batch containing `offset` (binary search), or -1 at/after the end. */
  private findBatch(offset: number): number {
    let low = 0;
    let high = this.batches.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const batch = this.batches[mid]!;
      if (offset < batch.baseOffset) high = mid - 1;
      else if (offset >= batch.nextOffset) low = mid + 1;
      else return mid;
    }
    return low < this.batches.length ? low : -1;
  }
}

export class Log {
  private readonly topicMap = new Map<string, PartitionLog[]>();
  private readonly configs = new Map<string, ReadonlyMap<string, string | null>>();
  private readonly waiters = new Set<() => void>();

  topics(): string[] {
    return [...this.topicMap.keys()].sort();
  }

  has(topic: string): boolean {
    return this.topicMap.has(topic);
  }

  partitions(topic: string): PartitionLog[] | undefined {
    return this.topicMap.get(topic);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topicMap.get(topic)?.[partition];
  }

  /** Creates the topic; false when it already exists. */
  create(topic: string, partitions: number, configs: ReadonlyMap<string, string | null> = new Map()): boolean {
    if (this.topicMap.has(topic)) return false;
    this.topicMap.set(topic, Array.from({ length: partitions }, () => new PartitionLog()));
    this.configs.set(topic, configs);
    return true;
  }

  /** The configs a topic was created with (CreateTopics config entries). */
  configsOf(topic: string): ReadonlyMap<string, string | null> | undefined {
    return this.configs.get(topic);
  }

  /** Appends and wakes every waiting fetch (they re-check their own partitions). */
  append(topic: string, partition: number, batch: RecordBatch): number {
    const log = this.partition(topic, partition);
    if (log === undefined) throw new Error(`no partition ${topic}/${partition}`);
    const baseOffset = log.append(batch);
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
    return baseOffset;
  }

  /** Resolves on the next append, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      if (signal.aborted) return done();
      signal.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }
}
