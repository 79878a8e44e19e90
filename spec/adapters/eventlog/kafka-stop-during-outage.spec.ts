// kafkajs 2.2.4 rebuilds a consumer's fetchers when a broker leaves its metadata, without asking
// whether the consumer was stopped meanwhile; the new fetchers of a stopped consumer loop on
// promises that are already resolved and the event loop never runs again (see
// adapters/eventlog/kafka/fetch-loop-guard.ts). Regent's consumer is stopped in exactly that
// window here, on librdkafka's mock cluster, in a child process (a frozen process is killed):
// the disconnect completes and timers still run.
import { expect } from 'chai';
import { join } from 'node:path';
import { describeRun, runNode } from '../../support/cli-process.js';
import { kafkaMockUnavailable } from '../../support/kafka-mock-cluster.js';

const SCRIPT = join(process.cwd(), 'dist/spec/support/kafka-stop-while-brokers-change.js');

describe('Kafka consumer: stopped while a broker goes down (mock cluster)', function () {
  this.timeout(90_000);

  before(function () {
    const missing = kafkaMockUnavailable();
    if (missing) {
      console.log(`      skipped: the mock cluster needs python3 and librdkafka1: ${missing}`);
      this.skip();
    }
  });

  it('disconnects and keeps the event loop running while kafkajs rebuilds its fetchers', async () => {
    const result = await runNode(SCRIPT, [], { env: process.env, timeoutMs: 60_000 });
    expect(result.timedOut, `the child froze\n${describeRun(result)}`).to.equal(false);
    expect(result.code, describeRun(result)).to.equal(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).to.deep.equal({ disconnected: true, timerFired: true });
  });
});
