// The EventLog port on Kafka (kafkajs): topics created from the catalog (those missing), a producer keyed by
// token with acks=all and exponential retries, consumers in groups with Regent's contiguous range
// assigner, and admin lookups for committed and end offsets.
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { UnknownTopicError, type Consumer, type ConsumerOptions, type EventLog, type LogLineage, type OutgoingRecord, type TopicPartition, type TopicSpec } from '../../../runtime/ports/event-log.js';
import { FetchLoopGuard } from './fetch-loop-guard.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { regentAssigner } from './range-assigner.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaEventLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Producer and admin retries: exponential from initialMs to maxMs (defaults 1 s -> 16 s). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number; readonly retries?: number };
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxWaitTimeMs?: number;
  readonly metrics?: Registry;
}

const KAFKA_LINEAGE: LogLineage = { id: 'kafka', epoch: 'kafka', keptBelow: () => Number.POSITIVE_INFINITY };

export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private readonly partitionCounts = new Map<string, number>();
  private readonly consumers = new Set<KafkaConsumer>();
  private producer: Promise<Producer> | undefined;
  private admin: Promise<Admin> | undefined;
  private readonly publishSeconds: Histogram<'topic'> | undefined;
  private readonly lag: Gauge<'group' | 'topic' | 'partition'> | undefined;
  private nextMember = 0;
  private readonly lookups = new Map<string, { at: number; value: Promise<unknown> }>();

  /** Kafka keeps every offset it ever wrote: snapshots of this cluster's offsets stay valid. */
  lineage(): LogLineage {
    return KAFKA_LINEAGE;
  }

  constructor(private readonly options: KafkaEventLogOptions) {
    const retry = options.retry ?? {};
    this.kafka = new KafkaClient({
      clientId: options.clientId ?? 'regent',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: retry.initialMs ?? 1000, maxRetryTime: retry.maxMs ?? 16_000, retries: retry.retries ?? 5 },
    });
    if (options.metrics) {
      this.publishSeconds = new Histogram({
        name: 'regent_kafka_publish_seconds',
        help: 'Time to publish a batch to Kafka (acks=all)',
        labelNames: ['topic'] as const,
        registers: [options.metrics],
      });
      this.lag = new Gauge({
        name: 'regent_kafka_consumer_lag',
        help: 'Records between a consumer group position and the high watermark, per partition',
        labelNames: ['group', 'topic', 'partition'] as const,
        registers: [options.metrics],
      });
    }
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.adminClient();
    // Only what is missing is created: a cluster with the catalog in place needs no CreateTopics
    // (which managed clusters often refuse, and the librdkafka mock cluster cannot serve).
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })) });
    }
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const t of metadata) this.partitionCounts.set(t.name, t.partitions.length);
  }

  partitionsOf(topic: string): number {
    const n = this.partitionCounts.get(topic);
    if (n === undefined) throw new UnknownTopicError(topic);
    return n;
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    this.partitionsOf(topic);
    const producer = await this.producerClient();
    const end = this.publishSeconds?.startTimer({ topic });
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ value: r.value, ...(r.key !== undefined ? { key: r.key } : {}), ...(r.partition !== undefined ? { partition: r.partition } : {}) })),
    });
    end?.();
  }

  consumer(options: ConsumerOptions): Consumer {
    const ordinal = options.memberMetadata?.['ordinal'];
    const heartbeatIntervalMs = this.options.heartbeatIntervalMs ?? 3000;
    const guard = new FetchLoopGuard();
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [guard.watch(regentAssigner(options.assignment ?? 'ranges', typeof ordinal === 'number' ? ordinal : undefined))],
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 1000,
      // The supervisor restarts a crashed consumer, not kafkajs.
      retry: { retries: 3, restartOnFailure: async () => false },
    });
    const partitions = options.topics.reduce((n, t) => n + (this.partitionCounts.get(t) ?? 1), 0);
    const member: KafkaConsumer = new KafkaConsumer(`${options.groupId}-member-${this.nextMember++}`, consumer, guard, {
      topics: options.topics,
      fromBeginning: options.fromBeginning ?? true,
      heartbeatIntervalMs,
      partitionsConsumedConcurrently: Math.max(1, partitions),
      ...(this.lag ? { onLag: (tp: TopicPartition, lag: number) => this.lag!.set({ group: options.groupId, topic: tp.topic, partition: String(tp.partition) }, lag) } : {}),
      onDisconnected: () => this.consumers.delete(member),
    });
    this.consumers.add(member);
    return member;
  }

  async committed(groupId: string, tp: TopicPartition): Promise<number | undefined> {
    const partitions = await this.recently(`committed:${groupId}:${tp.topic}`, async () => {
      const [topic] = await (await this.adminClient()).fetchOffsets({ groupId, topics: [tp.topic] });
      return new Map((topic?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    });
    const offset = partitions.get(tp.partition) ?? -1;
    return offset >= 0 ? offset : undefined;
  }

  async endOffset(tp: TopicPartition): Promise<number> {
    const partitions = await this.recently(`end:${tp.topic}`, async () => {
      const offsets = await (await this.adminClient()).fetchTopicOffsets(tp.topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    });
    return partitions.get(tp.partition) ?? 0;
  }

  /** One admin round trip per topic serves every partition asked about within a few ms. */
  private recently<T>(key: string, load: () => Promise<T>, ttlMs = 5): Promise<T> {
    const hit = this.lookups.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.lookups.set(key, { at: Date.now(), value });
    value.catch(() => this.lookups.delete(key));
    return value;
  }

  async close(): Promise<void> {
    for (const c of [...this.consumers]) await c.release().catch(() => undefined);
    await (await this.producer)?.disconnect();
    await (await this.admin)?.disconnect();
  }

  private producerClient(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}
