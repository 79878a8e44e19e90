// The Kafka event log produces idempotently by default: when a produce answer is lost and the
// request goes again, the broker recognises it by producer id and sequence numbers and the records
// are written once; without idempotence they are written twice. A cluster that cannot give a
// producer id (librdkafka's mock cluster) stops the start, naming the setting.
import { expect } from 'chai';
import { IdempotentProducerError, KafkaEventLog, type KafkaEventLogOptions } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import { KafkaTestBroker } from '../../support/kafka-broker/broker.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../../support/kafka-mock-cluster.js';

const TOPIC = { name: 'idem.ticks', partitions: 1 };

describe('Kafka adapter: idempotent producer', function () {
  this.timeout(30_000);
  let broker: KafkaTestBroker;
  const logs: KafkaEventLog[] = [];
  const open = async (options: Partial<KafkaEventLogOptions> = {}): Promise<KafkaEventLog> => {
    const log = new KafkaEventLog({ brokers: broker.brokers, retry: { initialMs: 50, maxMs: 200, retries: 3 }, ...options });
    logs.push(log);
    await log.createTopics([TOPIC]);
    return log;
  };
  const publishThree = async (log: KafkaEventLog) => {
    await log.publish(TOPIC.name, [{ key: 'BTC', value: Buffer.from('1') }]);
    broker.loseProduceResponses(1);
    await log.publish(TOPIC.name, [{ key: 'BTC', value: Buffer.from('2') }, { key: 'BTC', value: Buffer.from('3') }]);
    return broker.endOffset(TOPIC.name, 0);
  };
  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    await broker.close();
  });

  it('writes a request sent again after a lost answer once', async () => {
    expect(await publishThree(await open())).to.equal(3);
  });

  it('without idempotence, writes it twice (why it is on by default)', async () => {
    expect(await publishThree(await open({ idempotentProducer: false }))).to.equal(5);
  });

  it('stops the start on a cluster that gives no producer id, naming the setting', async function () {
    const missing = kafkaMockUnavailable();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const cluster = await KafkaMockCluster.start(3);
    try {
      await cluster.createTopics([TOPIC], 3);
      const log = new KafkaEventLog({ brokers: cluster.brokers, retry: { initialMs: 50, maxMs: 200, retries: 2 } });
      logs.push(log);
      const err = await log.createTopics([TOPIC]).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(IdempotentProducerError);
      expect((err as Error).message).to.match(/^Kafka did not give the idempotent producer a producer id \(.*Broker 0 not found in the cached metadata.*\): the cluster must allow IdempotentWrite, or set eventLog\.idempotentProducer false/);
    } finally {
      for (const log of logs.splice(0)) await log.close();
      await cluster.close();
    }
  });
});
