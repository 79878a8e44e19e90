import { expect } from 'chai';
import { Registry } from 'prom-client';
import { KafkaEventLog } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { waitFor } from '../../support/wait.js';

describe('Kafka adapter metrics', function () {
  this.timeout(30_000);

  it('exports publish latency and per-partition consumer lag', async () => {
    const broker = await KafkaTestBroker.start();
    const registry = new Registry();
    const log = new KafkaEventLog({ brokers: broker.brokers, metrics: registry, heartbeatIntervalMs: 100, maxWaitTimeMs: 50, retry: { initialMs: 50, maxMs: 500 } });
    try {
      await log.createTopics([{ name: 'm', partitions: 1 }]);
      await log.publish('m', Array.from({ length: 20 }, (_, i) => ({ key: 'k', value: Buffer.from(String(i)) })));
      const consumer = log.consumer({ groupId: 'metrics', topics: ['m'], fromBeginning: true });
      let seen = 0;
      void consumer.run({ eachBatch: async (b) => void (seen += b.records.length) });
      await waitFor('20 records', () => seen === 20, 15_000);
      const text = await registry.metrics();
      expect(text).to.match(/regent_kafka_publish_seconds_count\{topic="m"\} 1/);
      expect(text).to.match(/regent_kafka_consumer_lag\{group="metrics",topic="m",partition="0"\} 0/);
      await consumer.disconnect();
    } finally {
      await log.close();
      await broker.close();
    }
  });
});
