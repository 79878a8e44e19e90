// DescribeGroups (key 15) v1: state, protocol and members of each group; an unknown group reads as
// "Dead" with no members, as Kafka answers.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const describeGroups: ApiHandler = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const groupIds = request.array((r) => r.string());
    return new Writer().int32(0).array(groupIds, (w, groupId) => {
      const group = broker.groups.describe(groupId);
      w.int16(ErrorCode.NONE).string(groupId);
      if (group === undefined) {
        w.string('Dead').string('').string('').array([], () => undefined);
        return;
      }
      w.string(group.state).string(group.protocolType).string(group.protocol);
      w.array(group.members, (mw, m) =>
        mw.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment),
      );
    });
  },
};
