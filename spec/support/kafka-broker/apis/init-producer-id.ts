// InitProducerId (key 22) v0: a fresh producer id (epoch 0) for an idempotent producer; transactions
// are not served.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53;

export const initProducerId: ApiHandler = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 0,
  handle(request: Reader, { broker }: RequestContext): Writer {
    const transactionalId = request.nullableString();
    request.int32();
    if (transactionalId !== null) return new Writer().int32(0).int16(TRANSACTIONAL_ID_AUTHORIZATION_FAILED).int64(-1).int16(-1);
    return new Writer().int32(0).int16(ErrorCode.NONE).int64(broker.nextProducerId()).int16(0);
  },
};
