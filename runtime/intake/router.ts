// The router turns batches of log records into actor deliveries: decode and validate each record
// (a bad one goes to `<topic>.dlq` with the reason), pick the actors that take it, group a batch's
// events per actor (one message per actor per batch, in offset order), and commit a partition's
// offset once every earlier record of it has been processed. It also gives the supervised consumer
// that feeds it (consumerSpec): on revoke it drains; killed, it abandons the drain.
import type { Logger } from 'pino';
import { routeKey, type AgentDefinition } from '../agent/agent.js';
import { Delivery } from './delivery.js';
import type { Envelope, RecordPosition } from '../events/envelope.js';
import { DecodeError } from '../events/event-types.js';
import type { RecordDecoder } from '../events/shared-decoder.js';
import type { RuntimeMetrics } from '../observe/metrics.js';
import { PartitionTracker } from './partition-tracker.js';
import { tpKey, type Batch, type Consumer, type LogRecord, type TopicPartition } from '../ports/event-log.js';
import type { Publisher } from './publisher.js';
import type { ActorRegistry } from '../cells/registry.js';
import type { ChildSpec } from '../ports/supervision.js';
import { groupConsumer, type GroupConsumerOptions } from './group-consumer.js';
import type { IdleWatch } from './idle-watch.js';

interface Route {
  readonly agent: AgentDefinition;
  readonly types: ReadonlySet<string>;
}

interface Group {
  readonly agent: string;
  readonly key: string;
  readonly events: Envelope[];
  readonly positions: RecordPosition[];
}

/** A batch's groups, in the order their first event appeared, found by route and key. */
class BatchGroups {
  readonly ordered: Group[] = [];
  private readonly byRoute = new Map<Route, Map<string, Group>>();

  add(route: Route, key: string, event: Envelope, position: RecordPosition): void {
    let byKey = this.byRoute.get(route);
    if (!byKey) this.byRoute.set(route, (byKey = new Map()));
    let group = byKey.get(key);
    if (!group) {
      group = { agent: route.agent.name, key, events: [], positions: [] };
      byKey.set(key, group);
      this.ordered.push(group);
    }
    group.events.push(event);
    group.positions.push(position);
  }
}

export interface RouterOptions {
  readonly maxInFlightBatches: number;
  /** Woken when a commit lands or the intake is abandoned (Runtime.whenIdle). */
  readonly idleWatch?: IdleWatch;
}

/** How the router's own consumer joins the log; its topics and handlers are the router's. */
export type RouterConsumerOptions = Pick<
  GroupConsumerOptions,
  'id' | 'eventLog' | 'groupId' | 'maxBatchSize' | 'shutdownMs' | 'memberMetadata' | 'assignment'
>;

export class Router {
  private readonly routes = new Map<string, Route[]>();
  private readonly trackers = new Map<string, PartitionTracker>();
  /** Consumers whose intake was abandoned (killed): their partition loops may still hand over batches. */
  private readonly abandoned = new WeakSet<Consumer>();
  /** route()'s scratch lists of the actors a record goes to, reused (routing is synchronous). */
  private readonly targetRoutes: Route[] = [];
  private readonly targetKeys: string[] = [];

  constructor(
    agents: readonly AgentDefinition[],
    private readonly types: RecordDecoder,
    private readonly actors: ActorRegistry,
    private readonly publisher: Publisher,
    private readonly metrics: RuntimeMetrics,
    private readonly log: Logger,
    private readonly options: RouterOptions,
  ) {
    for (const agent of agents) {
      const byTopic = new Map<string, Set<string>>();
      for (const t of agent.consumes) {
        const set = byTopic.get(t.topic) ?? new Set<string>();
        set.add(t.type);
        byTopic.set(t.topic, set);
      }
      for (const [topic, types] of byTopic) {
        const list = this.routes.get(topic) ?? [];
        list.push({ agent, types });
        this.routes.set(topic, list);
      }
    }
  }

  topics(): string[] {
    return [...this.routes.keys()].sort();
  }

  /** The supervised consumer that hands this router its batches. */
  consumerSpec(options: RouterConsumerOptions): ChildSpec {
    return groupConsumer({
      ...options,
      topics: this.topics(),
      eachBatch: (consumer, batch) => this.eachBatch(consumer, batch),
      onRevoke: (partitions) => this.revoke(partitions),
      onRetentionGap: (tp, from, to) => this.retentionGap(tp, from, to),
      onKill: (consumer) => this.abandon(consumer),
      ...(this.options.idleWatch ? { idleWatch: this.options.idleWatch } : {}),
    });
  }

  /** Records delivered but not yet processed, over all partitions. */
  inFlight(): number {
    let n = 0;
    for (const t of this.trackers.values()) n += t.inFlightRecords;
    return n;
  }

