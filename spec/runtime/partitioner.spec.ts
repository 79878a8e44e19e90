// Checks runtime/partitioner against kafkajs's real DefaultPartitioner, so the in-process log and
// Kafka place every key on the same partition.
import { expect } from 'chai';
import kafkajs from 'kafkajs';
import { murmur2, partitionFor, toPositive } from '../../runtime/events/partitioner.js';
import { SeededRandom } from '../../runtime/kit/random.js';

const { Partitioners } = kafkajs;

function sampleKeys(): string[] {
  const rnd = new SeededRandom(7);
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'BTC', 'ETH', 'SOL', 'ARB', 'DOGE', 'PEPE', '1000SHIB'];
  const symbols = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  for (let i = 0; i < 400; i++) {
    let s = '';
    const len = rnd.int(2, 8);
    for (let j = 0; j < len; j++) s += rnd.pick([...symbols]);
    keys.push(s);
  }
  for (let i = 0; i < 400; i++) {
    let s = '';
    const len = rnd.int(0, 40);
    for (let j = 0; j < len; j++) s += String.fromCharCode(rnd.int(32, 126));
    keys.push(s);
  }
  const multiByte = ['é', 'ü', 'ß', '€', '日本', '币', 'Ω', 'я', '🚀', '🐶', 'ñ', '中文'];
  for (let i = 0; i < 300; i++) {
    let s = '';
    const len = rnd.int(1, 12);
    for (let j = 0; j < len; j++) s += rnd.next() < 0.5 ? rnd.pick(multiByte) : String.fromCharCode(rnd.int(97, 122));
    keys.push(s);
  }
  return keys;
}

describe('runtime/partitioner', () => {
  const keys = sampleKeys();

  it('samples more than 1,000 distinct-looking keys, including multi-byte UTF-8', () => {
    expect(keys.length).to.be.greaterThan(1000);
    expect(keys.some((k) => Buffer.byteLength(k) > k.length)).to.equal(true);
  });

  for (const partitions of [1, 3, 5, 10, 16]) {
    it(`places every key on the same partition as kafkajs's DefaultPartitioner with ${partitions} partitions`, () => {
      const kafka = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
        partitionId: i,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      const mismatches: string[] = [];
      for (const key of keys) {
        const expected = kafka({ topic: 'price.ticks', partitionMetadata, message: { key, value: null } });
        const actual = partitionFor(key, partitions);
        if (actual !== expected) mismatches.push(`${JSON.stringify(key)}: ${actual} != ${expected}`);
      }
      expect(mismatches).to.deep.equal([]);
    });
  }

  it('hashes a string and its UTF-8 Buffer identically', () => {
    for (const key of ['BTC', '日本🚀', 'x']) expect(murmur2(key)).to.equal(murmur2(Buffer.from(key, 'utf8')));
  });

  it('returns known Kafka murmur2 values for fixed keys', () => {
    // Values from Apache Kafka's UtilsTest (testMurmur2): "21" -> -973932308, "foobar" -> -790332482.
    expect(murmur2('21')).to.equal(-973932308);
    expect(murmur2('foobar')).to.equal(-790332482);
    expect(murmur2('a-little-bit-long-string')).to.equal(-985981536);
  });

  it('clears the sign bit rather than taking the absolute value', () => {
    expect(toPositive(-1)).to.equal(0x7fffffff);
    expect(toPositive(-973932308)).to.equal(-973932308 & 0x7fffffff);
    expect(toPositive(5)).to.equal(5);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionFor('BTC', 0)).to.throw(RangeError, /positive integer/);
    expect(() => partitionFor('BTC', 2.5)).to.throw(RangeError);
  });
});
