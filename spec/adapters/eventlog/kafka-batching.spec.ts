// Kafka publishes and commits in few requests (the real kafkajs client on the test broker): what
// is published or committed while a request is in flight goes out together in the next one, and
// each call still settles only once the broker has done what it asked.
import { expect } from 'chai';
import kafkajs, { type Producer } from 'kafkajs';
import { BatchingProducer } from '../../../adapters/eventlog/kafka/batching-producer.js';
import { FetchLoopGuard } from '../../../adapters/eventlog/kafka/fetch-loop-guard.js';
import { KafkaConsumer } from '../../../adapters/eventlog/kafka/kafka-consumer.js';
import { regentAssigner } from '../../../adapters/eventlog/kafka/range-assigner.js';
import type { TopicPartition } from '../../../runtime/ports/event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { waitFor } from '../../support/wait.js';

const { Kafka, logLevel } = kafkajs;

describe('Kafka adapter batching (kafkajs on the test broker)', function () {
  this.timeout(30_000);
  let broker: KafkaTestBroker;
  let kafka: InstanceType<typeof Kafka>;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
    kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
  });

  afterEach(async () => {
    await broker.close();
  });

  /** How many requests of one API a kafkajs client sent. */
  function countRequests(client: { on: (event: any, listener: (e: { payload: { apiName: string } }) => void) => unknown; events: { REQUEST: string } }, apiName: string): () => number {
    let n = 0;
    client.on(client.events.REQUEST, (e) => {
      if (e.payload.apiName === apiName) n++;
    });
    return () => n;
  }

  /** Partitions of a topic on the broker (one for a topic it does not have, to be refused there). */
  const partitionsOf = (topic: string) => {
    let n = 0;
    while (broker.endOffset(topic, n) !== undefined) n++;
    return Math.max(1, n);
  };

  const total = (topic: string, partitions: number) => {
    let n = 0;
    for (let p = 0; p < partitions; p++) n += broker.endOffset(topic, p) ?? 0;
    return n;
  };

  it('sends 200 publishes made together in one produce request, each resolving once the broker holds its records, in order per key', async () => {
    broker.createTopic('ticks', 4);
    broker.createTopic('fills', 2);
    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    const produces = countRequests(producer, 'Produce');
    await producer.connect();
    try {
      const batching = new BatchingProducer(async () => producer, partitionsOf);
      const heldAtResolve: number[] = [];
      const publishes = Array.from({ length: 200 }, (_, i) => {
        const topic = i % 2 === 0 ? 'ticks' : 'fills';
        return batching
          .send(topic, [{ key: `token-${i % 5}`, value: Buffer.from(`${topic}-${i}`) }])
          .then(() => heldAtResolve.push(total('ticks', 4) + total('fills', 2)));
      });
      await Promise.all(publishes);
      expect(produces(), 'produce requests for 200 publishes').to.equal(1);
      expect(Math.min(...heldAtResolve), 'records the broker held when the first publish resolved').to.equal(200);

      const seen = new Map<string, string[]>();
      const consumer = kafka.consumer({ groupId: 'read-back', maxWaitTimeInMs: 50 });
      await consumer.connect();
      await consumer.subscribe({ topics: ['ticks', 'fills'], fromBeginning: true });
      let read = 0;
      await consumer.run({
        eachMessage: async ({ topic, message }) => {
          const key = `${topic}/${message.key!.toString()}`;
          seen.set(key, [...(seen.get(key) ?? []), message.value!.toString()]);
          read++;
        },
      });
      await waitFor('200 records read back', () => read === 200, 15_000);
      await consumer.disconnect();
      for (const [key, values] of seen) {
        const order = values.map((v) => Number(v.split('-')[1]));
        expect(order, `${key} in publish order`).to.deep.equal([...order].sort((a, b) => a - b));
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('sends the publishes made while a request is in flight in the next request, not one each', async () => {
    broker.createTopic('ticks', 4);
    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    const produces = countRequests(producer, 'Produce');
    await producer.connect();
    try {
      const batching = new BatchingProducer(async () => producer, partitionsOf);
      const first = batching.send('ticks', [{ key: 'a', value: Buffer.from('first') }]);
      await new Promise((resolve) => setImmediate(resolve)); // the first request is on its way
      const more = Array.from({ length: 50 }, (_, i) => batching.send('ticks', [{ key: `k${i}`, value: Buffer.from(String(i)) }]));
      await Promise.all([first, ...more]);
      expect(produces(), 'produce requests').to.equal(2);
      expect(total('ticks', 4)).to.equal(51);
    } finally {
      await producer.disconnect();
    }
  });

  it('fails every publish of a request the broker refuses, and the publishes after it still go out', async () => {
    broker.createTopic('ticks', 1);
    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const batching = new BatchingProducer(async () => producer, partitionsOf);
      const refused = [
        batching.send('ticks', [{ key: 'a', value: Buffer.from('1') }]),
        batching.send('no-such-topic', [{ key: 'a', value: Buffer.from('2') }]),
      ].map((p) => p.then(() => 'ok', (err: Error) => err.name));
      const outcomes = await Promise.all(refused);
      expect(outcomes[0], 'in the same request as the refused one').to.not.equal('ok');
      expect(outcomes[1]).to.not.equal('ok');
      await batching.send('ticks', [{ key: 'a', value: Buffer.from('3') }]);
      expect(total('ticks', 1), 'only the later publish written').to.equal(1);
    } finally {
      await producer.disconnect();
    }
  });

  it('commits a group\'s offsets made together in one request, the last one per partition winning', async () => {
    broker.createTopic('ticks', 3);
    const guard = new FetchLoopGuard();
    const kafkaConsumer = kafka.consumer({ groupId: 'commits', partitionAssigners: [guard.watch(regentAssigner('ranges'))], maxWaitTimeInMs: 50, heartbeatInterval: 100 });
    const commitRequests = countRequests(kafkaConsumer, 'OffsetCommit');
    const consumer = new KafkaConsumer('commits-0', kafkaConsumer, guard, { topics: ['ticks'], fromBeginning: true, heartbeatIntervalMs: 100, partitionsConsumedConcurrently: 3 });
    let assigned: readonly TopicPartition[] = [];
    void consumer.run({ onAssign: (tps) => void (assigned = tps), eachBatch: async () => {} });
    try {
      await waitFor('three partitions assigned', () => assigned.length === 3, 15_000);
      const before = commitRequests();
      const commits: Promise<void>[] = [];
      for (let offset = 1; offset <= 20; offset++) for (const tp of assigned) commits.push(consumer.commit(tp, offset * (tp.partition + 1)));
      await Promise.all(commits);
      expect(commitRequests() - before, 'OffsetCommit requests for 60 commits').to.equal(1);
      expect([0, 1, 2].map((p) => broker.committedOffset('commits', 'ticks', p))).to.deep.equal([20, 40, 60]);
    } finally {
      await consumer.disconnect();
    }
  });
});
