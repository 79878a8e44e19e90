// The router's side of a kill: its consumer's partition loops may still hand over a batch after
// the kill (the group has not revoked them yet). Such a batch must start nothing: no delivery, no
// dead letter, no commit, and nothing the revoke of those partitions would have to drain.
import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { Health } from '../../runtime/observe/health.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import type { Batch } from '../../runtime/ports/event-log.js';
import { Publisher } from '../../runtime/intake/publisher.js';
import { ActorRegistry } from '../../runtime/cells/registry.js';
import { Router } from '../../runtime/intake/router.js';
import { Counted, Tick, counterAgent } from '../support/counter-agent.js';

const topic = 'test.ticks';
const tp = { topic, partition: 0 };

async function setUp() {
  const log = new MemoryEventLog();
  await log.createTopics([{ name: topic, partitions: 1 }, { name: `${topic}.dlq`, partitions: 1 }]);
  const metrics = new RuntimeMetrics();
  const types = new EventTypeRegistry([Tick, Counted]);
  const publisher = new Publisher(log, types, metrics, silentLogger);
  const registry = new ActorRegistry(
    {
      publisher,
      metrics,
      log: silentLogger,
      health: new Health(metrics, silentLogger),
      stateStore: new MemoryStateStore(),
      processedBound: async () => ({}),
      storedUpTo: async () => new Map(),
      storeWaitMs: 1000,
      lineage: () => log.lineage(),
      snapshotEvery: 100,
      maxMessageRetries: 3,
      topicOf: (type) => types.topicOf(type),
    },
    { shutdownMs: 1000 },
  );
  const router = new Router([counterAgent()], types, registry, publisher, metrics, silentLogger, { maxInFlightBatches: 8 });
  // A record that does not decode: the router dead-letters it itself, so no actor is involved.
  await log.publish(topic, [{ value: Buffer.from('not an envelope'), partition: 0 }]);
  const batch: Batch = { ...tp, records: log.read(tp) };
  const consumer = () => log.consumer({ groupId: 'regent', topics: [topic] });
  const deadLetters = () => log.read({ topic: `${topic}.dlq`, partition: 0 }).length;
  return { log, router, batch, consumer, deadLetters };
}

describe('router: an abandoned (killed) intake', () => {
  it('takes no batch its consumer hands over after the abandon', async () => {
    const { log, router, batch, consumer, deadLetters } = await setUp();
    const killed = consumer();
    router.abandon(killed);
    await router.eachBatch(killed, batch);
    expect(router.inFlight(), 'records in flight').to.equal(0);
    await router.revoke([tp]);
    expect(deadLetters(), 'dead letters').to.equal(0);
    expect(await log.committed('regent', tp), 'committed offset').to.equal(undefined);
  });

  it('drops a batch handed over in the same tick as the abandon', async () => {
    const { log, router, batch, consumer, deadLetters } = await setUp();
    const killed = consumer();
    const handedOver = router.eachBatch(killed, batch);
    router.abandon(killed);
    await handedOver;
    expect(router.inFlight(), 'records in flight').to.equal(0);
    await router.revoke([tp]);
    expect(deadLetters(), 'dead letters').to.equal(0);
    expect(await log.committed('regent', tp), 'committed offset').to.equal(undefined);
  });

  it('serves the consumer that replaces it (a restarted intake)', async () => {
    const { log, router, batch, consumer, deadLetters } = await setUp();
    router.abandon(consumer());
    await router.eachBatch(consumer(), batch);
    await router.revoke([tp]);
    expect(deadLetters(), 'dead letters').to.equal(1);
    expect(await log.committed('regent', tp), 'committed offset').to.equal(1);
  });
});
