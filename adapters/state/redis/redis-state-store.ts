// StateStore on Redis: the latest snapshot of each actor as JSON under `<prefix>snap:<actorId>`.
// Redis is a cache here, so every call fails fast with StateStoreUnavailableError while Redis is
// down (the runtime then replays from the event store) and works again once it is back.
// The connection helpers at the bottom are shared with the cache layer (cache.ts).
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { CorruptSnapshotError, lowestApplied, StateStoreUnavailableError, type Snapshot, type StateStore } from '../../../runtime/ports/state-store.js';
import { StoreUnreachableError } from '../../../runtime/ports/store-unreachable.js';

export interface RedisConnectionOptions {
  /** An ioredis client owned by the caller (close() leaves it open); ideally built with `redisOptions`. */
  readonly redis?: Redis;
  /** Used when no client is injected; the store then owns its client. Default redis://127.0.0.1:6379. */
  readonly url?: string;
  /** Namespace of every key. Default `regent:`. */
  readonly keyPrefix?: string;
  readonly metrics?: Registry;
  readonly logger?: Logger;
}

// Looser than Snapshot on purpose: extra fields written by a newer version survive a load.
const SnapshotSchema = z.looseObject({
  state: z.unknown(),
  applied: z.record(z.string(), z.number()),
  recentIds: z.array(z.string()).optional(),
  lastEventId: z.string().optional(),
  version: z.number().int(),
  at: z.number(),
});

export class RedisStateStore implements StateStore {
  private readonly connection: RedisConnection;
  private readonly keyPrefix: string;
  private readonly loads: Counter<'result'>;
  private readonly saves: Counter<'result'>;

  constructor(options: RedisConnectionOptions = {}) {
    this.connection = new RedisConnection(options);
    this.keyPrefix = options.keyPrefix ?? 'regent:';
    this.loads = sharedCounter(options.metrics, 'regent_state_snapshot_loads_total', 'Snapshot loads from Redis by result (hit, miss, corrupt, error)');
    this.saves = sharedCounter(options.metrics, 'regent_state_snapshot_saves_total', 'Snapshot saves to Redis by result (ok, error)');
  }

  async load(actorId: string): Promise<Snapshot | undefined> {
    let raw: string | null;
    try {
      raw = await this.connection.run('GET', (redis) => redis.get(this.key(actorId)));
    } catch (error) {
      if (isWrongType(error)) {
        this.loads.inc({ result: 'corrupt' });
        throw new CorruptSnapshotError(actorId, 'key does not hold a string');
      }
      this.loads.inc({ result: 'error' });
      throw error;
    }
    if (raw === null) {
      this.loads.inc({ result: 'miss' });
      return undefined;
    }
    try {
      const snapshot = SnapshotSchema.parse(JSON.parse(raw)) as Snapshot;
      this.loads.inc({ result: 'hit' });
      return snapshot;
    } catch (error) {
      this.loads.inc({ result: 'corrupt' });
      throw new CorruptSnapshotError(actorId, error instanceof z.ZodError ? z.prettifyError(error) : String(error));
    }
  }

  async save(actorId: string, snapshot: Snapshot): Promise<void> {
    try {
      const json = JSON.stringify(snapshot);
      await this.connection.run('SET', (redis) => redis.set(this.key(actorId), json));
      this.saves.inc({ result: 'ok' });
    } catch (error) {
      this.saves.inc({ result: 'error' });
      throw error;
    }
  }

  async delete(actorId: string): Promise<void> {
    await this.connection.run('DEL', (redis) => redis.del(this.key(actorId)));
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const batch of scanKeys(this.connection, escapeGlob(this.keyPrefix) + 'snap:*')) n += batch.length;
    return n;
  }

  async appliedFloor(): Promise<Map<string, number>> {
    const applied: Pick<Snapshot, 'applied'>[] = [];
    for await (const batch of scanKeys(this.connection, escapeGlob(this.keyPrefix) + 'snap:*')) {
      if (batch.length === 0) continue;
      const raws = await this.connection.run('MGET', (redis) => redis.mget(...batch));
      for (const raw of raws) {
        if (raw === null) continue;
        const parsed = SnapshotSchema.safeParse(safeJson(raw));
        if (parsed.success) applied.push(parsed.data);
      }
    }
    return lowestApplied(applied);
  }

  async clear(): Promise<number> {
    let n = 0;
    for await (const batch of scanKeys(this.connection, escapeGlob(this.keyPrefix) + 'snap:*')) {
      if (batch.length) n += await this.connection.run('DEL', (redis) => redis.del(...batch));
    }
    return n;
  }

  /** Resolves once Redis answers; StoreUnreachableError if it refuses, or stays silent for `timeoutMs`. */
  checkReachable(timeoutMs: number): Promise<void> {
    return this.connection.reachable(timeoutMs);
  }

  /** Closes the client if this store created it; an injected one stays open. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private key(actorId: string): string {
    return `${this.keyPrefix}snap:${actorId}`;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Escapes Redis glob metacharacters so a prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Full key names matching a glob, a SCAN page at a time, so Redis is never blocked. */
export async function* scanKeys(connection: RedisConnection, match: string, count = 1000): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await connection.run('SCAN', (redis) => redis.scan(cursor, 'MATCH', match, 'COUNT', count));
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

