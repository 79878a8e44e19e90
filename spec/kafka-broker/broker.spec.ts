// The Kafka test broker driven by plain kafkajs: admin, produce/consume round trips, long-poll,
// stop/restart with data kept, and cutting one client's connections.
import { expect } from 'chai';
import kafkajs from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import { waitFor } from '../support/wait.js';
import { Harness, receivedAtLeast } from './clients.js';

const { Partitioners } = kafkajs;

function expectedPartition(topic: string, partitions: number, key: string): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: '' } });
}

describe('kafka test broker: clients', function () {
  this.timeout(30_000);
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.start();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('creates, lists and reports offsets of topics through kafkajs admin', async () => {
    const admin = await harness.admin();
    expect(await admin.createTopics({ topics: [{ topic: 'admin.t', numPartitions: 3 }] })).to.equal(true);
    expect(await admin.createTopics({ topics: [{ topic: 'admin.t', numPartitions: 3 }] })).to.equal(false);
    expect(await admin.listTopics()).to.include('admin.t');
    const producer = await harness.producer('admin-producer');
    await producer.send({ topic: 'admin.t', messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.send({ topic: 'admin.t', messages: [{ value: 'c' }] });
    const offsets = await admin.fetchTopicOffsets('admin.t');
    expect(offsets).to.have.length(3);
    const total = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    expect(total).to.equal(3);
    for (const o of offsets) expect(o.low).to.equal('0');
    expect(harness.broker.topics()).to.include('admin.t');
  });

  it('round-trips keyed records in order per key, on the partition kafkajs chose, over several batches', async () => {
    const topic = 'keyed';
    harness.broker.createTopic(topic, 4);
    const producer = await harness.producer('keyed-producer');
    const keys = ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE', 'PEPE'];
    for (let round = 0; round < 5; round++) {
      await producer.send({ topic, messages: keys.map((key) => ({ key, value: `${key}:${round}` })) });
    }
    await producer.sendBatch({
      topicMessages: [{ topic, messages: keys.map((key) => ({ key, value: `${key}:5` })) }],
    });
    const consumer = await harness.consumer('keyed-consumer', { groupId: 'keyed-group', topic });
    await receivedAtLeast(consumer, keys.length * 6);
    expect(consumer.received).to.have.length(keys.length * 6);
    for (const key of keys) {
      const mine = consumer.received.filter((r) => r.key === key);
      expect(mine.map((r) => r.value)).to.deep.equal([0, 1, 2, 3, 4, 5].map((i) => `${key}:${i}`));
      for (const r of mine) expect(r.partition).to.equal(expectedPartition(topic, 4, key));
      const offsets = mine.map((r) => r.offset);
      expect(offsets).to.deep.equal([...offsets].sort((a, b) => a - b));
    }
    const ends = [0, 1, 2, 3].map((p) => harness.broker.endOffset(topic, p) ?? 0);
    expect(ends.reduce((a, b) => a + b, 0)).to.equal(keys.length * 6);
  });

  it('wakes a long-polling fetch as soon as a record is produced', async () => {
    const topic = 'long-poll';
    harness.broker.createTopic(topic, 1);
    const producer = await harness.producer('lp-producer');
    const consumer = await harness.consumer('lp-consumer', { groupId: 'lp-group', topic, maxWaitTimeInMs: 3000 });
    await waitFor('the consumer to join', () => consumer.joins > 0, 10_000);
    await waitFor('a fetch to start', () => consumer.fetchesStarted > 0, 10_000);
    const sentAt = Date.now();
    await producer.send({ topic, messages: [{ value: 'wake' }] });
    await receivedAtLeast(consumer, 1);
    expect(Date.now() - sentAt).to.be.below(1500);
    expect(consumer.values()).to.deep.equal(['wake']);
  });

  it('keeps its data over stop() and restart(), and clients reconnect', async () => {
    const topic = 'restart';
    harness.broker.createTopic(topic, 2);
    const producer = await harness.producer('rs-producer');
    await producer.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: `v${i}` })) });
    const consumer = await harness.consumer('rs-consumer', { groupId: 'rs-group', topic });
    await receivedAtLeast(consumer, 5);
    const port = harness.broker.port;
    await harness.broker.stop();
    expect(harness.broker.isRunning).to.equal(false);
    await harness.broker.restart();
    expect(harness.broker.port).to.equal(port);
    expect((harness.broker.endOffset(topic, 0) ?? 0) + (harness.broker.endOffset(topic, 1) ?? 0)).to.equal(5);
    await producer.send({ topic, messages: [5, 6, 7, 8, 9].map((i) => ({ key: `k${i}`, value: `v${i}` })) });
    await waitFor('all ten values', () => new Set(consumer.values()).size === 10, 15_000);
    expect([...new Set(consumer.values())].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `v${i}`));
  });

  it('cuts one client with dropConnections(), and that client recovers', async () => {
    const topic = 'drop';
    harness.broker.createTopic(topic, 1);
    const producer = await harness.producer('drop-producer');
    const consumer = await harness.consumer('drop-consumer', { groupId: 'drop-group', topic });
    await producer.send({ topic, messages: [{ value: 'before' }] });
    await receivedAtLeast(consumer, 1);
    expect(harness.broker.dropConnections((id) => id === 'drop-consumer')).to.be.greaterThan(0);
    expect(harness.broker.dropConnections((id) => id === 'nobody')).to.equal(0);
    await producer.send({ topic, messages: [{ value: 'after' }] });
    await waitFor('the record sent after the drop', () => consumer.values().includes('after'), 15_000);
    expect(consumer.values().filter((v) => v === 'before')).to.have.length.at.least(1);
  });
});
