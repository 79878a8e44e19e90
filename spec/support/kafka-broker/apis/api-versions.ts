// ApiVersions (key 18), v0-v2: lists every API with min = max = the one version implemented.
// Other versions get UNSUPPORTED_VERSION in the v0 layout so kafkajs falls back to an older one.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export function apiVersionsHandler(all: () => readonly ApiHandler[]): ApiHandler {
  const body = (errorCode: number, withThrottle: boolean): Writer => {
    const writer = new Writer().int16(errorCode);
    writer.array(all(), (w, api) => w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion));
    if (withThrottle) writer.int32(0);
    return writer;
  };
  return {
    apiKey: 18,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 2,
    handle: (_request: Reader, context: RequestContext) => body(ErrorCode.NONE, context.apiVersion >= 1),
    unsupportedVersion: () => body(ErrorCode.UNSUPPORTED_VERSION, false),
  };
}
