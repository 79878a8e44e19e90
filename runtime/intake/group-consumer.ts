// A supervised consumer of the event log: joins a group, hands each batch to a handler, and
// reports a crashed partition loop to its supervisor, which restarts it (the new consumer resumes
// from the committed offsets). The router's consumer (Router.consumerSpec), the store writer and
// projections are all one.
import type { ChildSpec } from '../ports/supervision.js';
import type { Batch, Consumer, ConsumerHandlers, EventLog, TopicPartition } from '../ports/event-log.js';
import type { IdleWatch } from './idle-watch.js';

export interface GroupConsumerOptions {
  readonly id: string;
  readonly eventLog: EventLog;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly maxBatchSize: number;
  readonly shutdownMs: number;
  readonly memberMetadata?: Record<string, unknown>;
  readonly assignment?: 'ranges' | 'single-owner';
  readonly eachBatch: (consumer: Consumer, batch: Batch) => Promise<void>;
  readonly onAssign?: (consumer: Consumer, partitions: readonly TopicPartition[]) => Promise<void> | void;
  readonly onRevoke?: ConsumerHandlers['onRevoke'];
  readonly onRetentionGap?: ConsumerHandlers['onRetentionGap'];
  /** Brutal stop: give up on in-flight work (and whatever this consumer still hands over) before leaving the group. */
  readonly onKill?: (consumer: Consumer) => void;
  /** Told on a stop, after the drain (or on a kill), so a handler waiting on something can give up. */
  readonly onStop?: () => void;
  /** Awaited on a graceful stop before leaving the group (e.g. catch up with the log's end). */
  readonly drain?: (consumer: Consumer) => Promise<void>;
  readonly onStart?: () => void;
  /** Told which partitions this consumer owns, and woken when some are revoked (Runtime.whenIdle). */
  readonly idleWatch?: IdleWatch;
}

export function groupConsumer(options: GroupConsumerOptions): ChildSpec {
  return {
    id: options.id,
    restart: 'permanent',
    shutdown: options.shutdownMs,
    type: 'worker',
    start: async (link) => {
      options.onStart?.();
      const consumer = options.eventLog.consumer({
        groupId: options.groupId,
        topics: options.topics,
        fromBeginning: true,
        maxBatchSize: options.maxBatchSize,
        ...(options.memberMetadata ? { memberMetadata: options.memberMetadata } : {}),
        ...(options.assignment ? { assignment: options.assignment } : {}),
      });
      const { onAssign, onRetentionGap, idleWatch } = options;
      const onRevoke = idleWatch ? revokeThenNotify(options.onRevoke, idleWatch) : options.onRevoke;
      await consumer.run({
        eachBatch: (batch) => options.eachBatch(consumer, batch),
        onCrash: (error) => link.failed(error),
        ...(onAssign ? { onAssign: (tps: readonly TopicPartition[]) => onAssign(consumer, tps) } : {}),
        ...(onRevoke ? { onRevoke } : {}),
        ...(onRetentionGap ? { onRetentionGap } : {}),
      });
      idleWatch?.joined(options.groupId, consumer);
      return {
        stop: async () => {
          try {
            await options.drain?.(consumer);
          } finally {
            // Even when the drain failed: a handler still retrying must learn that it is stopped.
            options.onStop?.();
            idleWatch?.left(consumer); // what it still commits on the way out notifies all the same
            await consumer.disconnect();
          }
        },
        kill: () => {
          options.onStop?.();
          options.onKill?.(consumer);
          idleWatch?.left(consumer);
          consumer.disconnect().catch(() => undefined);
        },
      };
    },
  };
}

/** Partitions that moved away are no longer this process's to finish: waiters look again. */
function revokeThenNotify(onRevoke: ConsumerHandlers['onRevoke'], idleWatch: IdleWatch): NonNullable<ConsumerHandlers['onRevoke']> {
  return async (partitions) => {
    try {
      await onRevoke?.(partitions);
    } finally {
      idleWatch.notify();
    }
  };
}
