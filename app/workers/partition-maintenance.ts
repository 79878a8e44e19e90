// Creates upcoming daily partitions of the event store and drops expired ones, hourly, as a
// supervised infra worker.
import type { Logger } from 'pino';
import { PartitionMaintenanceJob } from '../../adapters/store/postgres/partition-maintenance.js';
import type { PostgresEventStore } from '../../adapters/store/postgres/postgres-event-store.js';
import type { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import { workerSpec, type ChildSpec } from '../../runtime/ports/supervision.js';

export function partitionMaintenance(store: PostgresEventStore, schema: string, logger: Logger, metrics: RuntimeMetrics): ChildSpec {
  return workerSpec('partition-maintenance', 10_000, () => {
    const job = new PartitionMaintenanceJob({ pool: store.pool, schema, logger, metrics: metrics.registry });
    job.start();
    return { stop: () => job.stop(), kill: () => void job.stop() };
  });
}
