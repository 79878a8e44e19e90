// The EventLog port: partitioned topics with offsets and consumer groups, shaped after Kafka so
// the in-process log (adapters/eventlog/memory) and kafkajs (adapters/eventlog/kafka) both fit.
// Offsets follow Kafka: a committed offset is the offset of the NEXT record to consume.

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface OutgoingRecord {
  /** Records with the same key land on the same partition (murmur2, as Kafka's default). */
  readonly key?: string;
  readonly value: Buffer;
  /** Overrides the key-based partition. */
  readonly partition?: number;
}

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key?: string;
  readonly value: Buffer;
}

/** `topic/partition`: how a partition is named in maps, snapshots and metrics. */
export const positionKey = (p: { topic: string; partition: number }) => `${p.topic}/${p.partition}`;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface Batch extends TopicPartition {
  readonly records: readonly LogRecord[];
}

export interface ConsumerHandlers {
  /** Partitions newly owned by this consumer; called before their first batch. */
  onAssign?(partitions: readonly TopicPartition[]): Promise<void> | void;
  /** Partitions about to be taken away: stop intake, drain, commit. The rebalance waits for it. */
  onRevoke?(partitions: readonly TopicPartition[]): Promise<void> | void;
  /**
   * One batch of one partition, in offset order. The next batch of the same partition is not
   * handed over before this resolves; other partitions run concurrently.
   */
  eachBatch(batch: Batch): Promise<void>;
  /**
   * The position was older than the oldest retained record (Kafka: offset out of range, reset to
   * earliest): records [from, to) were dropped by retention before they were consumed.
   */
  onRetentionGap?(partition: TopicPartition, from: number, to: number): void;
  /** A batch handler threw: the partition stops fetching and the owner decides (restart, fail). */
  onCrash?(error: Error, partition: TopicPartition): void;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where to start when the group has no committed offset. */
  readonly fromBeginning?: boolean;
  readonly maxBatchSize?: number;
  /** Opaque member metadata for the partition assigner (e.g. pod ordinal). */
  readonly memberMetadata?: Record<string, unknown>;
  /** How the group splits partitions (default: contiguous ranges by ordinal). */
  readonly assignment?: 'ranges' | 'single-owner';
}

export interface Consumer {
  readonly memberId: string;
  run(handlers: ConsumerHandlers): Promise<void>;
  /** Commits `offset` (= next offset to read) for a partition of the group. */
  commit(tp: TopicPartition, offset: number): Promise<void>;
  seek(tp: TopicPartition, offset: number): void;
  pause(tps: readonly TopicPartition[]): void;
  resume(tps: readonly TopicPartition[]): void;
  assignment(): TopicPartition[];
  /** Leaves the group (its partitions are revoked and rebalanced) and stops fetching. */
  disconnect(): Promise<void>;
}

/**
 * Which history a log's offsets belong to. A snapshot records the lineage it was taken under; an
 * actor whose snapshot comes from another history, or claims offsets this incarnation rewrote,
 * must not skip records by those offsets (rehydration refuses such a snapshot).
 */
export interface LogLineage {
  /** Names the log's history; an incarnation that continues the same history keeps the id. */
  readonly id: string;
  /** Names this incarnation (process) of the history. */
  readonly epoch: string;
  /**
   * Offsets below this were written by an earlier incarnation and kept as they were; at or above
   * it, this incarnation wrote them (Kafka keeps everything: Infinity).
   */
  keptBelow(tp: TopicPartition): number;
}

export interface EventLog {
  /** The history this log continues (see LogLineage). */
  lineage(): LogLineage;
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  partitionsOf(topic: string): number;
  publish(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  consumer(options: ConsumerOptions): Consumer;
  /** Committed offset of a group for a partition, or undefined. */
  committed(groupId: string, tp: TopicPartition): Promise<number | undefined>;
  /** Offset of the next record to be written to a partition. */
  endOffset(tp: TopicPartition): Promise<number>;
  close(): Promise<void>;
  /**
   * True when every consumer group is handed the very same record values (an in-process log): the
   * runtime then decodes a record once for all its groups. A log whose consumers fetch values of
   * their own (Kafka) leaves it out.
   */
  readonly sharesRecordValues?: boolean;
}

/** One partition as an earlier incarnation left it (see RestorableLog). */
export interface RestoredPartition {
  readonly tp: TopicPartition;
  /** Records still needed, in ascending offsets below `end`; holes are fine. */
  readonly records: readonly LogRecord[];
  /** First offset the partition holds (the oldest any group still needs). */
  readonly from: number;
  /** The next offset to write. */
  readonly end: number;
}

export interface LogRestore {
  /** The lineage id of the history being continued. */
  readonly lineageId: string;
  readonly partitions: readonly RestoredPartition[];
  /** Committed offsets per group: group id -> `topic/partition` -> next offset. */
  readonly commits: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * A log that keeps nothing across processes by itself (the in-process log) continues an earlier
 * incarnation from durable storage: its offsets go on, what a group had not committed comes again.
 */
export interface RestorableLog {
  restore(plan: LogRestore): void;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}

/** Publishing to, or consuming from, a topic that was never created. */
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
  constructor(readonly topic: string) {
    super(`unknown topic "${topic}"`);
  }
}

/** No broker of the event log answered at start-up within the connect timeout (or one refused us for good). */
export class EventLogUnreachableError extends Error {
  override readonly name = 'EventLogUnreachableError';
  constructor(
    readonly brokers: readonly string[],
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Kafka at ${brokers.join(",")} is unreachable: ${detail}`, options);
  }
}

/** One catalog topic the cluster does not have as the catalog says. */
export interface TopicProblem {
  readonly topic: string;
  readonly expectedPartitions: number;
  /** Undefined when the topic does not exist. */
  readonly actualPartitions?: number;
}

/**
 * Topics missing (and not to be created) or with another partition count than the catalog's: keys
 * would land on other partitions than the pods' ranges assume, so the run does not start.
 */
export class TopicCatalogMismatchError extends Error {
  override readonly name = 'TopicCatalogMismatchError';
  /** A configuration problem: the same exit code as invalid settings. */
  readonly exitCode = 2;
  constructor(
    readonly problems: readonly TopicProblem[],
    hint: string,
  ) {
    const n = problems.length;
    super(
      `${n} topic${n === 1 ? ' is' : 's are'} not as the catalog says:\n` +
        problems
          .map((p) => `  - ${p.topic}: ${p.actualPartitions === undefined ? `missing (needs ${p.expectedPartitions} partitions)` : `${p.actualPartitions} partitions, the catalog says ${p.expectedPartitions}`}`)
          .join('\n') +
        `\n${hint}`,
    );
  }
}
