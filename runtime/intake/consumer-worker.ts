// The runtime's own consumer: batches go to the router, which routes them to actors and commits
// what they processed; on revoke it drains; killed, it abandons the drain.
import type { ChildSpec } from '../ports/supervision.js';
import { logWorker } from './group-consumer.js';
import type { EventLog } from '../ports/event-log.js';
import type { Router } from './router.js';

export interface ConsumerWorkerOptions {
  readonly id: string;
  readonly eventLog: EventLog;
  readonly router: Router;
  readonly groupId: string;
  readonly maxBatchSize: number;
  readonly shutdownMs: number;
  readonly memberMetadata?: Record<string, unknown>;
  readonly assignment?: 'ranges' | 'single-owner';
}

export function consumerWorker(options: ConsumerWorkerOptions): ChildSpec {
  const { router, ...rest } = options;
  return logWorker({
    ...rest,
    topics: router.topics(),
    eachBatch: (consumer, batch) => router.eachBatch(consumer, batch),
    onRevoke: (partitions) => router.revoke(partitions),
    onRetentionGap: (tp, from, to) => router.retentionGap(tp, from, to),
    onKill: (consumer) => router.abandon(consumer),
  });
}
