// The EventLog port on Kafka (kafkajs): topics created from the catalog (those missing), a producer
// keyed by token with acks=all and exponential retries, consumers in groups with Regent's
// contiguous range assigner, and admin lookups for committed and end offsets. A broker outage is
// waited out, not failed on: publishes and lookups are tried again until a leader is reachable,
// consumers keep their group and retry their fetches, and the broker watch says which broker and
// partitions are out (onHealth, regent_kafka_broker_up).
import kafkajs, { type Admin, type Kafka, type KafkaConfig, type Producer } from 'kafkajs';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { TopicCatalogMismatchError, tpKey, UnknownTopicError, type Consumer, type ConsumerOptions, type EventLog, type LogLineage, type OutgoingRecord, type TopicPartition, type TopicSpec } from '../../../runtime/ports/event-log.js';
import { BatchingProducer } from './batching-producer.js';
import { BrokerWatch, type KafkaClusterHealth } from './broker-watch.js';
import { FetchLoopGuard } from './fetch-loop-guard.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { kafkaJsSecurity, type KafkaSecurity } from './kafka-security.js';
import { EventLogClosedError, whileUnavailable } from './outage-retry.js';
import { regentAssigner } from './range-assigner.js';
import { awaitReachable } from './reachability.js';
import { TopicCreationError, topicProblems, topicProblemsHint } from './topic-check.js';
import { TopicOffsets } from './topic-offsets.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaEventLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Create the catalog topics the cluster lacks (default true); without, a missing one stops the start. */
  readonly createTopics?: boolean;
  /** Replication factor of created topics (default: the cluster's default.replication.factor). */
  readonly replicationFactor?: number;
  /** min.insync.replicas of created topics (default: the cluster's). */
  readonly minInsyncReplicas?: number;
  /**
   * Idempotent producing (default true): a request sent again after a lost answer is not written twice.
   * The cluster must serve InitProducerId (the IdempotentWrite permission; librdkafka's mock cluster cannot).
   */
  readonly idempotentProducer?: boolean;
  /** How long start-up waits for a broker to answer before it says the cluster is unreachable (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Producer and admin retries: exponential from initialMs to maxMs (defaults 1 s -> 16 s). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number; readonly retries?: number };
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxWaitTimeMs?: number;
  /** How often the brokers are probed (default 1 s); also the probe's connect timeout. */
  readonly probeIntervalMs?: number;
  /**
   * How old a client's metadata may get before it asks again (default 5 s): how soon a consumer
   * fetches from a partition's new leader after the old one went down.
   */
  readonly metadataMaxAgeMs?: number;
  /** Told whenever the set of unreachable brokers or leaderless partitions changes. */
  readonly onHealth?: (health: KafkaClusterHealth) => void;
  readonly metrics?: Registry;
  /** TLS and SASL for every connection to the brokers (default: plaintext, no authentication). */
  readonly security?: KafkaSecurity;
}

/** About two minutes of retries with the default backoff (1 s doubling to 16 s). */
const CONSUMER_RETRIES = 12;

const KAFKA_LINEAGE: LogLineage = { id: 'kafka', epoch: 'kafka', keptBelow: () => Number.POSITIVE_INFINITY };

