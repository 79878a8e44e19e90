// A JSON key-value cache on Redis with optional TTLs, for state that can be rebuilt (the portfolio
// cache). Keys are namespaced by the prefix; values are JSON. Fails fast with
// StateStoreUnavailableError while Redis is down (see redisOptions in redis-state-store.ts).
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { escapeGlob, RedisConnection, scanKeys, sharedCounter, type RedisConnectionOptions } from './redis-state-store.js';

export type RedisCacheOptions = RedisConnectionOptions;

/** Redis-side batch size of MGET (keeps single replies small). */
const MGET_BATCH = 500;

export class RedisCache {
  private readonly connection: RedisConnection;
  private readonly keyPrefix: string;
  private readonly requests: Counter<'result'>;
  private readonly log: Logger;

  constructor(options: RedisCacheOptions = {}) {
    this.connection = new RedisConnection(options);
    this.keyPrefix = options.keyPrefix ?? 'regent:';
    this.log = options.logger ?? silentLogger;
    this.requests = sharedCounter(options.metrics, 'regent_cache_requests_total', 'Cache lookups by result (hit, miss)');
  }

  /** Resolves once Redis answers; StoreUnreachableError if it refuses, or stays silent for `timeoutMs`. */
  checkReachable(timeoutMs: number): Promise<void> {
    return this.connection.reachable(timeoutMs);
  }

  /** The cached value, or undefined. `T` is trusted, not checked: validate what matters. */
  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.connection.run('GET', (redis) => redis.get(this.key(key)));
    return this.decode<T>(key, raw);
  }

  async set(key: string, value: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`cache value for ${key} is not JSON-serializable`);
    const full = this.key(key);
    if (options.ttlMs === undefined) {
      await this.connection.run('SET', (redis) => redis.set(full, json));
      return;
    }
    const ttlMs = Math.ceil(options.ttlMs);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${options.ttlMs}`);
    await this.connection.run('SET', (redis) => redis.set(full, json, 'PX', ttlMs));
  }

  /** Deletes the keys; resolves to how many existed. */
  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.connection.run('DEL', (redis) => redis.del(...keys.map((k) => this.key(k))));
  }

  /** Values aligned with `keys` (undefined where missing). */
  async mget<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const values: (T | undefined)[] = [];
    for (let i = 0; i < keys.length; i += MGET_BATCH) {
      const batch = keys.slice(i, i + MGET_BATCH);
      const raws = await this.connection.run('MGET', (redis) => redis.mget(...batch.map((k) => this.key(k))));
      raws.forEach((raw, j) => values.push(this.decode<T>(batch[j]!, raw)));
    }
    return values;
  }

  /**
   * Keys (without the prefix) matching a glob `pattern`, via SCAN so Redis is never blocked. Each
   * key is yielded once even though SCAN may return it twice; keys written during the scan may or
   * may not appear. `count` is SCAN's per-call work hint.
   */
  async *scan(pattern: string, options: { count?: number } = {}): AsyncGenerator<string> {
    const seen = new Set<string>();
    for await (const keys of scanKeys(this.connection, escapeGlob(this.keyPrefix) + pattern, options.count)) {
      for (const full of keys) {
        if (seen.has(full)) continue;
        seen.add(full);
        yield full.slice(this.keyPrefix.length);
      }
    }
  }

  /** Deletes every cache key of this prefix (not the actor snapshots: the StateStore owns those). */
  async clear(): Promise<number> {
    const doomed: string[] = [];
    for await (const key of this.scan('*')) if (!key.startsWith('snap:')) doomed.push(key);
    for (let i = 0; i < doomed.length; i += 500) await this.delete(...doomed.slice(i, i + 500));
    return doomed.length;
  }

  /** Closes the client if this cache created it; an injected one stays open. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private key(key: string): string {
    return this.keyPrefix + key;
  }

  private decode<T>(key: string, raw: string | null): T | undefined {
    if (raw === null) {
      this.requests.inc({ result: 'miss' });
      return undefined;
    }
    try {
      const value = JSON.parse(raw) as T;
      this.requests.inc({ result: 'hit' });
      return value;
    } catch {
      // A cache entry nobody can read is as good as absent: its owner rewrites it on the next set.
      this.log.warn({ key: this.key(key) }, 'cache value is not JSON; treated as a miss');
      this.requests.inc({ result: 'miss' });
      return undefined;
    }
  }
}

