// The store writer: a consumer group of its own that persists every valid event of the catalog's
// topics to the EventStore, recording its consumed offsets in the same transaction; on assignment
// it resumes from the offsets the store holds, so the store is exactly-once even when the log
// redelivers. Invalid records are left to the router, which dead-letters them. An event the store
// refuses for its data (not an outage) is dead-lettered here with the store's reason, so it never
// blocks its partition.
import type { Logger } from 'pino';
import type { ChildSpec } from '../ports/supervision.js';
import { groupConsumer } from './group-consumer.js';
import type { RecordDecoder } from '../events/shared-decoder.js';
import { tpKey, type Batch, type Consumer, type EventLog, type TopicPartition } from '../ports/event-log.js';
import { EventRejectedError, type ConsumedOffset, type EventStore, type StoredEvent } from '../ports/event-store.js';
import type { DeadLetter } from './publisher.js';
import type { Health } from '../observe/health.js';
import type { IdleWatch } from './idle-watch.js';
import { systemClock, type RuntimeClock } from '../ports/clock.js';

export interface StoreWriterOptions {
  readonly eventLog: EventLog;
  readonly eventStore: EventStore;
  readonly types: RecordDecoder;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly maxBatchSize: number;
  readonly shutdownMs: number;
  readonly log: Logger;
  readonly health: Health;
  readonly memberMetadata?: Record<string, unknown>;
  /** Wait between attempts while the store is down: doubling from min to max (ms). */
  readonly retry?: { readonly minMs: number; readonly maxMs: number };
  /** Where events the store refuses go, with the reason. */
  readonly deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Told how far each partition is stored (on assignment and after every append). */
  readonly onStored?: (tp: TopicPartition, next: number) => void;
  /** Woken when a commit lands or partitions are revoked (Runtime.whenIdle with `stored`). */
  readonly idleWatch?: IdleWatch;
  /** Times the retry pauses (default: the system clock). */
  readonly clock?: RuntimeClock;
}

export function storeWriter(options: StoreWriterOptions): ChildSpec {
  // One per incarnation: a stop or kill wakes the retry waits and ends the drain.
  let stopped = new AbortController();
  return groupConsumer({
    onStart: () => {
      stopped = new AbortController();
    },
    onStop: () => stopped.abort(),
    id: 'store-writer',
    eventLog: options.eventLog,
    groupId: options.groupId,
    topics: options.topics,
    maxBatchSize: options.maxBatchSize,
    shutdownMs: options.shutdownMs,
    ...(options.memberMetadata ? { memberMetadata: options.memberMetadata } : {}),
    ...(options.idleWatch ? { idleWatch: options.idleWatch } : {}),
    onAssign: async (consumer, partitions) => {
      const stored = await options.eventStore.offsets(options.groupId);
      for (const tp of partitions) {
        const next = stored.get(tpKey(tp));
        if (next === undefined) continue;
        // A restored in-process log may end in offsets it took over without records (keptBelow).
        const end = Math.max(await options.eventLog.endOffset(tp), options.eventLog.lineage().keptBelow(tp));
        if (next > end) {
          // The store was written from another log (a recreated topic, an in-process log that was not
          // restored from this store): seeking there would skip this log's records without storing them.
          options.log.error(
            { topic: tp.topic, partition: tp.partition, storedOffset: next, logEnd: end },
            'the event store holds offsets past the end of this log (another log incarnation); storing this log from its start instead of skipping',
          );
          continue;
        }
        consumer.seek(tp, next);
        options.onStored?.(tp, next);
      }
    },
    eachBatch: (consumer, batch) => persist(options, consumer, batch, stopped.signal),
    // A graceful stop persists everything already in the log first: with the in-process log
    // nothing would be left to resume from. The supervisor's shutdown timeout bounds the wait: it
    // then kills the writer, which ends the wait and every retry.
    drain: (consumer) => caughtUp(options, consumer, stopped.signal),
  });
}

async function caughtUp(options: StoreWriterOptions, consumer: Consumer, stopped: AbortSignal): Promise<void> {
  const ends = await Promise.all(consumer.assignment().map(async (tp) => [tpKey(tp), await options.eventLog.endOffset(tp)] as const));
  while (!stopped.aborted) {
    // A store that cannot answer now is waited for like one that has not caught up yet.
    const stored = await options.eventStore.offsets(options.groupId).catch(() => undefined);
    if (stored && ends.every(([k, end]) => end === 0 || (stored.get(k) ?? 0) >= end)) return;
    await pause(stored ? 20 : 200, stopped, options.clock ?? systemClock);
  }
}

async function persist(options: StoreWriterOptions, consumer: Consumer, batch: Batch, stopped: AbortSignal): Promise<void> {
  const events: StoredEvent[] = [];
  for (const record of batch.records) {
    try {
      const envelope = options.types.decode(record.value);
      events.push({ ...envelope, topic: batch.topic, partition: batch.partition, offset: record.offset });
    } catch {
      // Not an event: the router dead-letters it with the reason; the store keeps events only.
    }
  }
  const next = batch.records[batch.records.length - 1]!.offset + 1;
  const offsets = [{ groupId: options.groupId, topic: batch.topic, partition: batch.partition, offset: next }];
  // The append is all-or-nothing and idempotent, so while the store is down the same batch is
  // simply tried again (the partition waits; the actors go on). A stop ends the wait and the
  // retries: the next writer resumes from the offsets in the store.
  const { minMs, maxMs } = options.retry ?? { minMs: 500, maxMs: 10_000 };
  for (let delay = minMs; ; delay = Math.min(maxMs, delay * 2)) {
    try {
      await appendOrIsolate(options, events, offsets);
      options.health.recover('event-store');
      break;
    } catch (err) {
      options.health.degrade('event-store', (err as Error).message);
      if (stopped.aborted) {
        options.log.warn({ err, topic: batch.topic, partition: batch.partition }, 'event store append failed; not retried: the store writer is stopped');
        throw err;
      }
      options.log.error({ err, topic: batch.topic, partition: batch.partition, retryInMs: delay }, 'event store append failed; retrying');
      await pause(delay, stopped, options.clock ?? systemClock);
      if (stopped.aborted) throw err;
    }
  }
  await consumer.commit(batch, next);
  options.onStored?.(batch, next);
  options.idleWatch?.notify();
}

/** Sleeps `ms`, or less if `stopped` is aborted meanwhile. */
function pause(ms: number, stopped: AbortSignal, clock: RuntimeClock): Promise<void> {
  if (stopped.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      timer.cancel();
      stopped.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.after(ms, done);
    stopped.addEventListener('abort', done, { once: true });
  });
}

/**
 * Appends a batch; if the store refuses it for its data, appends the events one by one and
 * dead-letters each one it refuses, then records the offsets past all of them.
 */
async function appendOrIsolate(options: StoreWriterOptions, events: readonly StoredEvent[], offsets: readonly ConsumedOffset[]): Promise<void> {
  try {
    await options.eventStore.append(events, offsets);
    return;
  } catch (err) {
    if (!(err instanceof EventRejectedError)) throw err;
  }
  for (const event of events) {
    try {
      await options.eventStore.append([event], []);
    } catch (err) {
      if (!(err instanceof EventRejectedError)) throw err;
      const { topic, partition, offset, ...envelope } = event;
      await options.deadLetter({ topic, partition, offset, reason: 'unstorable', detail: err.message, original: envelope });
    }
  }
  await options.eventStore.append([], offsets);
}
