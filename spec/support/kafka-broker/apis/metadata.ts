// Metadata (key 3) v4: the single node (leader, replicas, ISR and controller), and the topics asked
// for (null = all). Unknown topics are created when both the client and the broker allow it.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const metadata: ApiHandler = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 4,
  maxVersion: 4,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const requested = request.nullableArray((r) => r.string());
    const allowAutoCreate = request.boolean();
    const names = requested ?? broker.log.topics();
    const writer = new Writer()
      .int32(0)
      .array([broker.nodeId], (w, id) => w.int32(id).string(broker.host).int32(broker.port).string(null))
      .string(broker.clusterId)
      .int32(broker.nodeId);
    return writer.array(names, (w, topic) => {
      if (!broker.log.has(topic) && allowAutoCreate && broker.autoCreateTopics && topic.length > 0) {
        broker.log.create(topic, broker.defaultPartitions);
      }
      const partitions = broker.log.partitions(topic);
      w.int16(partitions === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE)
        .string(topic)
        .boolean(false)
        .array(partitions ?? [], (pw, _log, index) => {
          pw.int16(ErrorCode.NONE).int32(index).int32(broker.nodeId);
          pw.array([broker.nodeId], (rw, id) => rw.int32(id)).array([broker.nodeId], (iw, id) => iw.int32(id));
        });
    });
  },
};
