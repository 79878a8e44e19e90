// The chaos harness: the full agent pipeline on the in-process log with the real PostgreSQL event
// store and a Redis state store, a seeded synthetic feed, and the checks of DESIGN.md's invariant:
// every position equals the fold of its events, nothing applied twice, no order sent twice, every
// event stored exactly once.
import pg from 'pg';
import { Redis } from 'ioredis';
import { createAgents } from '../../actors/index.js';
import { domainEventTypes } from '../../actors/events.js';
import type { PositionState } from '../../actors/position/position-math.js';
import { foldPositions } from '../../actors/portfolio/positions-from-events.js';
import { defaultConfig, type Config } from '../../config/schema.js';
import { topicNames, topicSpecs } from '../../config/topics.js';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import { MemoryAuditTrail } from '../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../adapters/store/memory-order-journal.js';
import { PostgresAuditTrail } from '../../adapters/store/postgres/postgres-audit-trail.js';
import { PostgresOrderJournal } from '../../adapters/store/postgres/postgres-order-journal.js';
import type { AuditTrail } from '../../runtime/ports/audit-trail.js';
import type { OrderJournal } from '../../runtime/ports/order-journal.js';
import { SyntheticFeed } from '../../adapters/feeds/synthetic.js';
import { RedisStateStore } from '../../adapters/state/redis/redis-state-store.js';
import { PostgresEventStore } from '../../adapters/store/postgres/postgres-event-store.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { FeedPump } from '../../app/workers/feed-pump.js';
import type { FaultSettings } from '../../runtime/observe/fault-injector.js';
import { Runtime } from '../../runtime/runtime.js';
import type { StateStore } from '../../runtime/ports/state-store.js';
import type { EventLog } from '../../runtime/ports/event-log.js';
import { deleteKeys } from './redis-server.js';
import { waitFor } from './wait.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { applicationTree } from '../../supervisors/tree.js';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const TOKENS = Array.from({ length: 20 }, (_, i) => ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE'][i] ?? `TK${i}`);

