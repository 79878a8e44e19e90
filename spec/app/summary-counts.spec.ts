// The summary counts this run's events, not what a shared log holds: a second run on the same
// Kafka topics reports its own price ticks, not both runs'.
import { expect } from 'chai';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { startRun } from '../../app/run.js';
import { KafkaTestBroker } from '../support/kafka-broker/broker.js';

describe('the run summary on a log shared with an earlier run (Kafka)', function () {
  this.timeout(120_000);
  let broker: KafkaTestBroker;
  before(async () => {
    broker = await KafkaTestBroker.start();
  });
  after(async () => {
    await broker.close();
  });

  it('counts the events this run published per topic', async () => {
    const once = async (groupId: string) => {
      const config = loadConfig({
        env: {},
        overrides: {
          seed: 3,
          events: 600,
          http: { enabled: false },
          eventLog: { kind: 'kafka', brokers: broker.brokers, groupId, sessionTimeoutMs: 6000, heartbeatIntervalMs: 200, retryInitialMs: 50, retryMaxMs: 500 },
        },
      });
      const handle = await startRun(config, { logger: silentLogger });
      return handle.done;
    };
    const first = await once('regent-first');
    const second = await once('regent-second');
    const ticks = (t: Record<string, number>) => t['price.ticks'];
    expect(ticks(first.topics)).to.be.greaterThan(400);
    expect(ticks(second.topics), 'the second run counts only its own ticks').to.equal(ticks(first.topics));
    expect(Array.from({ length: 10 }, (_, p) => broker.endOffset('price.ticks', p) ?? 0).reduce((a, b) => a + b, 0)).to.equal(2 * ticks(first.topics)!);
  });
});
