// OffsetCommit (key 8) v2: stores offsets for a member of the current generation of a stable group
// (or a simple commit, generation -1, into an empty group). Retention is ignored: offsets stay.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const offsetCommit: ApiHandler = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 2,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const groupId = request.string();
    const generationId = request.int32();
    const memberId = request.string();
    request.int64();
    const topics = request.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), offset: p.int64(), metadata: p.nullableString() })),
    }));
    const groupError = broker.groups.checkCommit(groupId, generationId, memberId);
    return new Writer().array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, p) => {
        let errorCode = groupError;
        if (errorCode === ErrorCode.NONE && broker.log.partition(topic.name, p.partition) === undefined) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (errorCode === ErrorCode.NONE) broker.groups.storeOffset(groupId, topic.name, p.partition, { offset: p.offset, metadata: p.metadata });
        pw.int32(p.partition).int16(errorCode);
      });
    });
  },
};
