import { MemoryEventLog } from '../../../adapters/eventlog/memory/memory-event-log.js';
import { KafkaEventLog } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../../support/kafka-mock-cluster.js';
import { eventLogConformance } from '../../support/event-log-conformance.js';

eventLogConformance('in-process log', async () => {
  const log = new MemoryEventLog();
  return { log, close: () => log.close() };
});

/** Short timings so joins, rebalances and empty fetches take milliseconds in a spec. */
const FAST_GROUPS = { retry: { initialMs: 50, maxMs: 500, retries: 5 }, heartbeatIntervalMs: 100, sessionTimeoutMs: 3000, maxWaitTimeMs: 100 } as const;

eventLogConformance('Kafka adapter on the test broker (kafkajs over TCP)', async () => {
  const broker = await KafkaTestBroker.start();
  const log = new KafkaEventLog({
    brokers: broker.brokers,
    ...FAST_GROUPS,
  });
  return {
    log,
    close: async () => {
      await log.close();
      await broker.close();
    },
  };
});

// A Kafka no one here wrote: librdkafka's mock cluster, three brokers, every topic replicated on all
// three (it cannot serve CreateTopics, so the suite's topics are made through its own commands).
// .ci/run installs it; only a machine without python3 or librdkafka1 skips, and says why.
const mockMissing = kafkaMockUnavailable();
if (mockMissing) {
  describe("EventLog conformance: Kafka adapter on librdkafka's mock cluster", function () {
    before(function () {
      console.log(`      skipped: ${mockMissing}`);
      this.skip();
    });
    it('runs the suite on the mock cluster', () => undefined);
  });
} else eventLogConformance('Kafka adapter on librdkafka\'s mock cluster (3 brokers)', async () => {
  const cluster = await KafkaMockCluster.start(3);
  const log = new KafkaEventLog({
    brokers: cluster.brokers,
    ...FAST_GROUPS,
    // The mock reports a controller that is none of its brokers: kafkajs cannot get a producer id from it.
    idempotentProducer: false,
  });
  return {
    log,
    provision: (topics) => cluster.createTopics(topics, 3),
    close: async () => {
      await log.close();
      await cluster.close();
    },
  };
});
