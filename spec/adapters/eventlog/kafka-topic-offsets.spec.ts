// End offsets of many topics asked for at once, on librdkafka's mock cluster (three brokers): an
// idle check asks for every topic together, and kafkajs 2.2.4 can lose a topic's metadata when a
// fresh client learns several topics at the same time (TopicOffsets orders those first lookups).
import { expect } from 'chai';
import { KafkaEventLog } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { topicSpecs } from '../../../config/topics.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../../support/kafka-mock-cluster.js';

describe('Kafka adapter end offsets of many topics at once (mock cluster)', function () {
  this.timeout(60_000);
  let cluster: KafkaMockCluster | undefined;

  before(async function () {
    const missing = kafkaMockUnavailable();
    if (missing) {
      console.log(`      skipped: the mock cluster needs python3 and librdkafka1: ${missing}`);
      this.skip();
    }
    cluster = await KafkaMockCluster.start(3);
    await cluster.createTopics(topicSpecs(), 3);
  });

  after(async () => {
    await cluster?.close();
  });

  it('answers every partition of every catalog topic, each time on a fresh client', async () => {
    const specs = topicSpecs();
    for (let round = 0; round < 10; round++) {
      const log = new KafkaEventLog({ brokers: cluster!.brokers, retry: { initialMs: 50, maxMs: 200 }, idempotentProducer: false });
      try {
        await log.createTopics(specs);
        const tps = specs.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));
        const ends = await Promise.all(tps.map((tp) => log.endOffset(tp)));
        expect(ends, `round ${round}`).to.deep.equal(tps.map(() => 0));
      } finally {
        await log.close();
      }
    }
  });
});
