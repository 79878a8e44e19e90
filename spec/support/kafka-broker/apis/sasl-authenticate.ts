// SaslAuthenticate (key 36) v0-v1: one token of the exchange the handshake began. A refusal is
// SASL_AUTHENTICATION_FAILED with the broker's message, and the connection is closed after it, as
// Kafka does. v1 adds the session lifetime (0: the session does not expire).
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import { SaslAuthenticationFailure } from '../sasl/mechanism.js';
import type { ApiHandler, RequestContext } from './types.js';

export const saslAuthenticate: ApiHandler = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 1,
  handle(request: Reader, { apiVersion, session }: RequestContext): Writer {
    const token = Buffer.from(request.bytes());
    const writer = new Writer();
    try {
      const reply = session.step(token);
      writer.int16(ErrorCode.NONE).string(null).bytes(reply);
    } catch (error) {
      if (!(error instanceof SaslAuthenticationFailure)) throw error;
      writer.int16(ErrorCode.SASL_AUTHENTICATION_FAILED).string(error.message).bytes(Buffer.alloc(0));
    }
    if (apiVersion >= 1) writer.int64(0);
    return writer;
  },
};
