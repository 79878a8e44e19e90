// Helpers for the broker's specs: a broker plus the plain kafkajs clients made against it, all
// disconnected (then the broker closed) by close(); consumers that record what they receive.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachMessagePayload, Kafka as KafkaClient, Producer } from 'kafkajs';
import { KafkaTestBroker, type KafkaTestBrokerOptions } from '../support/kafka-broker/broker.js';
import { waitFor } from '../support/wait.js';

const { Kafka, logLevel } = kafkajs;

export interface Received {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly sessionTimeout?: number;
  readonly maxWaitTimeInMs?: number;
  /** Runs before a message is recorded (e.g. to block it). */
  readonly beforeMessage?: (payload: EachMessagePayload) => Promise<void>;
}

export class TrackedConsumer {
  readonly received: Received[] = [];
  /** Partitions of the topic assigned at the latest group join. */
  assigned: number[] = [];
  joins = 0;
  fetchesStarted = 0;

  constructor(readonly consumer: Consumer) {}

  values(): string[] {
    return this.received.map((r) => r.value);
  }
}

export class Harness {
  private readonly consumers: Consumer[] = [];
  private readonly others: (Producer | Admin)[] = [];

  private constructor(readonly broker: KafkaTestBroker) {}

  static async start(options: KafkaTestBrokerOptions = {}): Promise<Harness> {
    return new Harness(await KafkaTestBroker.start(options));
  }

  kafka(clientId: string): KafkaClient {
    return new Kafka({
      clientId,
      brokers: this.broker.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { initialRetryTime: 50, maxRetryTime: 300, retries: 10 },
    });
  }

  async producer(clientId: string, options: { idempotent?: boolean } = {}): Promise<Producer> {
    const producer = this.kafka(clientId).producer({ allowAutoTopicCreation: true, ...(options.idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}) });
    this.others.push(producer);
    await producer.connect();
    return producer;
  }

  async admin(clientId = 'admin'): Promise<Admin> {
    const admin = this.kafka(clientId).admin();
    this.others.push(admin);
    await admin.connect();
    return admin;
  }

  async consumer(clientId: string, options: ConsumerOptions): Promise<TrackedConsumer> {
    const consumer = this.kafka(clientId).consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeout ?? 6000,
      rebalanceTimeout: 5000,
      heartbeatInterval: 100,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
      retry: { initialRetryTime: 50, maxRetryTime: 300, retries: 10 },
    });
    this.consumers.push(consumer);
    const tracked = new TrackedConsumer(consumer);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      tracked.joins += 1;
      tracked.assigned = [...(event.payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
    });
    consumer.on(consumer.events.FETCH_START, () => {
      tracked.fetchesStarted += 1;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async (payload) => {
        await options.beforeMessage?.(payload);
        tracked.received.push({
          partition: payload.partition,
          offset: Number(payload.message.offset),
          key: payload.message.key?.toString() ?? '',
          value: payload.message.value?.toString() ?? '',
        });
      },
    });
    return tracked;
  }

  /** Disconnects one consumer now (it leaves its group). */
  async disconnect(tracked: TrackedConsumer): Promise<void> {
    await tracked.consumer.disconnect();
    this.consumers.splice(this.consumers.indexOf(tracked.consumer), 1);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await Promise.allSettled(this.others.map((c) => c.disconnect()));
    await this.broker.close();
  }
}

/** Waits until the consumer has received at least `count` records. */
export function receivedAtLeast(tracked: TrackedConsumer, count: number, timeoutMs = 10_000): Promise<true> {
  return waitFor(`${count} records (have ${tracked.received.length})`, () => tracked.received.length >= count, timeoutMs);
}
