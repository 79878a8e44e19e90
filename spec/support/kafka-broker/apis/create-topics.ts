// CreateTopics (key 19) v1: -1 partitions means the broker default, an explicit replica assignment
// fixes the count; a replication factor above 1 is refused (one node), the topic configs are kept;
// an existing topic answers TOPIC_ALREADY_EXISTS. validate_only creates nothing.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

interface TopicRequest {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly assigned: number;
  readonly configs: ReadonlyMap<string, string | null>;
}

const INVALID_REPLICATION_FACTOR = 38;

export const createTopics: ApiHandler = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const topics = request.array((r): TopicRequest => {
      const name = r.string();
      const partitions = r.int32();
      const replicationFactor = r.int16();
      const assigned = r.array((a) => [a.int32(), a.array((x) => x.int32())]).length;
      const configs = new Map(r.array((c) => [c.string(), c.nullableString()] as const));
      return { name, partitions, replicationFactor, assigned, configs };
    });
    request.int32();
    const validateOnly = request.boolean();
    return new Writer().array(topics, (w, topic) => {
      const count = topic.assigned > 0 ? topic.assigned : topic.partitions === -1 ? broker.defaultPartitions : topic.partitions;
      let error: [number, string | null] = [ErrorCode.NONE, null];
      if (topic.name.length === 0) error = [ErrorCode.INVALID_REQUEST, 'empty topic name'];
      else if (count <= 0) error = [ErrorCode.INVALID_PARTITIONS, `invalid partition count ${count}`];
      else if (topic.replicationFactor > 1) error = [INVALID_REPLICATION_FACTOR, `Replication factor: ${topic.replicationFactor} larger than available brokers: 1.`];
      else if (broker.log.has(topic.name)) error = [ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${topic.name} already exists`];
      else if (!validateOnly) broker.log.create(topic.name, count, topic.configs);
      w.string(topic.name).int16(error[0]).string(error[1]);
    });
  },
};
