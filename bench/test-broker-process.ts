// The Kafka-protocol test broker in a process of its own, as a user's broker would be (in the
// bench's process it would take event-loop time from the run it serves). Prints its seed list on
// the first line of stdout; ends when its stdin closes.
import { KafkaTestBroker } from '../spec/support/kafka-broker/broker.js';

const broker = await KafkaTestBroker.start();
process.stdout.write(`${broker.brokers.join(',')}\n`);
process.stdin.on('end', () => void broker.close().finally(() => process.exit(0)));
process.stdin.resume();
