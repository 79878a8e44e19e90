// OffsetFetch (key 9) v1: a group's committed offsets, -1 where there is none (null topics = all).
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const offsetFetch: ApiHandler = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const groupId = request.string();
    const requested = request.nullableArray((t) => ({ name: t.string(), partitions: t.array((p) => p.int32()) }));
    const topics = requested ?? groupedByTopic(broker.groups.committedPartitions(groupId));
    return new Writer().array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, partition) => {
        const committed = broker.groups.committed(groupId, topic.name, partition);
        pw.int32(partition).int64(committed?.offset ?? -1).string(committed?.metadata ?? '').int16(ErrorCode.NONE);
      });
    });
  },
};

function groupedByTopic(partitions: readonly { topic: string; partition: number }[]): { name: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].map(([name, list]) => ({ name, partitions: list }));
}