/**
 * Client options that make a call fail fast while Redis is down and never run it later:
 * - enableOfflineQueue: false: a command issued while disconnected is rejected at once instead of
 *   waiting in a queue (and being executed minutes later, after the caller was told it failed);
 * - autoResendUnfulfilledCommands: false: same for commands in flight when the connection dropped;
 * - maxRetriesPerRequest: 0: those in-flight commands are rejected on the first disconnect;
 * - commandTimeout / connectTimeout 1 s: bounds a call on a connection that hangs instead of closing;
 * - retryStrategy never gives up and retries at most every 500 ms, so the client reconnects by
 *   itself within ~0.5 s of Redis coming back;
 * - disconnectTimeout 500 ms: a connection to a server that never answers is destroyed soon after
 *   it is closed, instead of holding the process for ioredis' default 2 s.
 * Calls made before the first connection (or during a reconnect attempt) wait for it, see `run`.
 */
export const redisOptions: RedisOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
  disconnectTimeout: 500,
};

/** How long a call waits for a connection attempt in progress before it reports Redis unavailable. */
const READY_TIMEOUT_MS = 1000;

/** A client plus the fail-fast guard and error mapping shared by the Redis adapters. */
export class RedisConnection {
  readonly redis: Redis;
  private readonly owned: boolean;
  private readonly log: Logger;
  private readonly url: string;
  private down = false;
  /** One wait for the connection attempt in progress, shared by every call made meanwhile. */
  private ready: Promise<void> | undefined;
  /** Set by close(): a start-up wait for Redis gives up. */
  private closing: (() => void) | undefined;

  constructor(options: Pick<RedisConnectionOptions, 'redis' | 'url' | 'logger'>) {
    this.owned = options.redis === undefined;
    this.url = options.url ?? 'redis://127.0.0.1:6379';
    this.redis = options.redis ?? new Redis(this.url, redisOptions);
    this.log = options.logger ?? silentLogger;
    // Without an 'error' listener ioredis prints every failed reconnect to the console.
    this.redis.on('error', this.onError);
    this.redis.on('ready', this.onReady);
  }

  /** Runs one command, mapping "cannot reach Redis" to StateStoreUnavailableError. */
  async run<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    await this.whenReady(what);
    try {
      return await command(this.redis);
    } catch (error) {
      throw isUnavailable(error) ? unavailable(what, error) : error;
    }
  }

  /**
   * Waits until Redis answers (a start-up check). A refused or unresolvable connection fails at
   * once; one that connects but does not answer (or keeps timing out) fails after `timeoutMs`.
   */
  reachable(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (redis.status === 'ready') return Promise.resolve();
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      let last: Error | undefined;
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('error', onError);
        this.closing = undefined;
        if (error) reject(new StoreUnreachableError('Redis', this.url, error.message, { cause: error }));
        else resolve();
      };
      const onReady = (): void => settle();
      const onError = (error: Error): void => {
        const code = (error as { code?: unknown }).code;
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') settle(error);
        else last = error;
      };
      const timer = setTimeout(() => settle(new Error(`no answer within ${timeoutMs} ms${last ? `: ${last.message}` : ''}`)), timeoutMs);
      this.closing = () => settle(new Error('closed before it answered'));
      redis.on('ready', onReady);
      redis.on('error', onError);
    });
  }

  async close(): Promise<void> {
    this.closing?.();
    this.redis.off('error', this.onError);
    this.redis.off('ready', this.onReady);
    if (!this.owned) return;
    // QUIT needs a live connection (no offline queue); otherwise just stop reconnecting.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private whenReady(what: string): Promise<void> {
    const redis = this.redis;
    switch (redis.status) {
      case 'ready':
        return Promise.resolve();
      case 'wait': // lazyConnect client never used yet
        redis.connect().catch(() => undefined);
        break;
      case 'connecting':
      case 'connect':
        break;
      default: // close, reconnecting (the last attempt failed), end
        return Promise.reject(unavailable(what, new Error(`connection is ${redis.status}`)));
    }
    this.ready ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('close', onClose);
        this.ready = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => settle();
      const onClose = (): void => settle(new Error('connection attempt failed'));
      const timer = setTimeout(() => settle(new Error(`not connected after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      redis.once('ready', onReady);
      redis.once('close', onClose);
    });
    return this.ready.catch((error: Error) => {
      throw unavailable(what, error);
    });
  }

  private readonly onError = (error: Error): void => {
    if (this.down) return;
    this.down = true;
    // A start-up check reports what it finds itself (the start is refused or goes on).
    if (this.closing) return;
    this.log.warn({ err: error.message }, 'redis unreachable; state store degraded until it is back');
  };

  private readonly onReady = (): void => {
    if (!this.down) return;
    this.down = false;
    this.log.info('redis reachable again');
  };
}

/** Reply errors that mean "try later" rather than "bad command". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

// ioredis types ReplyError as `any`; this gives `instanceof` something to narrow with.
const RedisReplyError = ReplyError as new (message: string) => Error;

function isUnavailable(error: unknown): boolean {
  if (error instanceof RedisReplyError) return TRANSIENT_REPLY.test(error.message);
  return error instanceof Error; // connection closed, timed out, max retries, stream not writeable
}

function isWrongType(error: unknown): boolean {
  return error instanceof RedisReplyError && error.message.startsWith('WRONGTYPE');
}

function unavailable(what: string, cause: unknown): StateStoreUnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StateStoreUnavailableError(`redis ${what} failed: ${detail}`, { cause });
}

/** A counter in `registry`, reused when another adapter instance already registered it there. */
export function sharedCounter(registry: Registry | undefined, name: string, help: string): Counter<'result'> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Counter<'result'>;
  return new Counter({ name, help, labelNames: ['result'] as const, registers: registry ? [registry] : [] });
}
