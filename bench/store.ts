// Durable-state figures on the real PostgreSQL and Redis of this machine: event-store ingest and
// replay rates, the time to rehydrate one actor (full replay, and snapshot + tail), and the
// restart-to-ready latency of a crashed actor in a runtime wired to both stores.
// Every run works in a throwaway schema `regent_bench_<random>` and under a unique Redis key
// prefix; `close()` drops the schema, deletes the keys and closes every pool and client.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PriceTick } from '../actors/market/events.js';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { RedisStateStore, redisOptions } from '../adapters/state/redis/redis-state-store.js';
import { PostgresEventStore } from '../adapters/store/postgres/postgres-event-store.js';
import { defineAgent } from '../runtime/agent/agent.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { Health } from '../runtime/observe/health.js';
import { silentLogger } from '../runtime/ports/logger.js';
import { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { StoredEvent } from '../runtime/ports/event-store.js';
import { rehydrate, SNAPSHOT_VERSION, type RehydrationEnv } from '../runtime/cells/rehydration.js';
import { Runtime } from '../runtime/runtime.js';
import { partitionFor } from '../runtime/events/partitioner.js';

export const PG_URL = process.env.REGENT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REGENT_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const TOPIC = 'price.ticks';
/** Ten token names, the i-th on partition i of a 10-partition topic as Kafka's partitioner places it. */
const TOKENS = Array.from({ length: 10 }, (_, p) => {
  for (let n = 0; ; n++) if (partitionFor(`TK${n}`, 10) === p) return `TK${n}`;
});

/** One throwaway schema + Redis key prefix, and everything needed to remove them again. */
export class BenchStores {
  readonly eventStore: PostgresEventStore;
  readonly stateStore: RedisStateStore;
  private readonly redis: Redis;
  private closed = false;

  private constructor(
    readonly schema: string,
    readonly keyPrefix: string,
  ) {
    this.eventStore = new PostgresEventStore({ connectionString: PG_URL, schema, pool: { application_name: 'regent-bench' } });
    this.redis = new Redis(REDIS_URL, redisOptions);
    this.stateStore = new RedisStateStore({ redis: this.redis, keyPrefix });
  }

  /** Creates the schema (migrations run) and checks that Redis answers. */
  static async open(): Promise<BenchStores> {
    const id = randomBytes(4).toString('hex');
    const stores = new BenchStores(`regent_bench_${id}`, `regent-bench-${id}:`);
    try {
      await stores.eventStore.migrate();
      await stores.redis.ping();
    } catch (err) {
      await stores.close();
      throw err;
    }
    return stores;
  }

  /** Drops the schema, deletes the keys under the prefix, closes the pool and the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.eventStore.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.eventStore.close();
      try {
        if (this.redis.status === 'ready') {
          let cursor = '0';
          do {
            const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 1000);
            if (keys.length) await this.redis.del(...keys);
            cursor = next;
          } while (cursor !== '0');
        }
      } finally {
        await this.stateStore.close(); // the injected client stays open: quit it here
        if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
        else this.redis.disconnect();
      }
    }
  }
}

export interface IngestResult {
  readonly eventsPerSec: number;
  readonly events: number;
  readonly batches: number;
  readonly tokens: number;
  /** Events per token (= per partition: token i is on partition i). */
  readonly perToken: number;
}

/**
 * Price-tick envelopes for 10 tokens, token i on partition i of `price.ticks` with its own offsets,
 * event time in the current hours so rows land in the day partitions, not the default one.
 */
function storedTicks(count: number): StoredEvent[][] {
  const perToken = Math.floor(count / TOKENS.length);
  const start = Date.now() - perToken * 1000;
  return TOKENS.map((token, partition) => {
    let price = 100 + partition;
    return Array.from({ length: perToken }, (_, offset): StoredEvent => {
      price *= 1 + (((offset * 7919 + partition * 104_729) % 2001) - 1000) / 1e6;
      const id = randomUUID();
      return {
        id,
        type: PriceTick.type,
        ts: start + offset * 1000 + partition,
        token,
        source: 'bench',
        correlationId: id,
        data: { price: Number(price.toFixed(6)), volume: 1 + (offset % 17) },
        topic: TOPIC,
        partition,
        offset,
      };
    });
  });
}

/**
 * Appends `count` envelopes in batches of `batchSize`, each batch from one partition with the
 * writer group's next offset in the same transaction, one batch at a time, as the store writer does.
 */
export async function ingestRate(stores: BenchStores, count: number, batchSize = 1000): Promise<IngestResult> {
  const partitions = storedTicks(count);
  const perToken = partitions[0]!.length;
  const batches: StoredEvent[][] = [];
  for (let i = 0; i < perToken; i += batchSize) for (const events of partitions) batches.push(events.slice(i, i + batchSize));
  const started = performance.now();
  for (const batch of batches) {
    const last = batch[batch.length - 1]!;
    await stores.eventStore.append(batch, [{ groupId: 'bench-store', topic: TOPIC, partition: last.partition, offset: last.offset + 1 }]);
  }
  const seconds = (performance.now() - started) / 1000;
  const events = perToken * TOKENS.length;
  const stored = await stores.eventStore.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${stores.schema}".events`);
  if (Number(stored.rows[0]!.n) !== events) throw new Error(`ingest stored ${stored.rows[0]!.n} rows, expected ${events}`);
  return { eventsPerSec: events / seconds, events, batches: batches.length, tokens: TOKENS.length, perToken };
}

export interface ReplayResult {
  readonly eventsPerSec: number;
  readonly events: number;
}

/** Streams stored events back (cursor, 1,000 rows a round trip); median of `runs` runs. */
export async function replayRate(stores: BenchStores, which: 'all' | 'token', runs = 3): Promise<ReplayResult> {
  const query = which === 'all' ? {} : { token: TOKENS[0]! };
  const rates: number[] = [];
  let events = 0;
  for (let run = 0; run < runs; run++) {
    let n = 0;
    const started = performance.now();
    for await (const event of stores.eventStore.replay(query)) if (event.offset >= 0) n++;
    rates.push(n / ((performance.now() - started) / 1000));
    events = n;
  }
  return { eventsPerSec: median(rates), events };
}

interface BenchState {
  readonly count: number;
  readonly last: number;
  readonly sum: number;
}

const nextState = (s: BenchState, price: number): BenchState => ({ count: s.count + 1, last: price, sum: s.sum + price });

/** A keyed agent with a small fold: what is measured is the store and the kernel, not the handler. */
const foldAgent = defineAgent({
  name: 'bench-fold',
  consumes: [PriceTick],
  key: 'token',
  initialState: (): BenchState => ({ count: 0, last: 0, sum: 0 }),
  handle: (state, event) => nextState(state, event.data.price),
});

export interface RehydrationResult {
  /** Median over the timed runs, ms. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
  /** Events of the actor's token in the store. */
  readonly events: number;
  /** Events folded through the handler per rehydration. */
  readonly replayed: number;
  readonly source: string;
}

/**
 * Time of one `rehydrate()` call (runtime/rehydration.ts, the function an actor cell runs before
 * its first message) for the actor of the first token, on the events `ingestRate` stored: snapshot
 * load from Redis, cursor replay from PostgreSQL of the token's events after it, each through the
 * agent's handler. With `snapshotBefore`, a snapshot of the state that many events before the end
 * is saved to Redis first; without, the actor has no snapshot (a Redis miss, then full replay).
 */
export async function rehydrationTime(stores: BenchStores, perToken: number, snapshotBefore?: number, runs = 5): Promise<RehydrationResult> {
  const token = TOKENS[0]!;
  const actorId = `${foldAgent.name}:${token}`;
  const metrics = new RuntimeMetrics();
  // Processed bound = what a started runtime's group has committed: everything ingested.
  const bound = Object.fromEntries(TOKENS.map((_, p) => [`${TOPIC}/${p}`, perToken]));
  const env: RehydrationEnv = {
    stateStore: stores.stateStore,
    eventStore: stores.eventStore,
    health: new Health(metrics, silentLogger),
    metrics,
    log: silentLogger,
    processedBound: async () => bound,
    storedUpTo: async () => new Map(Object.entries(bound)),
    storeWaitMs: 0,
    // The bench writes its snapshots straight to the store, on no log: take its offsets as they are.
    lineage: () => ({ id: 'bench', epoch: 'bench', keptBelow: () => Number.POSITIVE_INFINITY }),
  };
  // The expected state, folded in memory from the same rows (and the snapshot's state on the way).
  let expected = foldAgent.initialState(token);
  let snapshotState: BenchState | undefined;
  let at = 0;
  for await (const event of stores.eventStore.replay({ token })) {
    expected = nextState(expected, (event.data as { price: number }).price);
    if (snapshotBefore !== undefined && ++at === perToken - snapshotBefore) snapshotState = expected;
  }
  await stores.stateStore.delete(actorId);
  if (snapshotBefore !== undefined) {
    await stores.stateStore.save(actorId, {
      state: snapshotState,
      applied: { [`${TOPIC}/0`]: perToken - snapshotBefore - 1 },
      version: SNAPSHOT_VERSION,
      at: Date.now(),
    });
  }
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof rehydrate<BenchState>>> | undefined;
  for (let run = 0; run <= runs; run++) {
    const started = performance.now();
    last = await rehydrate(foldAgent, token, actorId, env);
    const ms = performance.now() - started;
    if (run > 0) times.push(ms); // run 0 warms the connection and the plan
    if (JSON.stringify(last.state) !== JSON.stringify(expected)) {
      throw new Error(`rehydrated ${JSON.stringify(last.state)}, expected ${JSON.stringify(expected)}`);
    }
  }
  await stores.stateStore.delete(actorId);
  return { medianMs: median(times), minMs: Math.min(...times), runs, events: perToken, replayed: last!.replayed, source: last!.source };
}

export interface RestartResult {
  readonly crashes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Events replayed from PostgreSQL per restart, on average. */
  readonly replayedPerRestart: number;
  readonly backoffMs: number;
}

/**
 * A runtime on the in-process log with the real stores (store writer to PostgreSQL, snapshots to
 * Redis every 100 events), one actor whose handler throws once per round. Latency = from the
 * throw to the moment the restarted actor has handled its next event (the retried one), so it
 * covers the supervisor's restart, the wait for the store writer to reach the actor's offsets, the
 * snapshot load, the replay of the events after the snapshot and the state check against the live
 * state. Backoff is 0 ms (min = max = 0, no jitter).
 *
 * `mode`: `'mid-stream'` crashes inside a 100-event burst, with the store writer as far behind as it
 * happens to be; `'store-caught-up'` crashes on a lone event published once the store holds
 * everything before it, which isolates the rehydration from the writer's lag.
 */
export async function restartToReady(crashes: number, mode: 'mid-stream' | 'store-caught-up'): Promise<RestartResult> {
  const stores = await BenchStores.open();
  const token = 'BENCH';
  const probe = { crashId: undefined as string | undefined, retryId: undefined as string | undefined, thrownAt: 0, latencies: [] as number[] };
  const agent = defineAgent({
    name: 'bench-restart',
    consumes: [PriceTick],
    key: 'token',
    initialState: (): BenchState => ({ count: 0, last: 0, sum: 0 }),
    handle: (state, event) => {
      if (event.id === probe.crashId) {
        probe.crashId = undefined;
        probe.retryId = event.id;
        probe.thrownAt = performance.now();
        throw new Error('bench: crash once');
      }
      const next = nextState(state, event.data.price);
      if (event.id === probe.retryId) {
        probe.retryId = undefined;
        probe.latencies.push(performance.now() - probe.thrownAt);
      }
      return next;
    },
  });
  const log = new MemoryEventLog();
  const runtime = new Runtime({
    eventLog: log,
    agents: [agent],
    eventTypes: [PriceTick],
    topics: [{ name: TOPIC, partitions: 1 }],
    eventStore: stores.eventStore,
    stateStore: stores.stateStore,
    snapshotEvery: 100,
    supervision: { backoffMinMs: 0, backoffMaxMs: 0, jitter: 0, maxRestarts: 1_000_000 },
    passivationSweepMs: 0,
  });
  let published = 0;
  const ticks = (n: number): Envelope[] =>
    Array.from({ length: n }, () => {
      const id = randomUUID();
      const i = published++;
      return { id, type: PriceTick.type, ts: Date.now(), token, source: 'bench', correlationId: id, data: { price: 100 + (i % 50) / 10, volume: 1 } };
    });
  const storeHolds = async (next: number) => {
    for (;;) {
      if (((await stores.eventStore.offsets(runtime.storeGroupId)).get(`${TOPIC}/0`) ?? 0) >= next) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  try {
    await runtime.start();
    // History: the actor exists, has snapshots, and the store holds its events.
    await runtime.publisherPort.publish(ticks(1000));
    await runtime.whenIdle({ pollMs: 1, timeoutMs: 30_000 });
    await storeHolds(published);
    for (let round = 0; round < crashes; round++) {
      const before = probe.latencies.length;
      if (mode === 'mid-stream') {
        const burst = ticks(100);
        probe.crashId = burst[20 + ((round * 37) % 60)]!.id;
        await runtime.publisherPort.publish(burst);
      } else {
        await runtime.publisherPort.publish(ticks(37 + ((round * 29) % 50)));
        await runtime.whenIdle({ pollMs: 1, timeoutMs: 30_000 });
        await storeHolds(published);
        const [lone] = ticks(1);
        probe.crashId = lone!.id;
        await runtime.publisherPort.publish([lone!]);
      }
      await runtime.whenIdle({ pollMs: 1, timeoutMs: 30_000 });
      if (probe.latencies.length !== before + 1) throw new Error(`round ${round}: the crash or its retry did not happen`);
    }
    const state = runtime.states<BenchState>(agent.name).get(token);
    if (state?.count !== published) throw new Error(`actor applied ${state?.count} events, ${published} were published`);
    if (runtime.restarts.length !== crashes) throw new Error(`${runtime.restarts.length} restarts for ${crashes} crashes`);
    if ((await runtime.metrics.total(runtime.metrics.divergences)) !== 0) throw new Error('a rehydrated state diverged from the live one');
    const replayed = await runtime.metrics.total(runtime.metrics.replayed);
    const sorted = [...probe.latencies].sort((a, b) => a - b);
    return {
      crashes,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1]!,
      replayedPerRestart: replayed / crashes,
      backoffMs: 0,
    };
  } finally {
    await runtime.stop().catch((err) => process.stderr.write(`bench: stopping the runtime failed: ${String(err)}\n`));
    await stores.close();
  }
}

function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
