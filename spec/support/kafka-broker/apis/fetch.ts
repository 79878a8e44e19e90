// Fetch (key 1) v4 with long-poll: answers once min_bytes are there, on an error, or at max_wait,
// woken by every append. Returns whole stored batches from the one holding fetch_offset.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, BrokerState, RequestContext } from './types.js';

interface FetchRequest {
  readonly maxWait: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly topics: readonly { name: string; partitions: readonly { partition: number; offset: number; maxBytes: number }[] }[];
}

function decode(request: Reader): FetchRequest {
  request.int32();
  const maxWait = request.int32();
  const minBytes = request.int32();
  const maxBytes = request.int32();
  request.int8();
  const topics = request.array((t) => ({
    name: t.string(),
    partitions: t.array((p) => ({ partition: p.int32(), offset: p.int64(), maxBytes: p.int32() })),
  }));
  return { maxWait, minBytes, maxBytes, topics };
}

/** Builds the response body now; reports how many record bytes it holds and whether any partition failed. */
function respond(broker: BrokerState, request: FetchRequest): { body: Writer; bytes: number; failed: boolean } {
  let bytes = 0;
  let failed = false;
  const body = new Writer().int32(0).array(request.topics, (w, topic) => {
    w.string(topic.name).array(topic.partitions, (pw, p) => {
      const log = broker.log.partition(topic.name, p.partition);
      let errorCode: number = ErrorCode.NONE;
      let records: Buffer = Buffer.alloc(0);
      if (log === undefined) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (p.offset < log.startOffset || p.offset > log.endOffset) errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      else if (bytes === 0 || bytes < request.maxBytes) {
        records = log.read(p.offset, Math.min(p.maxBytes, Math.max(1, request.maxBytes - bytes)));
        bytes += records.length;
      }
      if (errorCode !== ErrorCode.NONE) failed = true;
      const highWatermark = log?.endOffset ?? -1;
      pw.int32(p.partition).int16(errorCode).int64(highWatermark).int64(highWatermark);
      pw.array([], () => undefined).bytes(records);
    });
  });
  return { body, bytes, failed };
}

export const fetch: ApiHandler = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 4,
  async handle(request: Reader, { broker, signal }: RequestContext): Promise<Writer> {
    const decoded = decode(request);
    const deadline = Date.now() + decoded.maxWait;
    for (;;) {
      const { body, bytes, failed } = respond(broker, decoded);
      if (failed || bytes >= decoded.minBytes || Date.now() >= deadline || signal.aborted) return body;
      await broker.log.waitForAppend(deadline - Date.now(), signal);
    }
  },
};
