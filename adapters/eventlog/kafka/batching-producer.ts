// Publishes to Kafka in as few produce requests as the load allows: the publishes that arrive while a
// request is in flight go out together in the next one (kafkajs sendBatch, several topics in one
// request per broker), instead of one request per publish. A publish still resolves only once the
// broker acknowledged its records (acks=all), and fails with the error of the request that carried
// it. One request at a time, in arrival order: records of one key keep their order.
import type { Message, Producer } from 'kafkajs';
import { RequestCoalescer } from './request-coalescer.js';

/** Records of one publish call. */
interface Publish {
  readonly topic: string;
  readonly messages: readonly Message[];
  readonly bytes: number;
}

/**
 * Record bytes per request, well below what a broker takes in one batch by default (1 MB); a single
 * larger publish still goes, alone, as it would without batching.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

export class BatchingProducer {
  private readonly requests: RequestCoalescer<Publish>;

  constructor(producer: () => Promise<Producer>, options: { readonly maxRequestBytes?: number } = {}) {
    this.requests = new RequestCoalescer<Publish>({
      send: async (publishes) => {
        const client = await producer();
        await client.sendBatch({ acks: -1, topicMessages: byTopic(publishes) });
      },
      sizeOf: (p) => p.bytes,
      maxSize: options.maxRequestBytes ?? MAX_REQUEST_BYTES,
    });
  }

  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, messages: readonly Message[]): Promise<void> {
    let bytes = 0;
    for (const m of messages) bytes += size(m.value) + size(m.key);
    return this.requests.push({ topic, messages, bytes });
  }
}

/** One entry per topic, records in the order they were published. */
function byTopic(publishes: readonly Publish[]): { topic: string; messages: Message[] }[] {
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
