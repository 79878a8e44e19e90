// LeaveGroup (key 13) v1: removes the member at once and starts a rebalance for the rest.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { ApiHandler, RequestContext } from './types.js';

export const leaveGroup: ApiHandler = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const groupId = request.string();
    const memberId = request.string();
    return new Writer().int32(0).int16(broker.groups.leave(groupId, memberId));
  },
};
