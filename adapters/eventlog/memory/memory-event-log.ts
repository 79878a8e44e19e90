// The in-process EventLog: partitioned topics with offsets, key-based partitioning identical to
// Kafka's (murmur2), consumer groups with rebalancing, commits, seek and bounded retention.
// It is the embedded default and behaves like several pods when several runtimes share it.
// Restored from durable storage (restore-memory-log.ts) it continues an earlier incarnation's
// offsets, and a commit journal can keep the groups' commits for the next one.
import { randomUUID } from 'node:crypto';
import { partitionFor } from '../../../runtime/events/partitioner.js';
import {
  tpKey,
  type Consumer,
  type ConsumerOptions,
  type EventLog,
  type LogLineage,
  type LogRestore,
  type RestorableLog,
  type OutgoingRecord,
  type TopicPartition,
  type TopicSpec,
} from '../../../runtime/ports/event-log.js';
import { UnknownTopicError } from '../../../runtime/ports/event-log.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { PartitionLog } from './partition-log.js';

export interface MemoryEventLogOptions {
  /**
   * `committed` (the CLI's default): a partition keeps only what some group that reads its topic
   * has not committed yet, so memory stays flat however long a run lasts; topics no group reads
   * keep `retentionRecords`. `records`: every partition keeps `retentionRecords` (consumers behind
   * them skip ahead, reporting the gap). Default `records`, so specs can read a topic back.
   */
  readonly retention?: 'committed' | 'records';
  readonly retentionRecords?: number;
  /** Told every commit (a journal that keeps them for the next incarnation). */
  readonly onCommit?: (groupId: string, tp: TopicPartition, offset: number) => void;
}

export { UnknownTopicError };

export class MemoryEventLog implements EventLog, RestorableLog {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly retention: 'committed' | 'records';
  private readonly retentionRecords: number;
  private readonly epoch = randomUUID();
  private lineageId: string = this.epoch;
  private readonly kept = new Map<string, number>();
  private nextMember = 0;
  private roundRobin = 0;

  /** Every group reads the same LogRecord objects (see EventLog.sharesRecordValues). */
  readonly sharesRecordValues = true;

  constructor(private readonly options: MemoryEventLogOptions = {}) {
    this.retention = options.retention ?? 'records';
    this.retentionRecords = options.retentionRecords ?? 1_000_000;
  }

  lineage(): LogLineage {
    const kept = this.kept;
    return { id: this.lineageId, epoch: this.epoch, keptBelow: (tp) => kept.get(tpKey(tp)) ?? 0 };
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const { name, partitions } of topics) {
      if (this.topics.has(name)) continue;
      this.topics.set(
        name,
        Array.from({ length: partitions }, (_, p) => new PartitionLog(name, p)),
      );
    }
  }

  /**
   * Continues an earlier incarnation: its lineage id, its partitions' offsets and records still
   * needed, and its groups' commits. Only before the first publish or consumer.
   */
  restore(restore: LogRestore): void {
    if (this.groups.size > 0) throw new Error('restore before any consumer joins');
    this.lineageId = restore.lineageId;
    for (const p of restore.partitions) {
      this.partitionLog(p.tp).restore(p.records, p.from, p.end);
      this.kept.set(tpKey(p.tp), p.end);
    }
    // Every group first: a commit trims below the lowest commit of the groups reading the topic.
    const restored: [MemoryGroup, TopicPartition, number][] = [];
    for (const [groupId, offsets] of restore.commits) {
      const group = this.group(groupId);
      for (const [key, offset] of offsets) {
        const slash = key.lastIndexOf('/');
        const topic = key.slice(0, slash);
        if (!this.topics.has(topic)) continue;
        group.topics.add(topic);
        restored.push([group, { topic, partition: Number(key.slice(slash + 1)) }, offset]);
      }
    }
    for (const [group, tp, offset] of restored) group.commit(tp, offset);
  }

  partitionsOf(topic: string): number {
    return this.partitions(topic).length;
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const partitions = this.partitions(topic);
    const touched = new Set<PartitionLog>();
    const unread = !this.isRead(topic);
    for (const record of records) {
      const p =
        record.partition ??
        (record.key !== undefined
          ? partitionFor(record.key, partitions.length)
          : this.roundRobin++ % partitions.length);
      const log = partitions[p];
      if (!log) throw new RangeError(`partition ${p} does not exist in topic "${topic}"`);
      log.append(record.key, unread ? ownCopy(record.value) : record.value);
      touched.add(log);
    }
    for (const log of touched) {
      if (this.retention === 'records' || unread) log.cap(this.retentionRecords);
      log.wake();
    }
  }

  consumer(options: ConsumerOptions): Consumer {
    for (const t of options.topics) this.partitions(t);
    const group = this.group(options.groupId);
    for (const t of options.topics) group.topics.add(t);
    const memberId = `${options.groupId}-member-${this.nextMember++}`;
    return new MemoryConsumer(memberId, options, group, (tp) => this.partitionLog(tp));
  }

  async committed(groupId: string, tp: TopicPartition): Promise<number | undefined> {
    return this.groups.get(groupId)?.committedOffset(tp);
  }

  async endOffset(tp: TopicPartition): Promise<number> {
    return this.partitionLog(tp).endOffset;
  }

  /** Reads records directly, outside any group (inspection, specs, DLQ tooling). */
  read(tp: TopicPartition, offset = 0, max = Number.MAX_SAFE_INTEGER) {
    return this.partitionLog(tp).read(offset, max);
  }

  /** Records held in memory, over every partition of one topic or of all (retention at work). */
  heldRecords(topic?: string): number {
    let n = 0;
    for (const partitions of topic === undefined ? this.topics.values() : [this.partitions(topic)]) for (const p of partitions) n += p.size;
    return n;
  }

  /** Forgets a group's committed offsets (like `kafka-consumer-groups --delete`); members must be gone. */
  deleteGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  async close(): Promise<void> {
    for (const partitions of this.topics.values()) for (const p of partitions) p.wake();
  }

  private group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryGroup(groupId, (t) => this.partitionsOf(t), (tp, offset) => this.committedBy(groupId, tp, offset));
      this.groups.set(groupId, group);
    }
    return group;
  }

  private committedBy(groupId: string, tp: TopicPartition, offset: number): void {
    this.options.onCommit?.(groupId, tp, offset);
    if (this.retention !== 'committed') return;
    let low = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      if (!group.topics.has(tp.topic)) continue;
      low = Math.min(low, group.committedOffset(tp) ?? Number.NEGATIVE_INFINITY);
    }
    if (Number.isFinite(low)) this.partitionLog(tp).trimBelow(low);
  }

  private isRead(topic: string): boolean {
    for (const group of this.groups.values()) if (group.topics.has(topic)) return true;
    return false;
  }

  private partitions(topic: string): PartitionLog[] {
    const partitions = this.topics.get(topic);
    if (!partitions) throw new UnknownTopicError(topic);
    return partitions;
  }

  private partitionLog(tp: TopicPartition): PartitionLog {
    const log = this.partitions(tp.topic)[tp.partition];
    if (!log) throw new RangeError(`partition ${tp.partition} does not exist in topic "${tp.topic}"`);
    return log;
  }
}

/**
 * A small Buffer is usually a view on a shared 8 KiB pool slab, which stays allocated while any
 * view on it lives. A record of a topic nobody reads outlives the records published with it by far,
 * so it gets a buffer of its own instead of pinning a slab each.
 */
function ownCopy(value: Buffer): Buffer {
  if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  const copy = Buffer.allocUnsafeSlow(value.length);
  value.copy(copy);
  return copy;
}
