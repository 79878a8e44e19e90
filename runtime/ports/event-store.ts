// The EventStore port: every consumed event, persisted once (PostgreSQL in production), with the
// consumed offsets of the writing group recorded in the same transaction, and replay by time
// range, token and type for rehydration, backtests and dashboards.
import type { Envelope } from '../events/envelope.js';
import type { TopicPartition } from './event-log.js';

/** An event as stored: the envelope plus where it was consumed from. */
export interface StoredEvent extends Envelope {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** The next offset to consume for a partition, for one consumer group. */
export interface ConsumedOffset extends TopicPartition {
  readonly groupId: string;
  readonly offset: number;
}

export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly from: number;
  readonly to: number;
}

export interface EventQuery {
  /** Event time, inclusive, ms since epoch. */
  readonly from?: number;
  /** Event time, exclusive. */
  readonly to?: number;
  readonly token?: string;
  readonly types?: readonly string[];
  /** Only events at offsets strictly greater than these (`topic/partition` -> offset). */
  readonly after?: Readonly<Record<string, number>>;
  /** Only events at offsets strictly below these (`topic/partition` -> offset). */
  readonly before?: Readonly<Record<string, number>>;
  /**
   * Only events inside one of these offset ranges (`from` inclusive, `to` exclusive). The
   * index-friendly way to ask for "this actor's partitions, after its snapshot, up to its bound".
   */
  readonly ranges?: readonly OffsetRange[];
  /**
   * `time` (default): by event time, then topic, partition, offset. `offset`: by topic, partition,
   * offset, the order in which a partition was consumed (event time need not follow it).
   */
  readonly order?: 'time' | 'offset';
  /** Rows fetched per round trip while streaming. */
  readonly batchSize?: number;
}

/**
 * The store refused an append because of the data itself (a value its schema cannot hold), not an
 * outage: retrying the same events cannot succeed.
 */
export class EventRejectedError extends Error {
  override readonly name = 'EventRejectedError';
}

export interface EventStore {
  /** Idempotent schema set-up; safe to run at every start. */
  migrate(): Promise<void>;
  /**
   * Appends events (an id already stored is skipped) and records the offsets, in one transaction.
   * Resolves once durable; callers that outrun the store wait here (backpressure).
   */
  append(events: readonly StoredEvent[], offsets: readonly ConsumedOffset[]): Promise<void>;
  /** The recorded next offsets of a group, by `topic/partition`. */
  offsets(groupId: string): Promise<Map<string, number>>;
  /**
   * Streams matching events in (ts, topic, partition, offset) order without loading the range
   * into memory.
   */
  replay(query: EventQuery): AsyncIterable<StoredEvent>;
  /** Which of these event ids are stored (a resumed feed skips those). */
  storedIds(ids: readonly string[]): Promise<Set<string>>;
  /** The recorded next offsets of every group: group id -> `topic/partition` -> offset. */
  allOffsets(): Promise<Map<string, Map<string, number>>>;
  /** How many events are stored per topic. */
  countByTopic(): Promise<Map<string, number>>;
  close(): Promise<void>;
}
