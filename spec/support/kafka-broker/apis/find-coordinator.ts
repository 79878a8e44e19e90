// FindCoordinator (key 10) v1: this node coordinates every group (and transaction id).
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const findCoordinator: ApiHandler = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 1,
  maxVersion: 1,
  handle(request: Reader, { broker }: RequestContext): Writer {
    request.string();
    request.int8();
    return new Writer().int32(0).int16(ErrorCode.NONE).string(null).int32(broker.nodeId).string(broker.host).int32(broker.port);
  },
};
