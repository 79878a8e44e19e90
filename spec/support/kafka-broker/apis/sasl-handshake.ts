// SaslHandshake (key 17) v0-v1: the client names a mechanism; the answer lists what the broker
// offers, with UNSUPPORTED_SASL_MECHANISM for another one and ILLEGAL_SASL_STATE on a broker
// without SASL (or a connection already authenticated). v1 means SaslAuthenticate carries the tokens.
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiHandler, RequestContext } from './types.js';

export const saslHandshake: ApiHandler = {
  apiKey: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  handle(request: Reader, { broker, session }: RequestContext): Writer {
    const mechanism = request.string();
    const offered = broker.sasl?.mechanisms ?? [];
    let errorCode: number = ErrorCode.NONE;
    if (broker.sasl === undefined || session.authenticated) errorCode = ErrorCode.ILLEGAL_SASL_STATE;
    else if (!broker.sasl.offers(mechanism)) errorCode = ErrorCode.UNSUPPORTED_SASL_MECHANISM;
    else session.begin(broker.sasl.exchange(mechanism));
    // A SASL listener closes the connection after refusing a handshake; a plain one just answers.
    if (errorCode !== ErrorCode.NONE && broker.sasl !== undefined) session.closeAfterReply = true;
    return new Writer().int16(errorCode).array(offered, (w, name) => w.string(name));
  },
};
