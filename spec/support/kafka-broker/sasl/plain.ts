// SASL PLAIN (RFC 4616): one message `authzid NUL user NUL password`; an authzid, when given, must
// be the user itself.
import { timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationFailure, type SaslExchange, type SaslStep, type SaslUsers } from './mechanism.js';

const INVALID = 'Authentication failed: Invalid username or password';

export function plainExchange(users: SaslUsers): SaslExchange {
  return {
    step(message: Buffer): SaslStep {
      const parts = message.toString('utf8').split('\u0000');
      if (parts.length !== 3) throw new SaslAuthenticationFailure('Invalid SASL/PLAIN response: expected 3 tokens');
      const [authzid, user, password] = parts as [string, string, string];
      if (authzid !== '' && authzid !== user) throw new SaslAuthenticationFailure('Authentication failed: Client requested an authorization id that is different from username');
      const expected = users[user];
      if (expected === undefined || !sameText(expected, password)) throw new SaslAuthenticationFailure(INVALID);
      return { state: 'authenticated', reply: Buffer.alloc(0), user };
    },
  };
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
