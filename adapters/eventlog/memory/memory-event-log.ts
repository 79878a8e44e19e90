// The in-process EventLog: partitioned topics with offsets, key-based partitioning identical to
// Kafka's (murmur2), consumer groups with rebalancing, commits, seek and bounded retention.
// It is the embedded default and behaves like several pods when several runtimes share it.
import { partitionFor } from '../../../runtime/partitioner.js';
import type {
  Consumer,
  ConsumerOptions,
  EventLog,
  OutgoingRecord,
  TopicPartition,
  TopicSpec,
} from '../../../runtime/ports/event-log.js';
import { UnknownTopicError } from '../../../runtime/ports/event-log.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { PartitionLog } from './partition-log.js';

export interface MemoryEventLogOptions {
  /** Records kept per partition; older ones are dropped (consumers behind them skip ahead). */
  readonly retentionRecords?: number;
}

export { UnknownTopicError };

export class MemoryEventLog implements EventLog {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly retention: number;
  private nextMember = 0;
  private roundRobin = 0;

  constructor(options: MemoryEventLogOptions = {}) {
    this.retention = options.retentionRecords ?? 1_000_000;
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const { name, partitions } of topics) {
      if (this.topics.has(name)) continue;
      this.topics.set(
        name,
        Array.from({ length: partitions }, (_, p) => new PartitionLog(name, p, this.retention)),
      );
    }
  }

  partitionsOf(topic: string): number {
    return this.partitions(topic).length;
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const partitions = this.partitions(topic);
    const touched = new Set<PartitionLog>();
    for (const record of records) {
      const p =
        record.partition ??
        (record.key !== undefined
          ? partitionFor(record.key, partitions.length)
          : this.roundRobin++ % partitions.length);
      const log = partitions[p];
      if (!log) throw new RangeError(`partition ${p} does not exist in topic "${topic}"`);
      log.append(record.key, record.value);
      touched.add(log);
    }
    for (const log of touched) log.wake();
  }

  consumer(options: ConsumerOptions): Consumer {
    for (const t of options.topics) this.partitions(t);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new MemoryGroup(options.groupId, (t) => this.partitionsOf(t));
      this.groups.set(options.groupId, group);
    }
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
