// A produce request to a partition whose leader moved, on librdkafka's mock cluster (three brokers):
// kafkajs 2.2.4 retries only toward brokers that have not answered yet, so the records of a
// partition whose new leader already answered for other partitions are never sent, and the send
// still resolves (a broker outage with leaders moving did this to a few feed events in a chaos run). The batching producer checks that every partition it sent to was acknowledged
// and sends the rest again.
import { expect } from 'chai';
import kafkajs, { type Producer } from 'kafkajs';
import { BatchingProducer } from '../../../adapters/eventlog/kafka/batching-producer.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../../support/kafka-mock-cluster.js';

const { Kafka, logLevel } = kafkajs;
const PARTITIONS = 3;

describe('Kafka publishes while a partition leader moves (mock cluster)', function () {
  this.timeout(60_000);

  before(function () {
    const missing = kafkaMockUnavailable();
    if (missing) {
      console.log(`      skipped: the mock cluster needs python3 and librdkafka1: ${missing}`);
      this.skip();
    }
  });

  /**
   * A producer whose metadata still names the old leader of a partition that moved to a broker
   * leading another partition too: the old leader answers NOT_LEADER_OR_FOLLOWER, the others write.
   */
  async function staleProducer(): Promise<{ cluster: KafkaMockCluster; producer: Producer; ends: () => Promise<number[]> }> {
    const cluster = await KafkaMockCluster.start(3);
    await cluster.createTopics([{ name: 'moves', partitions: PARTITIONS }], 3);
    for (const p of [0, 1, 2]) await cluster.command(`leader moves ${p} ${p + 1}`);
    const kafka = new Kafka({ brokers: [...cluster.brokers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 4 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: 'moves', acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: 'warm-up' })) });
    // Partition 0 moves from broker 1 to broker 2 (the leader of partition 1); broker 1 refuses it
    // 100 ms late, so brokers 2 and 3 have answered when kafkajs retries.
    await cluster.command('rtt 1 100');
    await cluster.command('leader moves 0 2');
    const admin = kafka.admin();
    return {
      cluster,
      producer,
      ends: async () => {
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets('moves');
        await admin.disconnect();
        return [0, 1, 2].map((p) => Number(offsets.find((o) => o.partition === p)!.high));
      },
    };
  }

  it('kafkajs alone resolves the send without writing the moved partition (why the producer checks)', async () => {
    const { cluster, producer, ends } = await staleProducer();
    try {
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'moves', messages: [0, 1, 2].map((partition) => ({ partition, value: 'after' })) }] });
      expect(await ends(), 'records per partition').to.deep.equal([1, 2, 2]);
    } finally {
      await producer.disconnect();
      await cluster.close();
    }
  });

  it('the batching producer writes every partition, the moved one included, before the publish resolves', async () => {
    const { cluster, producer, ends } = await staleProducer();
    try {
      const batching = new BatchingProducer(async () => producer, () => PARTITIONS);
      await Promise.all([0, 1, 2].map((partition) => batching.send('moves', [{ partition, value: Buffer.from('after') }])));
      expect(await ends(), 'records per partition').to.deep.equal([2, 2, 2]);
    } finally {
      await producer.disconnect();
      await cluster.close();
    }
  });
});
