// SASL SCRAM-SHA-256 / SCRAM-SHA-512, server side (RFC 5802, RFC 7677), without channel binding as
// Kafka does: client-first (`n,,n=user,r=cnonce`) gets server-first (`r=cnonce+snonce,s=salt,i=4096`);
// client-final (`c=biws,r=nonce,p=proof`) is checked against the stored key and gets server-final
// (`v=signature`). The user's credential (salt, stored key, server key) is made once per broker.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationFailure, type SaslExchange, type SaslStep, type SaslUsers } from './mechanism.js';

export type ScramDigest = 'sha256' | 'sha512';

const ITERATIONS = 4096;
const LENGTH: Record<ScramDigest, number> = { sha256: 32, sha512: 64 };

interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** What a SCRAM broker stores per user: never the password itself. */
export class ScramCredentials {
  private readonly byUser = new Map<string, ScramCredential>();

  constructor(readonly digest: ScramDigest, users: SaslUsers) {
    for (const [user, password] of Object.entries(users)) {
      const salt = randomBytes(16);
      const salted = pbkdf2Sync(password, salt, ITERATIONS, LENGTH[digest], digest);
      const clientKey = hmac(digest, salted, 'Client Key');
      this.byUser.set(user, { salt, storedKey: hash(digest, clientKey), serverKey: hmac(digest, salted, 'Server Key') });
    }
  }

  of(user: string): ScramCredential | undefined {
    return this.byUser.get(user);
  }
}

export function scramExchange(credentials: ScramCredentials): SaslExchange {
  const mechanism = `SCRAM-${credentials.digest === 'sha256' ? 'SHA-256' : 'SHA-512'}`;
  const invalid = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
  let first: { readonly bare: string; readonly serverFirst: string; readonly nonce: string; readonly user: string; readonly gs2: string } | undefined;
  let done = false;
  return {
    step(message: Buffer): SaslStep {
      if (done) throw new SaslAuthenticationFailure(`${mechanism}: the exchange is over`);
      const text = message.toString('utf8');
      if (first === undefined) {
        // gs2-header: n (no channel binding) or y, an optional a=authzid, then the bare message.
        const match = /^([ny]),(a=[^,]*)?,(.*)$/.exec(text);
        if (!match) throw new SaslAuthenticationFailure(`Invalid SCRAM client first message (channel binding is not supported)`);
        const bare = match[3]!;
        const attrs = attributes(bare);
        const user = decodeName(attrs.get('n'));
        const clientNonce = attrs.get('r');
        if (user === undefined || !clientNonce || attrs.has('m')) throw new SaslAuthenticationFailure('Invalid SCRAM client first message');
        const credential = credentials.of(user);
        if (!credential) {
          done = true;
          throw new SaslAuthenticationFailure(invalid);
        }
        const nonce = clientNonce + randomBytes(18).toString('base64');
        const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${ITERATIONS}`;
        first = { bare, serverFirst, nonce, user, gs2: `${match[1]},${match[2] ?? ''},` };
        return { state: 'continue', reply: Buffer.from(serverFirst, 'utf8') };
      }
      done = true;
      const proofAt = text.lastIndexOf(',p=');
      if (proofAt < 0) throw new SaslAuthenticationFailure('Invalid SCRAM client final message: no proof');
      const withoutProof = text.slice(0, proofAt);
      const attrs = attributes(withoutProof);
      if (attrs.get('c') !== Buffer.from(first.gs2, 'utf8').toString('base64')) throw new SaslAuthenticationFailure('Invalid SCRAM client final message: channel binding');
      if (attrs.get('r') !== first.nonce) throw new SaslAuthenticationFailure('Invalid SCRAM client final message: nonce');
      const credential = credentials.of(first.user)!;
      const authMessage = `${first.bare},${first.serverFirst},${withoutProof}`;
      const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
      const signature = hmac(credentials.digest, credential.storedKey, authMessage);
      if (proof.length !== signature.length) throw new SaslAuthenticationFailure(invalid);
      const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
      if (!timingSafeEqual(hash(credentials.digest, clientKey), credential.storedKey)) throw new SaslAuthenticationFailure(invalid);
      const serverSignature = hmac(credentials.digest, credential.serverKey, authMessage).toString('base64');
      return { state: 'authenticated', reply: Buffer.from(`v=${serverSignature}`, 'utf8'), user: first.user };
    },
  };
}

function attributes(message: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of message.split(',')) {
    const at = part.indexOf('=');
    if (at === 1) found.set(part[0]!, part.slice(2));
  }
  return found;
}

/** saslname: `=2C` is a comma and `=3D` an equals sign; any other `=` is invalid. */
function decodeName(name: string | undefined): string | undefined {
  if (name === undefined || /=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function hmac(digest: ScramDigest, key: Buffer, data: string): Buffer {
  return createHmac(digest, key).update(data, 'utf8').digest();
}

function hash(digest: ScramDigest, data: Buffer): Buffer {
  return createHash(digest).update(data).digest();
}
