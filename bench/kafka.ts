// The same pipeline figures through the Kafka adapter (kafkajs over TCP) against the project's
// Kafka-protocol test broker in a process of its own, next to the in-process log. The broker is a
// single-node in-memory test double, not Kafka: these figures measure the adapter and the client,
// not a cluster.
import { KafkaEventLog } from '../adapters/eventlog/kafka/kafka-event-log.js';
import { testBrokerProcess } from './broker-process.js';
import { pipelineThroughput, tickToRiskLatency, type LatencyResult } from './pipeline.js';

async function withKafka<T>(work: (log: KafkaEventLog) => Promise<T>): Promise<T> {
  const broker = await testBrokerProcess();
  const log = new KafkaEventLog({ brokers: broker.brokers, heartbeatIntervalMs: 500, maxWaitTimeMs: 20, retry: { initialMs: 100, maxMs: 1000 } });
  try {
    return await work(log);
  } finally {
    await log.close();
    await broker.close();
  }
}

export function kafkaThroughput(count: number): Promise<{ ticksPerSec: number }> {
  return withKafka((log) => pipelineThroughput(count, false, log));
}

export function kafkaLatency(ratePerSec: number, seconds: number): Promise<LatencyResult> {
  return withKafka((log) => tickToRiskLatency(ratePerSec, seconds, log));
}
