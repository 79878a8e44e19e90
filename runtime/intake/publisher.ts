// Publishes envelopes to their types' home topics, keyed by token, and dead letters to
// `<topic>.dlq` with the reason. Every publish is counted.
import type { Logger } from 'pino';
import type { Envelope } from '../events/envelope.js';
import { encodeEnvelope, type EventTypeRegistry } from '../events/event-types.js';
import type { RuntimeMetrics } from '../observe/metrics.js';
import type { EventLog, OutgoingRecord } from '../ports/event-log.js';
import { clipForLog } from '../kit/text-clip.js';
import { RecentSet } from '../kit/recent-set.js';

export interface DeadLetter {
  readonly topic: string;
  readonly reason: string;
  readonly detail: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly key?: string;
  readonly actor?: string;
  /** The original record value, or the envelope that could not be handled. */
  readonly original: Buffer | Envelope;
}

export const dlqTopicOf = (topic: string) => `${topic}.dlq`;

/** How many recently published event ids a publisher remembers, to publish an event once. */
export const RECENT_IDS = 10_000;

export class Publisher {
  private readonly recentIds = new RecentSet<string>(RECENT_IDS);

  constructor(
    private readonly log: EventLog,
    private readonly types: EventTypeRegistry,
    private readonly metrics: RuntimeMetrics,
    private readonly logger: Logger,
  ) {}

  publish(envelopes: readonly Envelope[]): Promise<void> {
    if (envelopes.length === 1) return this.publishTo(this.types.topicOf(envelopes[0]!.type), envelopes);
    const byTopic = new Map<string, Envelope[]>();
    for (const e of envelopes) {
      const topic = this.types.topicOf(e.type);
      const list = byTopic.get(topic);
      if (list) list.push(e);
      else byTopic.set(topic, [e]);
    }
    return Promise.all([...byTopic].map(([topic, list]) => this.publishTo(topic, list))).then(() => undefined);
  }

  deadLetter(letter: DeadLetter): Promise<void> {
    const topic = dlqTopicOf(letter.topic);
    this.metrics.deadLetters.inc({ topic: letter.topic, reason: letter.reason });
    this.logger.warn(
      // The record keeps the whole detail and original; the log line only a clipped detail.
      { topic: letter.topic, partition: letter.partition, offset: letter.offset, reason: letter.reason, detail: clipForLog(letter.detail), actor: letter.actor },
      'dead letter',
    );
    const original = Buffer.isBuffer(letter.original) ? letter.original.toString('utf8') : letter.original;
    const value = Buffer.from(
      JSON.stringify({
        reason: letter.reason,
        detail: letter.detail,
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
        actor: letter.actor,
        original,
      }),
    );
    return this.log.publish(topic, [{ value, ...(letter.key !== undefined ? { key: letter.key } : {}) }]);
  }

  private publishTo(topic: string, envelopes: readonly Envelope[]): Promise<void> {
    // An event whose id was just published (a fill from the venue's stream and from an order's
    // answer) is the same event: the log gets it once. Remembered only once published.
    const fresh = envelopes.filter((e) => !this.recentIds.has(e.id));
    if (fresh.length < envelopes.length) this.metrics.republished.inc({ topic }, envelopes.length - fresh.length);
    if (fresh.length === 0) return Promise.resolve();
    const records: OutgoingRecord[] = fresh.map((e) =>
      e.token !== undefined ? { key: e.token, value: encodeEnvelope(e) } : { value: encodeEnvelope(e) },
    );
    this.metrics.published.inc({ topic }, records.length);
    const published = this.log.publish(topic, records);
    published.then(
      () => {
        for (const e of fresh) this.recentIds.add(e.id);
      },
      () => undefined,
    );
    return published;
  }
}
