// The EventLog Consumer over a kafkajs consumer: eachBatch per partition (partitions run
// concurrently, each in order), commits only what the owner says was processed, heartbeats during
// long batches, and turns group joins into revoke/assign callbacks (kafkajs has no revoke hook:
// the difference between two assignments is computed here, and batches wait for the callbacks).
import type { Consumer as KafkaJsConsumer, EachBatchPayload, IMemberAssignment } from 'kafkajs';
import { tpKey, type Consumer, type ConsumerHandlers, type LogRecord, type TopicPartition } from '../../../runtime/ports/event-log.js';
import type { FetchLoopGuard } from './fetch-loop-guard.js';
import { RequestCoalescer } from './request-coalescer.js';

interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface KafkaConsumerOptions {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly heartbeatIntervalMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** Told the lag (high watermark - next offset) of each partition after every batch. */
  readonly onLag?: (tp: TopicPartition, lag: number) => void;
  /** Told once the kafkajs consumer is disconnected. */
  readonly onDisconnected?: () => void;
}

export class KafkaConsumer implements Consumer {
  private assigned = new Map<string, TopicPartition>();
  private callbacks: Promise<void> = Promise.resolve();
  private handlers: ConsumerHandlers | undefined;
  private running = false;
  private released: Promise<void> | undefined;
  /** Commits made while one is in flight go out together, in one OffsetCommit request. */
  private readonly commits = new RequestCoalescer<PartitionOffset>({
    send: (offsets) => this.consumer.commitOffsets(latestPerPartition(offsets)),
  });

  constructor(
    readonly memberId: string,
    private readonly consumer: KafkaJsConsumer,
    private readonly guard: FetchLoopGuard,
    private readonly options: KafkaConsumerOptions,
  ) {}

  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => this.rebalanced(payload.memberAssignment));
    this.consumer.on(events.CRASH, ({ payload }) => {
      if (!payload.restart) handlers.onCrash?.(payload.error, { topic: '*', partition: -1 });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    if (this.released) return this.leaveAgain();
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.batch(payload),
    });
    // Released (the log closed) while it connected or joined: kafkajs connected again after the
    // disconnect; without this its sockets would keep the process alive.
    if (this.released) return this.leaveAgain();
  }

  private async leaveAgain(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect().catch(() => undefined);
  }

  commit(tp: TopicPartition, offset: number): Promise<void> {
    return this.commits.push({ topic: tp.topic, partition: tp.partition, offset });
  }

  seek(tp: TopicPartition, offset: number): void {
    this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(offset) });
  }

  pause(tps: readonly TopicPartition[]): void {
    this.consumer.pause(tps.map((tp) => ({ topic: tp.topic, partitions: [tp.partition] })));
  }

  resume(tps: readonly TopicPartition[]): void {
    this.consumer.resume(tps.map((tp) => ({ topic: tp.topic, partitions: [tp.partition] })));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  async disconnect(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.release();
    await this.callbacks;
    const lost = this.assignment();
    this.assigned.clear();
    if (lost.length) await this.handlers?.onRevoke?.(lost);
  }

  /** Stops the kafkajs consumer and leaves the group, without revoke callbacks (the log closes). */
  release(): Promise<void> {
    this.running = false;
    // The guard and disconnect() in one tick: kafkajs must not build fetchers for a stopped consumer.
    this.guard.stop();
    this.released ??= this.consumer.disconnect().finally(() => this.options.onDisconnected?.());
    return this.released;
  }

  private rebalanced(assignment: IMemberAssignment): void {
    const next = new Map<string, TopicPartition>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) next.set(tpKey({ topic, partition }), { topic, partition });
    }
    const lost = [...this.assigned].filter(([k]) => !next.has(k)).map(([, tp]) => tp);
    const gained = [...next].filter(([k]) => !this.assigned.has(k)).map(([, tp]) => tp);
    this.assigned = next;
    const handlers = this.handlers;
    this.callbacks = this.callbacks.then(async () => {
      if (lost.length) await handlers?.onRevoke?.(lost);
      if (gained.length) await handlers?.onAssign?.(gained);
    });
  }

  private async batch({ batch, heartbeat, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.callbacks;
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const records: LogRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: Number(m.offset),
      ...(m.key ? { key: m.key.toString() } : {}),
      value: m.value ?? Buffer.alloc(0),
    }));
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.options.heartbeatIntervalMs);
    try {
      await this.handlers!.eachBatch({ topic: batch.topic, partition: batch.partition, records });
    } finally {
      clearInterval(beat);
    }
    resolveOffset(batch.lastOffset());
    this.options.onLag?.({ topic: batch.topic, partition: batch.partition }, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
    await heartbeat().catch(() => undefined);
  }
}

/** The last commit asked for per partition, in the order the partitions were first asked about. */
function latestPerPartition(offsets: readonly PartitionOffset[]): { topic: string; partition: number; offset: string }[] {
  const latest = new Map<string, { topic: string; partition: number; offset: string }>();
  for (const o of offsets) latest.set(tpKey(o), { topic: o.topic, partition: o.partition, offset: String(o.offset) });
  return [...latest.values()];
}
