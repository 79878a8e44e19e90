import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisStateStore } from '../../../adapters/state/redis/redis-state-store.js';
import { CorruptSnapshotError, StateStoreUnavailableError, type Snapshot } from '../../../runtime/ports/state-store.js';
import { RedisServer, SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait.js';

const snapshot = (n: number): Snapshot => ({
  state: { count: n, tokens: ['BTC', 'ETH'] },
  applied: { 'trades/0': n, 'ticks/3': 2 * n },
  recentIds: ['e1', 'e2'],
  lastEventId: `e${n}`,
  version: 1,
  at: 1_700_000_000_000 + n,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function counted(registry: Registry, name: string, result: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels['result'] === result).reduce((sum, v) => sum + v.value, 0);
}

describe('RedisStateStore', () => {
  describe('on the shared Redis', () => {
    const prefix = uniquePrefix('state-store');
    let redis: Redis;
    let registry: Registry;
    let store: RedisStateStore;

    before(() => {
      redis = new Redis(SHARED_REDIS_URL);
    });
    beforeEach(() => {
      registry = new Registry();
      store = new RedisStateStore({ redis, keyPrefix: prefix, metrics: registry });
    });
    afterEach(() => store.close());
    after(async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    it('round-trips a snapshot under <prefix>snap:<actorId>, without a TTL', async () => {
      await store.save('position/BTC', snapshot(7));
      expect(await store.load('position/BTC')).to.deep.equal(snapshot(7));
      expect(await redis.ttl(`${prefix}snap:position/BTC`)).to.equal(-1);
      await store.save('position/BTC', snapshot(8));
      expect(await store.load('position/BTC')).to.deep.equal(snapshot(8));
    });

    it('loads undefined for an actor without a snapshot, and after delete', async () => {
      expect(await store.load('nobody')).to.equal(undefined);
      await store.save('risk/ETH', snapshot(1));
      await store.delete('risk/ETH');
      expect(await store.load('risk/ETH')).to.equal(undefined);
    });

    it('rejects a value that is not JSON with CorruptSnapshotError', async () => {
      await redis.set(`${prefix}snap:bad-json`, '{"state": {');
      const error = await rejection(store.load('bad-json'));
      expect(error).to.be.instanceOf(CorruptSnapshotError);
      expect((error as CorruptSnapshotError).actorId).to.equal('bad-json');
    });

    it('rejects JSON of the wrong shape with CorruptSnapshotError', async () => {
      const { at: _at, ...withoutAt } = snapshot(1);
      for (const [i, value] of [withoutAt, { state: 1, applied: { x: 'one' }, version: 1, at: 1 }, { applied: {}, version: 1, at: 1 }, 42, null].entries()) {
        await redis.set(`${prefix}snap:shape-${i}`, JSON.stringify(value));
        expect(await rejection(store.load(`shape-${i}`)), JSON.stringify(value)).to.be.instanceOf(CorruptSnapshotError);
      }
    });

    it('counts loads by hit, miss and corrupt, and saves by ok', async () => {
      await store.save('m', snapshot(1));
      await store.load('m');
      await store.load('m');
      await store.load('absent');
      await redis.set(`${prefix}snap:corrupt`, 'nope');
      await rejection(store.load('corrupt'));
      expect(await counted(registry, 'regent_state_snapshot_loads_total', 'hit')).to.equal(2);
      expect(await counted(registry, 'regent_state_snapshot_loads_total', 'miss')).to.equal(1);
      expect(await counted(registry, 'regent_state_snapshot_loads_total', 'corrupt')).to.equal(1);
      expect(await counted(registry, 'regent_state_snapshot_saves_total', 'ok')).to.equal(1);
    });

    it('shares its counters with another store on the same registry', async () => {
      const other = new RedisStateStore({ redis, keyPrefix: prefix, metrics: registry });
      await other.load('absent');
      await store.load('absent');
      expect(await counted(registry, 'regent_state_snapshot_loads_total', 'miss')).to.equal(2);
      await other.close();
    });
  });

  describe('when Redis crashes and comes back', () => {
    let server: RedisServer;
    let registry: Registry;
    let store: RedisStateStore;

    before(async () => {
      server = await RedisServer.start();
      registry = new Registry();
      store = new RedisStateStore({ url: server.url, metrics: registry });
    });
    after(async () => {
      await store.close();
      await server.stop();
    });

    it('rejects load and save with StateStoreUnavailableError within 1.5 s while it is down', async () => {
      await store.save('a', snapshot(1));
      await server.stop();
      for (const call of [() => store.load('a'), () => store.save('a', snapshot(2)), () => store.delete('a')]) {
        const started = Date.now();
        expect(await rejection(call())).to.be.instanceOf(StateStoreUnavailableError);
        expect(Date.now() - started).to.be.below(1500);
      }
      expect(await counted(registry, 'regent_state_snapshot_loads_total', 'error')).to.equal(1);
      expect(await counted(registry, 'regent_state_snapshot_saves_total', 'error')).to.equal(1);
    });

    it('works again with the same instance once Redis is restarted', async () => {
      await server.restart();
      await waitFor('the store to reconnect', async () => (await store.load('a').then(() => true, () => false)) || undefined, 10_000);
      expect(await store.load('a')).to.equal(undefined); // the throwaway server persists nothing
      await store.save('a', snapshot(3));
      expect(await store.load('a')).to.deep.equal(snapshot(3));
    });

    it('times out within 1.5 s on a Redis that hangs, and recovers when it answers again', async () => {
      server.freeze();
      try {
        const started = Date.now();
        expect(await rejection(store.load('a'))).to.be.instanceOf(StateStoreUnavailableError);
        expect(Date.now() - started).to.be.below(1500);
      } finally {
        server.thaw();
      }
      await waitFor('the store to answer', async () => (await store.load('a').then(() => true, () => false)) || undefined, 10_000);
      expect(await store.load('a')).to.deep.equal(snapshot(3));
    });

    it('fails fast when created while Redis is down, and connects once it is up', async () => {
      await server.stop();
      const late = new RedisStateStore({ url: server.url });
      try {
        const started = Date.now();
        expect(await rejection(late.load('a'))).to.be.instanceOf(StateStoreUnavailableError);
        expect(Date.now() - started).to.be.below(1500);
        await server.restart();
        await waitFor('the new store to connect', async () => (await late.load('a').then(() => true, () => false)) || undefined, 10_000);
        await late.save('a', snapshot(4));
        expect(await late.load('a')).to.deep.equal(snapshot(4));
      } finally {
        await late.close();
      }
    });
  });
});
