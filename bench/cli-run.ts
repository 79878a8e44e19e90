// The figure a user sees at the end of `npm start -- --seed 7 --events N`: the same composition
// (app/run.ts: feed pump, every agent, paper venue, in-memory state, summary), timed as the CLI
// times it, from the end of start-up to the summary (drain, stop and close included). On the
// in-process log, on the Kafka adapter against the test broker (its own process), and against
// librdkafka's mock cluster (three brokers, every catalog topic with replication factor 3).
import { loadConfig } from '../config/load.js';
import { topicSpecs } from '../config/topics.js';
import { startRun } from '../app/run.js';
import { silentLogger } from '../runtime/ports/logger.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../spec/support/kafka-mock-cluster.js';
import { testBrokerProcess as testBroker, type Brokers } from './broker-process.js';

export type CliLog = 'in-process' | 'test-broker' | 'mock-cluster';

export interface CliRunResult {
  readonly eventsPerSec: number;
  readonly seconds: number;
}

/** Why a log cannot be benchmarked here (the mock cluster needs python3 and librdkafka1), or undefined. */
export function cliLogUnavailable(log: CliLog): string | undefined {
  return log === 'mock-cluster' ? kafkaMockUnavailable() : undefined;
}

export async function cliRun(log: CliLog, events: number, seed = 7): Promise<CliRunResult> {
  const kafka = log === 'in-process' ? undefined : log === 'test-broker' ? await testBroker() : await mockCluster();
  try {
    const config = loadConfig({
      env: {},
      overrides: { seed, events, http: { enabled: false }, ...(kafka ? { eventLog: { kind: 'kafka', brokers: kafka.brokers, idempotentProducer: log !== 'mock-cluster' } } : {}) },
    });
    const run = await startRun(config, { logger: silentLogger });
    const started = performance.now();
    const summary = await run.done;
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSec: summary.feedEvents / seconds, seconds };
  } finally {
    await kafka?.close();
  }
}

async function mockCluster(): Promise<Brokers> {
  const cluster = await KafkaMockCluster.start(3);
  try {
    // It cannot serve CreateTopics: the catalog (with its dead-letter topics) is made here.
    await cluster.createTopics(topicSpecs(), 3);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return { brokers: [...cluster.brokers], close: () => cluster.close() };
}
