// Run as a child process by spec/adapters/eventlog/kafka-stop-during-outage.spec.ts (a starved
// event loop would stop mocha too): a Regent Kafka consumer on the mock cluster is disconnected
// while kafkajs rebuilds its fetchers because broker 3 just went down. Prints one JSON line
// { disconnected, timerFired } and exits 0; a frozen process never prints (the spec kills it).
import { KafkaEventLog } from '../../adapters/eventlog/kafka/kafka-event-log.js';
import type { Batch } from '../../runtime/ports/event-log.js';
import { KafkaMockCluster } from './kafka-mock-cluster.js';
import { waitFor } from './wait.js';

const TOPIC = 'guard.t';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cluster = await KafkaMockCluster.start(3);
await cluster.createTopics([{ name: TOPIC, partitions: 3 }], 3);
await cluster.coordinators(['guard'], 1);
// Partition p is led by broker p + 1: two fetchers get records, broker 3's waits for some.
for (const p of [0, 1, 2]) await cluster.command(`leader ${TOPIC} ${p} ${p + 1}`);
const log = new KafkaEventLog({ brokers: cluster.brokers, maxWaitTimeMs: 5000, retry: { initialMs: 100, maxMs: 1000 }, idempotentProducer: false });
await log.createTopics([{ name: TOPIC, partitions: 3 }]);
for (const partition of [0, 1]) await log.publish(TOPIC, [{ value: Buffer.from('x'), partition }]);

let held = 0;
let release!: () => void;
const gate = new Promise<void>((resolve) => (release = resolve));
const consumer = log.consumer({ groupId: 'guard', topics: [TOPIC] });
void consumer.run({
  eachBatch: async (_batch: Batch) => {
    held++;
    await gate;
  },
});
await waitFor('the batches of brokers 1 and 2 held in the handler', () => held === 2, 30_000);
// Staging, not waiting for an outcome: broker 3's fetcher sent its long poll (5 s) with the others;
// a moment later it is surely in flight, so the down closes it and kafkajs rebuilds its fetchers,
// which waits for the two held batches.
await pause(500);
await cluster.command('down 3');
await pause(200);
const disconnected = consumer.disconnect().then(() => true);
release();
let timerFired = false;
const timer = pause(20).then(() => (timerFired = true));
const result = await Promise.race([disconnected, pause(15_000).then(() => false)]);
await timer;
process.stdout.write(`${JSON.stringify({ disconnected: result, timerFired })}\n`);
await log.close();
await cluster.close();
process.exit(0);
