import { MemoryEventLog } from '../../../adapters/eventlog/memory/memory-event-log.js';
import { KafkaEventLog } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { eventLogConformance } from '../../support/event-log-conformance.js';

eventLogConformance('in-process log', async () => {
  const log = new MemoryEventLog();
  return { log, close: () => log.close() };
});

eventLogConformance('Kafka adapter on the test broker (kafkajs over TCP)', async () => {
  const broker = await KafkaTestBroker.start();
  const log = new KafkaEventLog({
    brokers: broker.brokers,
    retry: { initialMs: 50, maxMs: 500, retries: 5 },
    heartbeatIntervalMs: 100,
    sessionTimeoutMs: 3000,
    maxWaitTimeMs: 100,
  });
  return {
    log,
    close: async () => {
      await log.close();
      await broker.close();
    },
  };
});
