// Start-up on a Kafka cluster: the catalog topics are created when missing (with the configured
// replication factor and min.insync.replicas), or, when creating is off, only checked; a missing or
// miscounted topic stops the start naming each one, and an unreachable cluster is reported within
// the connect timeout.
import { expect } from 'chai';
import { KafkaEventLog, type KafkaEventLogOptions } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { TopicCreationError } from '../../../adapters/eventlog/kafka/topic-check.js';
import { topicSpecs } from '../../../config/topics.js';
import { EventLogUnreachableError, TopicCatalogMismatchError } from '../../../runtime/ports/event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { freePort } from '../../support/free-port.js';

describe('Kafka adapter: the topics at start-up', function () {
  this.timeout(30_000);
  let broker: KafkaTestBroker;
  const logs: KafkaEventLog[] = [];
  const open = (options: Partial<KafkaEventLogOptions> = {}): KafkaEventLog => {
    const log = new KafkaEventLog({ brokers: broker.brokers, retry: { initialMs: 50, maxMs: 200, retries: 2 }, ...options });
    logs.push(log);
    return log;
  };
  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    await broker.close();
  });

  it('with createTopics off, names every missing topic and creates none', async () => {
    const catalog = topicSpecs();
    const err = await open({ createTopics: false }).createTopics(catalog).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TopicCatalogMismatchError);
    const mismatch = err as TopicCatalogMismatchError;
    expect(mismatch.problems.map((p) => p.topic)).to.deep.equal(catalog.map((t) => t.name));
    expect(mismatch.message).to.include('price.ticks: missing (needs 10 partitions)');
    expect(mismatch.message).to.include('order.commands.dlq: missing (needs 5 partitions)');
    expect(mismatch.message).to.include('eventLog.createTopics');
    expect(mismatch.exitCode).to.equal(2);
    expect(broker.topics()).to.deep.equal([]);
  });

  it('with createTopics off, runs on topics that are in place', async () => {
    const catalog = topicSpecs();
    for (const t of catalog) broker.createTopic(t.name, t.partitions);
    const log = open({ createTopics: false });
    await log.createTopics(catalog);
    expect(log.partitionsOf('price.ticks')).to.equal(10);
    await log.publish('price.ticks', [{ key: 'BTC', value: Buffer.from('x') }]);
    const total = Array.from({ length: 10 }, (_, p) => broker.endOffset('price.ticks', p) ?? 0).reduce((a, b) => a + b, 0);
    expect(total).to.equal(1);
  });

  it('refuses a topic whose partition count differs from the catalog, and says how to use it as it is', async () => {
    const catalog = topicSpecs();
    for (const t of catalog) broker.createTopic(t.name, t.name === 'trade.executed' ? 12 : t.partitions);
    for (const createTopics of [false, true]) {
      const err = await open({ createTopics }).createTopics(catalog).then(() => undefined, (e: unknown) => e);
      expect(err, `createTopics ${createTopics}`).to.be.instanceOf(TopicCatalogMismatchError);
      const { problems, message } = err as TopicCatalogMismatchError;
      expect(problems).to.deep.equal([{ topic: 'trade.executed', expectedPartitions: 10, actualPartitions: 12 }]);
      expect(message).to.include('trade.executed: 12 partitions, the catalog says 10');
      expect(message).to.include('topicPartitions');
    }
  });

  it('creates only the missing topics, with the configured min.insync.replicas and replication factor', async () => {
    const catalog = topicSpecs();
    broker.createTopic('price.ticks', 10);
    const log = open({ replicationFactor: 1, minInsyncReplicas: 1 });
    await log.createTopics(catalog);
    expect(broker.topics()).to.have.members(catalog.map((t) => t.name));
    expect(broker.topicConfigs('price.ticks'), 'an existing topic is left as it was').to.deep.equal({});
    expect(broker.topicConfigs('trade.executed')).to.deep.equal({ 'min.insync.replicas': '1' });
    expect(log.partitionsOf('order.commands')).to.equal(5);
  });

  it('says which topics could not be created and with which settings', async () => {
    const err = await open({ replicationFactor: 3 }).createTopics([{ name: 'price.ticks', partitions: 10 }]).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TopicCreationError);
    expect((err as Error).message).to.match(/^cannot create topics on Kafka \(replication factor 3\): price\.ticks: /);
    expect(broker.topics()).to.deep.equal([]);
  });

  it('reports an unreachable cluster within the connect timeout, with the reason', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await open({ brokers: [`127.0.0.1:${port}`], connectTimeoutMs: 1500 })
      .createTopics(topicSpecs())
      .then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).to.be.instanceOf(EventLogUnreachableError);
    expect((err as Error).message).to.equal(
      `Kafka at 127.0.0.1:${port} is unreachable: no broker answered within 1500 ms (eventLog.connectTimeoutMs); last error: Connection error: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(elapsed, 'bounded by the connect timeout, not by kafkajs retries (about 28 s)').to.be.below(6000);
  });
});