export function chaosSeed(): number {
  return Number(process.env.REGENT_CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
}

export function pipelineConfig(seed: number): Config {
  const config = defaultConfig();
  return { ...config, seed, feed: { ...config.feed, tokens: TOKENS } };
}

export interface Stores {
  readonly eventStore: PostgresEventStore;
  readonly stateStore: StateStore & { close(): Promise<void> };
  readonly schema: string;
  readonly appName: string;
  cleanup(): Promise<void>;
}

export async function openStores(name: string, redisUrl = 'redis://127.0.0.1:6379'): Promise<Stores> {
  const run = `${name}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const schema = `regent_chaos_${run}`;
  const appName = `regent-chaos-${run}`;
  const prefix = `regent-chaos:${run}:`;
  const eventStore = new PostgresEventStore({ pool: { connectionString: PG_URL, application_name: appName }, schema });
  const stateStore = new RedisStateStore({ url: redisUrl, keyPrefix: prefix });
  return {
    eventStore,
    stateStore,
    schema,
    appName,
    cleanup: async () => {
      await eventStore.close();
      await stateStore.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        await deleteKeys(redis, prefix);
      } catch {
        // A throwaway server that is already gone has nothing to clean.
      } finally {
        redis.disconnect();
      }
    },
  };
}

export interface PipelineOptions {
  readonly seed: number;
  /** Pod number in a multi-pod group. */
  readonly ordinal?: number;
  /** Same partition count for every topic, so a token's topics live on one pod. */
  readonly partitions?: number;
  readonly log: EventLog;
  readonly exchange: PaperExchange;
  readonly eventStore?: PostgresEventStore;
  readonly stateStore?: StateStore;
  readonly faults?: FaultSettings;
}

// One journal and audit log per venue account (the exchange instance), shared by every pod and every
// runtime that replaces a killed one, as a database would be.
const journals = new WeakMap<PaperExchange, { journal: OrderJournal; audit: AuditTrail }>();

export function executionStoresFor(exchange: PaperExchange, eventStore?: PostgresEventStore): { journal: OrderJournal; audit: AuditTrail } {
  let stores = journals.get(exchange);
  if (!stores) {
    stores = eventStore
      ? { journal: new PostgresOrderJournal(eventStore.pool, eventStore.schema), audit: new PostgresAuditTrail(eventStore.pool, eventStore.schema) }
      : { journal: new MemoryOrderJournal(), audit: new MemoryAuditTrail() };
    journals.set(exchange, stores);
  }
  return stores;
}

export function pipeline(options: PipelineOptions): Runtime {
  const config = pipelineConfig(options.seed);
  const supervision = { backoffMinMs: 1, backoffMaxMs: 10, maxRestarts: 100_000, withinMs: 60_000, shutdownMs: 2000 };
  return new Runtime({
    stateStore: new MemoryStateStore(),
    eventLog: options.log,
    agents: createAgents(config, { exchange: options.exchange, ...executionStoresFor(options.exchange, options.eventStore) }),
    eventTypes: domainEventTypes,
    topics: options.partitions ? topicSpecs(Object.fromEntries(topicNames.map((t) => [t, options.partitions!]))) : topicSpecs(),
    ...(options.ordinal !== undefined ? { memberMetadata: { ordinal: options.ordinal }, name: `pod-${options.ordinal}` } : {}),
    ...(options.eventStore ? { eventStore: options.eventStore } : {}),
    ...(options.stateStore ? { stateStore: options.stateStore } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    supervision,
    // The application's tree, so chaos exercises the supervision it ships with.
    tree: applicationTree(supervision),
    passivationSweepMs: 0,
  });
}

export function feedEvents(seed: number, count: number): Envelope[] {
  const config = pipelineConfig(seed);
  return [
    ...new SyntheticFeed({
      seed,
      tokens: TOKENS,
      tickIntervalMs: config.feed.tickIntervalMs,
      startTime: config.feed.startTime,
      liquidationProbability: config.feed.liquidationProbability,
      sentimentProbability: config.feed.sentimentProbability,
      maxEvents: count,
    }).events(),
  ];
}

/** Publishes events in chunks, waiting for the runtime to drain each, calling `between` after each chunk. */
export async function pump(runtime: Runtime, events: readonly Envelope[], between: (published: number) => Promise<void> | void = () => {}): Promise<void> {
  const chunk = 1000;
  for (let i = 0; i < events.length; i += chunk) {
    const p = new FeedPump({ feed: { name: 'chaos', events: () => events.slice(i, i + chunk) }, publisher: runtime.publisherPort, drained: () => runtime.whenIdle({ timeoutMs: 60_000 }) });
    await p.run();
    await between(Math.min(events.length, i + chunk));
  }
}

const types = new EventTypeRegistry(domainEventTypes);

/**
 * Every distinct event of a topic in the log, partition by partition, in offset order. A handler
 * re-run after a kill may publish an event again under the same id (at-least-once); the fold of an
 * actor's events counts each event once.
 */
export function topicEvents(log: MemoryEventLog, topic: string): Envelope[] {
  const out: Envelope[] = [];
  const seen = new Set<string>();
  for (let p = 0; p < log.partitionsOf(topic); p++) {
    for (const r of log.read({ topic, partition: p })) {
      const e = types.decode(r.value);
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      out.push(e);
    }
  }
  return out;
}

/** Positions folded from empty over their events in log order: the invariant's reference. */
export function expectedPositions(log: MemoryEventLog): Promise<Map<string, PositionState>> {
  return foldPositions([...topicEvents(log, 'trade.executed'), ...topicEvents(log, 'price.ticks')]);
}

export interface InvariantReport {
  readonly positionsChecked: number;
  readonly tradeEvents: number;
  readonly storedEvents: number;
}

/** Checks the chaos invariant; throws with a precise message (and the seed) on the first breach. */
export async function checkInvariant(pods: Runtime | readonly Runtime[], log: MemoryEventLog, exchange: PaperExchange, seed: number, stores?: Stores): Promise<InvariantReport> {
  const fail = (what: string) => {
    throw new Error(`chaos invariant broken (seed ${seed}): ${what}`);
  };
  const runtimes: readonly Runtime[] = Array.isArray(pods) ? (pods as readonly Runtime[]) : [pods as Runtime];
  const runtime = runtimes[0]!;
  /** Live actors of an agent over all pods; one key must never be live on two pods. */
  const liveStates = <S>(agent: string) => {
    const merged = new Map<string, S>();
    for (const r of runtimes) {
      for (const [key, state] of r.states<S>(agent)) {
        if (merged.has(key)) fail(`${agent}:${key} is live on two pods`);
        merged.set(key, state);
      }
    }
    return merged;
  };
  const expected = await expectedPositions(log);
  const live = liveStates<PositionState>('position');
  for (const [token, want] of expected) {
    const got = live.get(token) ?? ((await stores?.stateStore.load(`position:${token}`))?.state as PositionState | undefined);
    if (!got) fail(`position:${token} has no state`);
    for (const field of ['size', 'avgEntry', 'realizedPnl', 'fees', 'markPrice'] as const) {
      if (got![field] !== want[field]) fail(`position:${token}.${field} is ${got![field]}, the fold of its events gives ${want[field]}`);
    }
  }
  const trades = topicEvents(log, 'trade.executed');
  const fillIds = new Set(trades.map((t) => (t.data as { fillId: string }).fillId));
  if (fillIds.size !== trades.length) fail(`${trades.length - fillIds.size} fills were published twice`);
  const ids = new Set(trades.map((t) => (t.data as { clientOrderId: string }).clientOrderId));
  if (ids.size !== trades.length) fail(`${trades.length - ids.size} orders were filled twice (distinct fill events for one client order id)`);
  if (exchange.allFills.length !== trades.length) fail(`the exchange filled ${exchange.allFills.length} times but ${trades.length} fills were published`);
  if (exchange.placedCount !== new Set(exchange.allFills.map((f) => f.clientOrderId)).size) {
    // Every placed order fills at once on the paper exchange, so distinct orders = distinct filled ids.
    fail(`the exchange holds ${exchange.placedCount} orders for ${ids.size} filled client order ids`);
  }
  const trading = liveStates<{ closes: number[] }>('trading');
  const ticksByToken = new Map<string, number[]>();
  for (const e of topicEvents(log, 'price.ticks')) ticksByToken.set(e.token!, [...(ticksByToken.get(e.token!) ?? []), (e.data as { price: number }).price]);
  for (const [token, state] of trading) {
    const all = ticksByToken.get(token) ?? [];
    const want = all.slice(-state.closes.length);
    if (state.closes.length !== Math.min(all.length, 50) || state.closes.some((c, i) => c !== want[i])) fail(`trading:${token} closes differ from its last ticks (a tick applied twice or lost)`);
  }
  let storedEvents = 0;
  if (stores) {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query(`SELECT topic, count(*)::int AS n, count(DISTINCT id)::int AS d FROM "${stores.schema}".events GROUP BY topic`);
      const stored = new Map(rows.map((r: { topic: string; n: number; d: number }) => [r.topic, r]));
      for (const topic of runtime.types.all().map((t) => t.topic).filter((t, i, a) => a.indexOf(t) === i)) {
        const inLog = topicEvents(log, topic).length;
        const row = stored.get(topic) as { n: number; d: number } | undefined;
        if ((row?.n ?? 0) !== inLog) fail(`${topic}: ${row?.n ?? 0} events stored, ${inLog} in the log`);
        if ((row?.d ?? 0) !== (row?.n ?? 0)) fail(`${topic}: an event is stored twice`);
        storedEvents += row?.n ?? 0;
      }
    } finally {
      await admin.end();
    }
  }
  return { positionsChecked: expected.size, tradeEvents: trades.length, storedEvents };
}

/** Waits until the store writer has persisted everything in the log (non-DLQ topics). */
export async function storeCaughtUp(runtime: Runtime, log: MemoryEventLog, stores: Stores): Promise<void> {
  const ends = new Map<string, number>();
  for (const topic of log.topicNames().filter((t) => !t.endsWith('.dlq'))) {
    for (let p = 0; p < log.partitionsOf(topic); p++) ends.set(`${topic}/${p}`, await log.endOffset({ topic, partition: p }));
  }
  await waitFor('the store writer to catch up', async () => {
    const stored = await stores.eventStore.offsets(runtime.storeGroupId);
    return [...ends].every(([k, end]) => end === 0 || stored.get(k) === end);
  }, 60_000);
}
