// The stores of an environment: PostgreSQL (events, and on its pool the order journal, audit trail,
// deployment record and paper venue book) or memory; Redis (actor snapshots, portfolio cache) or
// memory. Creating the pool opens no connection; creating a Redis client does, so those come last.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { MemoryAuditTrail } from '../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../adapters/store/memory-order-journal.js';
import { PostgresAuditTrail } from '../adapters/store/postgres/postgres-audit-trail.js';
import { PostgresDeploymentStore } from '../adapters/store/postgres/postgres-deployment-store.js';
import { PostgresEventStore } from '../adapters/store/postgres/postgres-event-store.js';
import { PostgresOrderJournal } from '../adapters/store/postgres/postgres-order-journal.js';
import { PostgresVenueBook } from '../adapters/store/postgres/postgres-venue-book.js';
import { MemoryStateStore } from '../adapters/state/memory.js';
import { RedisCache } from '../adapters/state/redis/cache.js';
import { RedisPortfolioCache } from '../adapters/state/redis/portfolio-cache.js';
import { RedisStateStore } from '../adapters/state/redis/redis-state-store.js';
import type { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { AuditTrail } from '../runtime/ports/audit-trail.js';
import type { DeploymentStore } from '../runtime/ports/deployment-store.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import type { StateStore } from '../runtime/ports/state-store.js';
import type { VenueBook } from '../runtime/ports/venue-book.js';

export interface StoreOptions {
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/** The PostgreSQL event store when store.kind is postgres (the one a run records into, or a replay reads). */
export function composeEventStore(config: Config, options: StoreOptions): PostgresEventStore | undefined {
  if (config.store.kind !== 'postgres') return undefined;
  return new PostgresEventStore({
    connectionString: config.store.url,
    schema: config.store.schema,
    metrics: options.metrics.registry,
    logger: options.logger,
    connectTimeoutMs: config.store.connectTimeoutMs,
  });
}

export interface ComposedRecords {
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
  /** The deployment record (which run the stores hold), with a store only. */
  readonly deployments?: DeploymentStore;
  /** What the paper venue keeps across restarts, with a store only. */
  readonly venueBook?: VenueBook;
}

/** Orders, audit and the rest on the store the run records into, or in memory without one. */
export function composeRecords(recording: PostgresEventStore | undefined, schema: string): ComposedRecords {
  if (!recording) return { journal: new MemoryOrderJournal(), audit: new MemoryAuditTrail() };
  return {
    journal: new PostgresOrderJournal(recording.pool, schema),
    audit: new PostgresAuditTrail(recording.pool, schema),
    deployments: new PostgresDeploymentStore(recording.pool, schema),
    venueBook: new PostgresVenueBook(recording.pool, schema),
  };
}

export interface ComposedState {
  readonly stateStore: StateStore;
  /** Set when the snapshots are in Redis. */
  readonly redisState?: RedisStateStore;
  /** The Redis cache the portfolio cache is kept in. */
  readonly cache?: RedisCache;
  readonly portfolioCache?: RedisPortfolioCache;
}

/** Snapshots and the portfolio cache in Redis when state.kind is redis and `inMemory` is not asked for; memory otherwise. */
export function composeStateStores(config: Config, inMemory: boolean, options: StoreOptions): ComposedState {
  const s = config.state;
  if (s.kind !== 'redis' || inMemory) return { stateStore: new MemoryStateStore() };
  const redis = { url: s.url, keyPrefix: s.keyPrefix, metrics: options.metrics.registry, logger: options.logger };
  const redisState = new RedisStateStore(redis);
  const cache = new RedisCache(redis);
  return { stateStore: redisState, redisState, cache, portfolioCache: new RedisPortfolioCache(cache) };
}