export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private reached = false;
  private readonly partitionCounts = new Map<string, number>();
  private readonly consumers = new Set<KafkaConsumer>();
  private producer: Promise<Producer> | undefined;
  private readonly batches = new BatchingProducer(
    () => this.producerClient(),
    (topic) => this.partitionsOf(topic),
    { whileUnavailable: (send) => this.untilAvailable('publish', send) },
  );
  private readonly topicOffsets = new TopicOffsets();
  private admin: Promise<Admin> | undefined;
  private readonly publishSeconds: Histogram<'topic'> | undefined;
  private readonly lag: Gauge<'group' | 'topic' | 'partition'> | undefined;
  private nextMember = 0;
  private readonly lookups = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly watch: BrokerWatch;
  private closed = false;
  private healthChange = signal();

  /** Kafka keeps every offset it ever wrote: snapshots of this cluster's offsets stay valid. */
  lineage(): LogLineage {
    return KAFKA_LINEAGE;
  }

  constructor(private readonly options: KafkaEventLogOptions) {
    this.kafka = new KafkaClient(this.clientConfig());
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
    this.watch = new BrokerWatch({
      intervalMs: options.probeIntervalMs ?? 1000,
      brokers: () => this.withAdmin(async (admin) => (await admin.describeCluster()).brokers),
      leaders: () => this.leaders(),
      onChange: (health) => {
        this.healthChange.fire();
        this.healthChange = signal();
        options.onHealth?.(health);
      },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  /**
   * Makes the catalog's topics usable: the missing ones are created (unless createTopics is off),
   * and every topic must have the catalog's partition count, or the start stops naming each one.
   * Only what is missing is created: a cluster with the catalog in place needs no CreateTopics
   * (which managed clusters often refuse, and the librdkafka mock cluster cannot serve).
   */
  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (!this.reached) {
      await awaitReachable(this.clientConfig(), this.options.connectTimeoutMs ?? 10_000);
      this.reached = true;
    }
    const admin = await this.adminClient();
    const counts = await this.partitionCountsOf(admin, topics.map((t) => t.name));
    const mayCreate = this.options.createTopics ?? true;
    const missing = topics.filter((t) => !counts.has(t.name));
    if (mayCreate && missing.length) {
      const configEntries = this.options.minInsyncReplicas !== undefined ? [{ name: 'min.insync.replicas', value: String(this.options.minInsyncReplicas) }] : [];
      const { replicationFactor, minInsyncReplicas } = this.options;
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            ...(replicationFactor !== undefined ? { replicationFactor } : {}),
            ...(configEntries.length ? { configEntries } : {}),
          })),
        })
        .catch((err: unknown) => {
          const settings = [replicationFactor !== undefined ? `replication factor ${replicationFactor}` : '', minInsyncReplicas !== undefined ? `min.insync.replicas ${minInsyncReplicas}` : ''];
          throw new TopicCreationError(err, settings.filter(Boolean).join(', '));
        });
      for (const [name, n] of await this.partitionCountsOf(admin, missing.map((t) => t.name))) counts.set(name, n);
    }
    const problems = topicProblems(topics, counts);
    if (problems.length) throw new TopicCatalogMismatchError(problems, topicProblemsHint(problems, mayCreate));
    for (const [name, n] of counts) this.partitionCounts.set(name, n);
    await this.connectProducer();
    this.watch.start();
  }

  /** The producer connects at start, so a cluster that will not give an idempotent producer its id stops the start. */
  private async connectProducer(): Promise<void> {
    try {
      await this.producerClient();
    } catch (err) {
      if (!(this.options.idempotentProducer ?? true)) throw err;
      throw new IdempotentProducerError(err);
    }
  }

  /** Partition count of each of these topics the cluster has. */
  private async partitionCountsOf(admin: Admin, names: readonly string[]): Promise<Map<string, number>> {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (!present.length) return new Map();
    const { topics } = await admin.fetchTopicMetadata({ topics: present });
    return new Map(topics.map((t) => [t.name, t.partitions.length]));
  }

  /** The settings of a kafkajs client: a new object each time, as kafkajs keeps its SASL authenticator on it. */
  private clientConfig(): KafkaConfig {
    const retry = this.options.retry ?? {};
    return {
      clientId: this.options.clientId ?? 'regent',
      brokers: [...this.options.brokers],
      logLevel: logLevel.NOTHING,
      ...kafkaJsSecurity(this.options.security),
      retry: { initialRetryTime: retry.initialMs ?? 1000, maxRetryTime: retry.maxMs ?? 16_000, retries: retry.retries ?? 5 },
    };
  }

  partitionsOf(topic: string): number {
    const n = this.partitionCounts.get(topic);
    if (n === undefined) throw new UnknownTopicError(topic);
    return n;
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    this.partitionsOf(topic);
    const end = this.publishSeconds?.startTimer({ topic });
    const messages = records.map((r) => ({ value: r.value, ...(r.key !== undefined ? { key: r.key } : {}), ...(r.partition !== undefined ? { partition: r.partition } : {}) }));
    // kafkajs refreshes its metadata and retries a few times itself; past that, the leader is still
    // out: the batching producer waits for it, sending the same request again (see whileUnavailable).
    await this.batches.send(topic, messages);
    end?.();
  }

  consumer(options: ConsumerOptions): Consumer {
    const ordinal = options.memberMetadata?.['ordinal'];
    const heartbeatIntervalMs = this.options.heartbeatIntervalMs ?? 3000;
    const retry = this.options.retry ?? {};
    const guard = new FetchLoopGuard();
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [guard.watch(regentAssigner(options.assignment ?? 'ranges', typeof ordinal === 'number' ? ordinal : undefined))],
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 250,
      metadataMaxAge: this.options.metadataMaxAgeMs ?? 5000,
      // A fetch that fails because a broker is out is tried again in the group for minutes
      // (leaving and joining while a broker is down only adds rebalances); a consumer that crashed
      // after that, or for any other reason, is restarted by the supervisor, not kafkajs.
      retry: {
        initialRetryTime: retry.initialMs ?? 1000,
        maxRetryTime: retry.maxMs ?? 16_000,
        retries: CONSUMER_RETRIES,
        restartOnFailure: async () => false,
      },
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
    // One OffsetFetch for every created topic: a whole idle check of a group is one round trip.
    const known = this.partitionCounts.has(tp.topic);
    const committed = await this.recently(known ? `committed:${groupId}` : `committed:${groupId}:${tp.topic}`, async () => {
      const topics = known ? [...this.partitionCounts.keys()] : [tp.topic];
      const offsets = await this.withAdmin((admin) => admin.fetchOffsets({ groupId, topics }));
      return new Map(offsets.flatMap((t) => t.partitions.map((p) => [tpKey({ topic: t.topic, partition: p.partition }), Number(p.offset)] as const)));
    });
    const offset = committed.get(tpKey(tp)) ?? -1;
    return offset >= 0 ? offset : undefined;
  }

  async endOffset(tp: TopicPartition): Promise<number> {
    // Every created topic in one lookup (its requests run together): an idle check is one round
    // trip, and through an outage one lookup waits, not one per topic (each would reset the admin).
    const known = this.partitionCounts.has(tp.topic);
    const topics = known ? [...this.partitionCounts.keys()] : [tp.topic];
    const ends = await this.recently(known ? 'end' : `end:${tp.topic}`, () => this.withAdmin((admin) => this.topicOffsets.endOffsets(admin, topics)));
    return ends.get(tpKey(tp)) ?? 0;
  }

  /** One lookup serves every partition asked about within a few ms. */
  private recently<T>(key: string, load: () => Promise<T>, ttlMs = 5): Promise<T> {
    const hit = this.lookups.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.lookups.set(key, { at: Date.now(), value });
    value.catch(() => this.lookups.delete(key));
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.healthChange.fire();
    await this.watch.stop();
    for (const c of [...this.consumers]) await c.release().catch(() => undefined);
    await (await this.producer?.catch(() => undefined))?.disconnect();
    await (await this.admin?.catch(() => undefined))?.disconnect();
  }

  /** Leader of every partition of the created topics, as the cluster tells it now. */
  private async leaders(): Promise<Map<string, number>> {
    const { topics } = await this.withAdmin((admin) => admin.fetchTopicMetadata({ topics: [...this.partitionCounts.keys()] }));
    const leaders = new Map<string, number>();
    for (const t of topics) for (const p of t.partitions) leaders.set(`${t.name}/${p.partitionId}`, p.leader);
    return leaders;
  }

  private untilAvailable<T>(what: string, call: () => Promise<T>, onUnavailable?: () => void): Promise<T> {
    const retry = this.options.retry ?? {};
    return whileUnavailable(what, call, {
      initialMs: retry.initialMs ?? 1000,
      maxMs: retry.maxMs ?? 16_000,
      closed: () => this.closed,
      changed: () => this.healthChange.fired,
      ...(onUnavailable ? { onUnavailable } : {}),
    });
  }

  /**
   * An admin call, waited out through an outage. kafkajs's admin keeps the leaders it learnt at
   * connect for minutes and does not retry a lookup sent to a dead leader: after such a failure the
   * next try gets a new admin client, which learns the current leaders.
   */
  private withAdmin<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    let used: Promise<Admin> | undefined;
    return this.untilAvailable(
      'admin lookup',
      async () => {
        used = this.adminClient();
        return call(await used);
      },
      () => {
        if (!used || this.admin !== used) return;
        this.admin = undefined;
        void used.then((admin) => admin.disconnect()).catch(() => undefined);
      },
    );
  }

  private producerClient(): Promise<Producer> {
    if (this.closed) return Promise.reject(new EventLogClosedError('producer'));
    if (!this.producer) {
      const connecting = (async () => {
        const retry = this.options.retry ?? {};
        // Idempotent: the brokers recognise a request sent again after a lost answer by its producer id
        // and sequence numbers, instead of writing its records twice. One request in flight (the
        // batching producer sends one at a time anyway), so a retry cannot reorder a partition.
        const idempotent = this.options.idempotentProducer ?? true;
        const producer = this.kafka.producer({
          allowAutoTopicCreation: false,
          ...(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}),
          // Bounded, so an outage reaches whileUnavailable (which sends the same request again) and a
          // closing log is not held by retries that never end (kafkajs's idempotent default).
          retry: { initialRetryTime: retry.initialMs ?? 1000, maxRetryTime: retry.maxMs ?? 16_000, retries: retry.retries ?? 5 },
        });
        await producer.connect();
        return producer;
      })();
      // A producer that could not connect (every broker out) is made again on the next publish.
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }

  /** Refused once the log is closed: a lookup still waiting out an outage must not open a client again. */
  private adminClient(): Promise<Admin> {
    if (this.closed) return Promise.reject(new EventLogClosedError('admin lookup'));
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}

/** The cluster did not give the idempotent producer a producer id (InitProducerId). */
export class IdempotentProducerError extends Error {
  override readonly name = 'IdempotentProducerError';
  constructor(cause: unknown) {
    super(
      `Kafka did not give the idempotent producer a producer id (${cause instanceof Error ? cause.message : String(cause)}): ` +
        'the cluster must allow IdempotentWrite, or set eventLog.idempotentProducer false (a request sent again after a lost answer may then be written twice)',
      { cause },
    );
  }
}

/** A promise that resolves once fire() is called. */
function signal(): { readonly fired: Promise<void>; fire(): void } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}