  async eachBatch(consumer: Consumer, batch: Batch): Promise<void> {
    // A killed intake's loops run on until the group revokes their partitions; a batch taken then
    // would open a tracker whose work no dead actor finishes, and that revoke would wait for it.
    if (batch.records.length === 0 || this.abandoned.has(consumer)) return;
    const tp: TopicPartition = { topic: batch.topic, partition: batch.partition };
    const tracker = this.tracker(consumer, tp);
    if (!(await tracker.capacity()) || this.abandoned.has(consumer)) return;
    const records = batch.records;
    this.metrics.consumed.inc({ topic: batch.topic }, records.length);
    const routes = this.routes.get(batch.topic) ?? [];
    const groups = new BatchGroups();
    // Everything made from the batch: the partition commits past it once all of it is done.
    const work: Promise<void>[] = [];
    try {
      for (const record of records) {
        const failure = this.route(record, routes, groups);
        if (failure) work.push(this.deadLetter(record, failure));
      }
      for (const group of groups.ordered) {
        const delivery = new Delivery(group.events, group.positions);
        work.push(delivery.done);
        this.actors.deliver(group.agent, group.key, delivery);
      }
    } finally {
      tracker.track(records[records.length - 1]!.offset + 1, records.length, Promise.all(work));
    }
  }

  /** Sends a record that cannot be delivered to its topic's DLQ; a failed send is logged here. */
  private deadLetter(record: LogRecord, failure: { reason: string; detail: string }): Promise<void> {
    this.metrics.failed.inc({ topic: record.topic, reason: failure.reason });
    const letter = this.publisher.deadLetter({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      ...(record.key !== undefined ? { key: record.key } : {}),
      ...failure,
      original: record.value,
    });
    letter.catch((err) =>
      this.log.error({ err, topic: record.topic, partition: String(record.partition) }, 'dead-letter publish failed; partition not committed past it'),
    );
    return letter;
  }

  /** Adds a record's event to the groups of the actors that take it; returns why it cannot. */
  private route(record: LogRecord, routes: readonly Route[], groups: BatchGroups): { reason: string; detail: string } | undefined {
    let event: Envelope;
    try {
      event = this.types.decode(record.value);
    } catch (err) {
      return { reason: err instanceof DecodeError ? err.reason : 'decode-failed', detail: (err as Error).message };
    }
    const position: RecordPosition = { topic: record.topic, partition: record.partition, offset: record.offset };
    // Every key is found before the record joins any group: a key function that throws places it nowhere.
    const { targetRoutes, targetKeys } = this;
    targetRoutes.length = 0;
    targetKeys.length = 0;
    for (const route of routes) {
      if (!route.types.has(event.type)) continue;
      let key: string | undefined;
      try {
        key = routeKey(route.agent, event);
      } catch (err) {
        // A key function that throws is a bug in the agent; the record cannot be placed anywhere.
        return { reason: 'routing-failed', detail: `${route.agent.name}: ${(err as Error).message}` };
      }
      if (key !== undefined) {
        targetRoutes.push(route);
        targetKeys.push(key);
      }
    }
    for (let i = 0; i < targetRoutes.length; i++) groups.add(targetRoutes[i]!, targetKeys[i]!, event, position);
    return undefined;
  }

  /**
   * Partitions are going away: stop taking batches for them, wait until their work is done and
   * committed, then snapshot and stop the keyed actors that consumed them, so whoever gets the
   * partitions next rehydrates them from their snapshots.
   */
  async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    await Promise.all(
      partitions.map(async (tp) => {
        const tracker = this.trackers.get(tpKey(tp));
        if (!tracker) return;
        tracker.close();
        await tracker.drained();
        this.trackers.delete(tpKey(tp));
      }),
    );
    await this.actors.release(partitions.map(tpKey));
  }

  /** Records were dropped by retention before this group read them: say so loudly. */
  retentionGap(tp: TopicPartition, from: number, to: number): void {
    this.metrics.failed.inc({ topic: tp.topic, reason: 'retention-gap' }, to - from);
    this.log.error({ topic: tp.topic, partition: tp.partition, from, to, lost: to - from }, 'records expired before they were consumed');
  }

  /**
   * Stops the consumer's intake at once without draining (a brutal stop): nothing more is committed
   * and no batch it still hands over is taken. A consumer that replaces it is served as usual.
   */
  abandon(consumer: Consumer): void {
    this.abandoned.add(consumer);
    for (const tracker of this.trackers.values()) tracker.abandon();
    this.trackers.clear();
    this.options.idleWatch?.notify();
  }

  private tracker(consumer: Consumer, tp: TopicPartition): PartitionTracker {
    const key = tpKey(tp);
    let tracker = this.trackers.get(key);
    if (!tracker) {
      const labels = { topic: tp.topic, partition: String(tp.partition) };
      tracker = new PartitionTracker(this.options.maxInFlightBatches, (offset) => {
        this.metrics.committedOffset.set(labels, offset);
        consumer.commit(tp, offset).then(
          () => this.options.idleWatch?.notify(),
          (err) => this.log.error({ err, ...labels }, 'commit failed'),
        );
      });
      this.trackers.set(key, tracker);
    }
    return tracker;
  }
}
