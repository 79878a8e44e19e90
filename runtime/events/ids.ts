// Deterministic, uuid-shaped ids derived from a name (seed + sequence, or causing event + emitter),
// so a replay or a retried handler produces the same ids it produced the first time.
import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'hex') => string;
/** crypto.hash (Node >= 20.12) digests in one call, ~2.5x faster than a Hash object; same digest. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
const sha1Hex: (name: string) => string = oneShot
  ? (name) => oneShot('sha1', name, 'hex')
  : (name) => crypto.createHash('sha1').update(name).digest('hex');

export function deterministicId(name: string): string {
  const h = sha1Hex(name);
  // RFC 4122 layout, version 5 (name-based), variant 10xx.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Ids from (seed, sequence) for a producer such as a feed. */
export class SequenceIds {
  private seq = 0;
  constructor(private readonly namespace: string) {}
  next(): string {
    return deterministicId(`${this.namespace}:${this.seq++}`);
  }
}
