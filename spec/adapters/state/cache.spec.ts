import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisCache } from '../../../adapters/state/redis/cache.js';
import { StateStoreUnavailableError } from '../../../runtime/ports/state-store.js';
import { RedisServer, SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait.js';

async function counted(registry: Registry, result: string): Promise<number> {
  const metric = registry.getSingleMetric('regent_cache_requests_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels['result'] === result).reduce((sum, v) => sum + v.value, 0);
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all;
}

describe('RedisCache', () => {
  // A glob metacharacter in the prefix must match literally.
  const prefix = uniquePrefix('cache[*]');
  let redis: Redis;
  let registry: Registry;
  let cache: RedisCache;

  before(() => {
    redis = new Redis(SHARED_REDIS_URL);
  });
  beforeEach(() => {
    registry = new Registry();
    cache = new RedisCache({ redis, keyPrefix: prefix, metrics: registry });
  });
  afterEach(async () => {
    await cache.close();
    await deleteKeys(redis, prefix);
  });
  after(() => redis.quit());

  it('sets and gets JSON values under the prefix', async () => {
    await cache.set('a', { price: 101.5, tags: ['x'] });
    await cache.set('n', 0);
    expect(await cache.get('a')).to.deep.equal({ price: 101.5, tags: ['x'] });
    expect(await cache.get('n')).to.equal(0);
    expect(await cache.get('absent')).to.equal(undefined);
    expect(await redis.get(`${prefix}a`)).to.equal('{"price":101.5,"tags":["x"]}');
    expect(await redis.ttl(`${prefix}a`)).to.equal(-1);
  });

  it('expires a value after its TTL', async () => {
    await cache.set('short', 'soon gone', { ttlMs: 50 });
    expect(await cache.get('short')).to.equal('soon gone');
    await waitFor('the value to expire', async () => (await cache.get('short')) === undefined, 5000);
    await cache.set('long', 1, { ttlMs: 60_000 });
    expect(await redis.pttl(`${prefix}long`)).to.be.within(1, 60_000);
  });

  it('rejects a TTL that is not positive', async () => {
    for (const ttlMs of [0, -5, Number.NaN]) {
      const error = await cache.set('k', 1, { ttlMs }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(RangeError);
    }
  });

  it('mgets values aligned with the keys, across batches', async () => {
    await cache.set('m1', 1);
    await cache.set('m3', { three: 3 });
    expect(await cache.mget(['m1', 'm2', 'm3', 'm1'])).to.deep.equal([1, undefined, { three: 3 }, 1]);
    expect(await cache.mget([])).to.deep.equal([]);
    const keys = Array.from({ length: 1200 }, (_, i) => `b${i}`);
    await redis.mset(...keys.flatMap((k, i) => [prefix + k, JSON.stringify(i)]));
    expect(await cache.mget<number>(keys)).to.deep.equal(keys.map((_, i) => i));
  });

  it('deletes several keys and reports how many existed', async () => {
    await cache.set('d1', 1);
    await cache.set('d2', 2);
    expect(await cache.delete('d1', 'd2', 'd3')).to.equal(2);
    expect(await cache.delete()).to.equal(0);
    expect(await cache.mget(['d1', 'd2'])).to.deep.equal([undefined, undefined]);
  });

  it('scans more than 1000 keys by pattern, each exactly once', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `scan:item:${i}`);
    await redis.mset(...keys.flatMap((k) => [prefix + k, '1']));
    await cache.set('scan:other', 1);
    await redis.set(`${prefix.slice(0, -1)}X:scan:item:0`, '1'); // a sibling namespace, not ours
    try {
      const found = await collect(cache.scan('scan:item:*', { count: 100 }));
      expect(found).to.have.length(keys.length);
      expect(new Set(found)).to.deep.equal(new Set(keys));
    } finally {
      await redis.del(`${prefix.slice(0, -1)}X:scan:item:0`);
    }
  });

  it('counts hits and misses, a non-JSON value as a miss', async () => {
    await cache.set('h', 'x');
    await cache.get('h');
    await cache.get('nope');
    await cache.mget(['h', 'nope', 'nope2']);
    await redis.set(`${prefix}garbage`, '{not json');
    expect(await cache.get('garbage')).to.equal(undefined);
    expect(await counted(registry, 'hit')).to.equal(2);
    expect(await counted(registry, 'miss')).to.equal(4);
  });

  describe('when Redis is down', () => {
    let server: RedisServer;
    let down: RedisCache;

    before(async () => {
      server = await RedisServer.start();
      down = new RedisCache({ url: server.url });
      await down.set('k', 1);
      await server.stop();
    });
    after(async () => {
      await down.close();
      await server.stop();
    });

    it('rejects every operation with StateStoreUnavailableError', async () => {
      const calls: (() => Promise<unknown>)[] = [
        () => down.get('k'),
        () => down.set('k', 2, { ttlMs: 1000 }),
        () => down.delete('k'),
        () => down.mget(['k']),
        () => collect(down.scan('*')),
      ];
      for (const call of calls) {
        const started = Date.now();
        const error = await call().then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(StateStoreUnavailableError);
        expect(Date.now() - started).to.be.below(1500);
      }
    });
  });
});
