// Publishes to Kafka in as few produce requests as the load allows: the publishes that arrive while a
// request is in flight go out together in the next one (kafkajs sendBatch, several topics in one
// request per broker), instead of one request per publish. A publish still resolves only once the
// broker acknowledged its records (acks=all), and fails with the error of the request that carried
// it. One request at a time, in arrival order: records of one key keep their order.
//
// Every record gets its partition here (Kafka's default partitioner, as kafkajs would pick it), so
// the acknowledgement can be checked partition by partition: kafkajs 2.2.4 retries a request only
// toward brokers that have not answered yet, and the records of a partition that moved to a broker
// that had already answered are never sent, while the send resolves (sendMessages.js,
// responsePerBroker). Those are sent again, before anything published later.
import kafkajs, { type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import { RequestCoalescer } from './request-coalescer.js';

const { Partitioners } = kafkajs;

/** Records of one publish call, each with its partition. */
interface Publish {
  readonly topic: string;
  readonly messages: readonly Message[];
  readonly bytes: number;
}

interface TopicMessages {
  readonly topic: string;
  readonly messages: Message[];
}

/**
 * Record bytes per request, well below what a broker takes in one batch by default (1 MB); a single
 * larger publish still goes, alone, as it would without batching.
 */
const MAX_REQUEST_BYTES = 512 * 1024;
/** Sends of the records still unacknowledged before the publishes fail (and are waited out as an outage). */
const MAX_SENDS = 5;

/** Some partitions of a request were still not acknowledged after MAX_SENDS sends: leaders keep moving. */
export class RecordsNotAcknowledgedError extends Error {
  override readonly name = 'RecordsNotAcknowledgedError';
  constructor(readonly partitions: readonly string[]) {
    super(`the brokers did not acknowledge the records of ${partitions.join(', ')} (leaders moving)`);
  }
}

export class BatchingProducer {
  private readonly requests: RequestCoalescer<Publish>;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly layouts = new Map<string, PartitionMetadata[]>();
  private readonly whileUnavailable: <T>(send: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly partitionsOf: (topic: string) => number,
    options: {
      readonly maxRequestBytes?: number;
      /**
       * Runs each send, trying it again while the brokers are out. The same records go again, in the
       * same request, before anything published later: an idempotent producer then gives them the same
       * sequence numbers, so a request that did land is recognised instead of written twice.
       */
      readonly whileUnavailable?: <T>(send: () => Promise<T>) => Promise<T>;
    } = {},
  ) {
    this.whileUnavailable = options.whileUnavailable ?? ((send) => send());
    this.requests = new RequestCoalescer<Publish>({
      send: (publishes) => this.sendAll(byTopic(publishes)),
      sizeOf: (p) => p.bytes,
      maxSize: options.maxRequestBytes ?? MAX_REQUEST_BYTES,
    });
  }

  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, messages: readonly Message[]): Promise<void> {
    const partitionMetadata = this.layout(topic);
    let bytes = 0;
    const placed = messages.map((m) => {
      bytes += size(m.value) + size(m.key);
      return m.partition !== undefined && m.partition !== null ? m : { ...m, partition: this.partitioner({ topic, partitionMetadata, message: m }) };
    });
    return this.requests.push({ topic, messages: placed, bytes });
  }

  /** The topic's partitions as the partitioner sees them: all available, so a key always maps to the same one. */
  private layout(topic: string): PartitionMetadata[] {
    let layout = this.layouts.get(topic);
    const partitions = this.partitionsOf(topic);
    if (!layout || layout.length !== partitions) {
      layout = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
      this.layouts.set(topic, layout);
    }
    return layout;
  }

  private async sendAll(request: readonly TopicMessages[]): Promise<void> {
    let unacknowledged = request;
    for (let sends = 1; ; sends++) {
      const sending = unacknowledged;
      const results = await this.whileUnavailable(async () => (await this.producer()).sendBatch({ acks: -1, topicMessages: [...sending] }));
      const acknowledged = new Set(results.map((r) => `${r.topicName}/${r.partition}`));
      unacknowledged = unacknowledged
        .map((t) => ({ topic: t.topic, messages: t.messages.filter((m) => !acknowledged.has(`${t.topic}/${m.partition}`)) }))
        .filter((t) => t.messages.length > 0);
      if (unacknowledged.length === 0) return;
      if (sends >= MAX_SENDS) {
        throw new RecordsNotAcknowledgedError([...new Set(unacknowledged.flatMap((t) => t.messages.map((m) => `${t.topic}/${m.partition}`)))]);
      }
    }
  }
}

/** One entry per topic, records in the order they were published. */
function byTopic(publishes: readonly Publish[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const p of publishes) {
    const list = topics.get(p.topic);
    if (list) list.push(...p.messages);
    else topics.set(p.topic, [...p.messages]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

function size(part: Message['value'] | Message['key']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part) : part.length;
}
