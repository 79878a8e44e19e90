// JoinGroup (key 11) v2: held until the rebalance's join phase completes (see group-coordinator.ts).
// v2 hands out member ids directly, without v4's MEMBER_ID_REQUIRED round trip.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { ApiHandler, RequestContext } from './types.js';

export const joinGroup: ApiHandler = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 2,
  maxVersion: 2,
  async handle(request: Reader, context: RequestContext): Promise<Writer> {
    const groupId = request.string();
    const sessionTimeout = request.int32();
    const rebalanceTimeout = request.int32();
    const memberId = request.string();
    const protocolType = request.string();
    const protocols = request.array((p) => ({ name: p.string(), metadata: Buffer.from(p.bytes()) }));
    const result = await context.broker.groups.join(
      { groupId, memberId, clientId: context.clientId, clientHost: context.clientHost, sessionTimeout, rebalanceTimeout, protocolType, protocols },
      context.signal,
    );
    return new Writer()
      .int32(0)
      .int16(result.errorCode)
      .int32(result.generationId)
      .string(result.protocol)
      .string(result.leaderId)
      .string(result.memberId)
      .array(result.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
  },
};
