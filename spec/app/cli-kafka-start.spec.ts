// `npm start -- --kafka …` when the cluster is not ready for it, through the real CLI: topics that
// are missing with --no-create-topics (exit 2, each named), an unreachable cluster (exit 1 within
// the connect timeout, one line), and min.insync.replicas above the replication factor (exit 2).
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { topicSpecs } from '../../config/topics.js';
import { describeRun, envWithout, runNode, stopAll, type CliResult } from '../support/cli-process.js';
import { freePort } from '../support/free-port.js';
import { KafkaTestBroker } from '../support/kafka-broker/broker.js';

const cli = fileURLToPath(new URL('../../app/cli.js', import.meta.url));
const DEADLINE_MS = 60_000;

function cliRun(args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const env = { ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_', 'npm_']), ...extra };
  return runNode(cli, ['--no-http', ...args], { env, timeoutMs: DEADLINE_MS });
}

describe('npm start on a Kafka cluster that is not ready', function () {
  this.timeout(2 * DEADLINE_MS);
  let broker: KafkaTestBroker;
  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
  });
  afterEach(async () => {
    stopAll();
    await broker.close();
  });

  it('--no-create-topics on a cluster without the catalog: names each missing topic, creates none, exit 2', async () => {
    const result = await cliRun(['--kafka', broker.brokers.join(','), '--no-create-topics', '--events', '50']);
    expect(result.code, describeRun(result)).to.equal(2);
    const n = topicSpecs().length;
    expect(result.stderr).to.include(`regent: cannot start: ${n} topics are not as the catalog says:\n  - price.ticks: missing (needs 10 partitions)\n`);
    expect(result.stderr).to.include('  - risk.alerts.dlq: missing (needs 3 partitions)');
    expect(result.stdout).to.not.include('Regent running');
    expect(broker.topics()).to.deep.equal([]);
  });

  it('--no-create-topics on a cluster with the catalog in place: runs', async () => {
    for (const t of topicSpecs()) broker.createTopic(t.name, t.partitions);
    const result = await cliRun(['--kafka', broker.brokers.join(','), '--no-create-topics', '--events', '200', '--seed', '5'], {
      REGENT_EVENT_LOG__HEARTBEAT_INTERVAL_MS: '200',
      REGENT_EVENT_LOG__SESSION_TIMEOUT_MS: '6000',
      REGENT_EVENT_LOG__MAX_WAIT_TIME_MS: '100',
    });
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.match(/price\.ticks\s+\d+/);
  });

  it('an unreachable cluster: one line within the connect timeout, exit 1', async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await cliRun(['--kafka', `127.0.0.1:${port}`, '--events', '50'], { REGENT_EVENT_LOG__CONNECT_TIMEOUT_MS: '2000' });
    expect(result.code, describeRun(result)).to.equal(1);
    expect(result.stderr).to.include(
      `regent: cannot start: Kafka at 127.0.0.1:${port} is unreachable: no broker answered within 2 s (eventLog.connectTimeoutMs); last error: Connection error: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(result.stderr, 'no stack trace').to.not.include('    at ');
    expect(Date.now() - started, 'the connect timeout, not kafkajs retries (about 28 s), decides').to.be.below(15_000);
  });

  it('min.insync.replicas above the replication factor is a configuration error (exit 2)', async () => {
    const result = await cliRun(['--kafka', broker.brokers.join(','), '--events', '50'], {
      REGENT_EVENT_LOG__REPLICATION_FACTOR: '2',
      REGENT_EVENT_LOG__MIN_INSYNC_REPLICAS: '3',
    });
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include('eventLog.minInsyncReplicas (env REGENT_EVENT_LOG__MIN_INSYNC_REPLICAS): min.insync.replicas cannot exceed the replication factor');
    expect(broker.topics()).to.deep.equal([]);
  });
});
