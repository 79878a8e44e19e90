// ListOffsets (key 2) v1: timestamp -1 is the high watermark, -2 the log start; other timestamps
// resolve to the first batch whose max timestamp reaches them (batch granularity).
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const listOffsets: ApiHandler = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    request.int32();
    const topics = request.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), timestamp: p.int64() })),
    }));
    return new Writer().array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, { partition, timestamp }) => {
        const log = broker.log.partition(topic.name, partition);
        if (log === undefined) {
          pw.int32(partition).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
          return;
        }
        const offset = timestamp === -1 ? log.endOffset : timestamp === -2 ? log.startOffset : log.offsetForTimestamp(timestamp);
        pw.int32(partition).int16(ErrorCode.NONE).int64(-1).int64(offset);
      });
    });
  },
};
