// The event-log consumer as a supervised worker: it joins the group, hands batches to the router,
// drains on revoke, and reports a crashed partition loop to its supervisor, which restarts it
// (the new consumer resumes from the committed offsets).
import type { ChildSpec } from '../supervisors/child-spec.js';
import type { EventLog } from './ports/event-log.js';
import type { Router } from './router.js';

export interface ConsumerWorkerOptions {
  readonly id: string;
  readonly eventLog: EventLog;
  readonly router: Router;
  readonly groupId: string;
  readonly maxBatchSize: number;
  readonly shutdownMs: number;
  readonly memberMetadata?: Record<string, unknown>;
}

export function consumerWorker(options: ConsumerWorkerOptions): ChildSpec {
  const { router } = options;
  return {
    id: options.id,
    restart: 'permanent',
    shutdown: options.shutdownMs,
    type: 'worker',
    start: async (link) => {
      const consumer = options.eventLog.consumer({
        groupId: options.groupId,
        topics: router.topics(),
        fromBeginning: true,
        maxBatchSize: options.maxBatchSize,
        ...(options.memberMetadata ? { memberMetadata: options.memberMetadata } : {}),
      });
      await consumer.run({
        eachBatch: (batch) => router.eachBatch(consumer, batch),
        onRevoke: (partitions) => router.revoke(partitions),
        onRetentionGap: (tp, from, to) => router.retentionGap(tp, from, to),
        onCrash: (error) => link.failed(error),
      });
      return {
        stop: () => consumer.disconnect(),
        // Abandons the drain (nothing more is committed) so the group can move on without us.
        kill: () => {
          router.abandon();
          consumer.disconnect().catch(() => undefined);
        },
      };
    },
  };
}
