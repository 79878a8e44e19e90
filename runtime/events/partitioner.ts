// Kafka's default partitioner (murmur2 of the UTF-8 key bytes, seed 0x9747b28c), so the
// in-process log and Kafka put a token on the same partition (DESIGN.md, Events).
// 32-bit arithmetic with Math.imul; matches the Java client and kafkajs's DefaultPartitioner.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 hash of a key (a string is hashed as its UTF-8 bytes), as a signed 32-bit int. */
export function murmur2(key: string | Buffer): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `toPositive`: clears the sign bit (not the absolute value). */
export function toPositive(h: number): number {
  return h & 0x7fffffff;
}

/** The partition Kafka's default partitioner chooses for a keyed record. */
export function partitionFor(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  }
  return toPositive(murmur2(key)) % partitions;
}
