// SyncGroup (key 14) v1: the leader brings every member's assignment; followers' replies wait for
// it. An assignment is never null: zero-length bytes for a member with no partitions.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { ApiHandler, RequestContext } from './types.js';

export const syncGroup: ApiHandler = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 1,
  maxVersion: 1,
  async handle(request: Reader, context: RequestContext): Promise<Writer> {
    const groupId = request.string();
    const generationId = request.int32();
    const memberId = request.string();
    const assignments = request.array((a) => ({ memberId: a.string(), assignment: a.bytes() }));
    const result = await context.broker.groups.sync({ groupId, generationId, memberId, assignments }, context.signal);
    return new Writer().int32(0).int16(result.errorCode).bytes(result.assignment);
  },
};
