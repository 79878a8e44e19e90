// Keeps a stopped kafkajs consumer from starving the event loop.
//
// kafkajs 2.2.4 (the last release; src/consumer/fetchManager.js, start()): when the set of brokers
// in a consumer's metadata changes (a broker goes down, or comes back), a fetcher throws
// KafkaJSFetcherRebalanceError; the fetch manager waits for the other fetchers to finish their
// batch, then builds new fetchers, without asking whether the consumer still runs. If
// consumer.disconnect() ran in between, Runner.fetch answers [] at once for a stopped runner, so
// the new fetchers loop on promises that are already resolved: no timer, socket, signal or log line
// runs again, and disconnect() never returns. The fetch manager asks the cluster for its node ids
// before it builds fetchers and before every fetch; once the consumer is stopping, the guard makes
// that question fail with a retriable error, so the manager leaves through its retry path (a
// timer), finds the runner stopped and ends.
import type { PartitionAssigner } from 'kafkajs';

/** Thrown into the kafkajs fetch manager of a consumer that is stopping (retried, then dropped). */
export class ConsumerStoppingError extends Error {
  override readonly name = 'ConsumerStoppingError';
  constructor() {
    super('the consumer is stopping: no new fetchers');
  }
}

interface NodeIdSource {
  getNodeIds(): unknown;
}

export class FetchLoopGuard {
  private stopping = false;

  /** Wraps an assigner so the guard gets the consumer's cluster (kafkajs hands it to assigners). */
  watch(assigner: PartitionAssigner): PartitionAssigner {
    return (context) => {
      this.attach(context.cluster as unknown as NodeIdSource);
      return assigner(context);
    };
  }

  /** Called right before consumer.disconnect(), in the same tick. */
  stop(): void {
    this.stopping = true;
  }

  private attach(cluster: NodeIdSource): void {
    const nodeIds = cluster.getNodeIds.bind(cluster);
    cluster.getNodeIds = () => {
      if (this.stopping) throw new ConsumerStoppingError();
      return nodeIds();
    };
  }
}
