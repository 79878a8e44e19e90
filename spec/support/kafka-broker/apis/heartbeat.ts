// Heartbeat (key 12) v1: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { ApiHandler, RequestContext } from './types.js';

export const heartbeat: ApiHandler = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const groupId = request.string();
    const generationId = request.int32();
    const memberId = request.string();
    return new Writer().int32(0).int16(broker.groups.heartbeat(groupId, generationId, memberId));
  },
};
