// The composition root: the only place that wires adapters to ports. It turns a Config into a
// running Regent (log, stores, exchange, agents, runtime, ops server, feed pump).
import type { Logger } from 'pino';
import { createAgents } from '../actors/index.js';
import { domainEventTypes } from '../actors/events.js';
import { topicSpecs } from '../config/topics.js';
import type { Config } from '../config/schema.js';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { KafkaEventLog } from '../adapters/eventlog/kafka/kafka-event-log.js';
import { describeHealth, type KafkaClusterHealth } from '../adapters/eventlog/kafka/broker-watch.js';
import { checkKafkaTls } from '../adapters/eventlog/kafka/tls-check.js';
import { MemoryAuditLog } from '../adapters/store/memory-audit-log.js';
import { MemoryOrderJournal } from '../adapters/store/memory-order-journal.js';
import { PostgresAuditLog } from '../adapters/store/postgres/postgres-audit-log.js';
import { PostgresOrderJournal } from '../adapters/store/postgres/postgres-order-journal.js';
import { venueFillPump } from '../actors/execution/venue-fill-pump.js';
import { composeExchange } from './compose-exchange.js';
import { composeKafkaSecurity } from './compose-kafka-security.js';
import { composeLlm } from './compose-llm.js';
import type { KafkaSecurity } from '../adapters/eventlog/kafka/kafka-security.js';
import { MeteredExchange } from './metered-exchange.js';
import { operatorApi } from './operator-api.js';
import { commandClock } from './command-clock.js';
import { EventTimeClock } from '../runtime/event-time-clock.js';
import { registerExecutionMetrics } from './execution-metrics.js';
import type { ExecutionState } from '../actors/execution/state.js';
import { deterministicId } from '../runtime/events/ids.js';
import { readSecret } from '../config/secrets.js';
import type { AuditLog } from '../runtime/ports/audit-log.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import { createFeed } from '../adapters/feeds/index.js';
import { opsServer } from '../adapters/http/ops-server.js';
import { MemoryStateStore } from '../adapters/state/memory.js';
import { RedisStateStore } from '../adapters/state/redis/redis-state-store.js';
import { RedisCache } from '../adapters/state/redis/cache.js';
import { PortfolioCache } from '../adapters/state/redis/portfolio-cache.js';
import { ConsistencyJob } from '../adapters/state/redis/consistency-job.js';
import { foldPositions, positionEventTypes } from '../actors/portfolio/positions-from-events.js';
import { portfolioProjection } from '../adapters/state/redis/portfolio-projection.js';
import { EventTypeRegistry } from '../runtime/events/event-types.js';
import { groupConsumer } from '../runtime/intake/group-consumer.js';
import { PostgresEventStore } from '../adapters/store/postgres/postgres-event-store.js';
import { PartitionMaintenanceJob } from '../adapters/store/postgres/partition-maintenance.js';
import type { ChildSpec } from '../runtime/ports/supervision.js';
import type { EventStore } from '../runtime/ports/event-store.js';
import type { StateStore } from '../runtime/ports/state-store.js';
import { FeedPump } from './workers/feed-pump.js';
import { FeedWindow } from './workers/feed-window.js';
import { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { EventLog } from '../runtime/ports/event-log.js';
import { SeededRandom } from '../runtime/kit/random.js';
import { Runtime } from '../runtime/runtime.js';
import { resolve } from 'node:path';
import { CommitJournal } from '../runtime/intake/commit-journal.js';
import { openDeployment, type DeploymentStart } from './deployment.js';
import type { TopicPartition } from '../runtime/ports/event-log.js';
import { PostgresDeploymentStore } from '../adapters/store/postgres/postgres-deployment-store.js';
import { PostgresVenueBook } from '../adapters/store/postgres/postgres-venue-book.js';

/** How long a batch of group commits waits for the store to hold what the log held (then it is tried later). */
const COMMIT_GATE_MS = 5000;
/**
 * On Kafka, how many records a consumer group may have to go before the feed waits (looked at once
 * per as many events): about twenty chunks, so brokers and consumers always have work queued.
 */
const KAFKA_FEED_AHEAD = 2000;

export interface Regent {
  readonly config: Config;
  readonly runtime: Runtime;
  readonly eventLog: EventLog;
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditLog;
  readonly pump: FeedPump;
  /** Port the ops server listens on, once started (undefined when disabled). */
  httpPort(): number | undefined;
  /**
   * Before the runtime starts: decides what to do with the stores found (a new run, a continued
   * one, or a refusal: DeploymentConflictError), restores the in-process log and the paper venue.
   */
  open(options?: { readonly fresh?: boolean }): Promise<DeploymentStart>;
  /** Events stored per topic, when there is an event store (the summary counts a continued run whole). */
  storedCounts(): Promise<Map<string, number> | undefined>;
  /**
   * Closes the store connections (after the runtime stopped); idempotent. `now`: gives up on what
   * is still being written (a shutdown past its deadline): the connections are ended first.
   */
  close(options?: { readonly now?: boolean }): Promise<void>;
}

export interface RegentOptions {
  readonly logger: Logger;
  readonly onFatal?: (error: Error) => void;
  /** Where secrets are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export function createRegent(config: Config, options: RegentOptions): Regent {
  // Credentials first: a venue without them refuses to start before anything is opened.
  const env = options.env ?? process.env;
  const metricsRegistry = new RuntimeMetrics({ defaultMetrics: true });
  // A backtest answering the model from an earlier run's store reads that store and writes nothing
  // to it: the recorded run stays as it was, and this run keeps its events, orders and audit in memory.
  const replaysStore = config.llm.enabled && config.llm.replay === 'store';
  // Creating the pool opens no connection, so a venue refused below leaves nothing to close.
  const postgres =
    config.store.kind === 'postgres'
      ? new PostgresEventStore({
          connectionString: config.store.url,
          schema: config.store.schema,
          metrics: metricsRegistry.registry,
          logger: options.logger,
          connectTimeoutMs: config.store.connectTimeoutMs,
        })
      : undefined;
  if (replaysStore && !postgres) {
    throw new Error('llm.replay "store" answers from the event store: it needs store.kind postgres (--store postgres)');
  }
  /** The store this run records into (none when it only reads a recorded run). */
  const recording = replaysStore ? undefined : postgres;
  // Kafka's TLS files and SASL password are checked before anything is opened too.
  const kafkaSecurity = config.eventLog.kind === 'kafka' ? composeKafkaSecurity(config.eventLog, options.logger, env) : undefined;
  const venue = composeExchange(config, options.logger, env, recording ? new PostgresVenueBook(recording.pool, config.store.schema) : undefined);
  const opsToken = readSecret('OPS_API_TOKEN', env, { onError: (err) => options.logger.error({ err }, 'ops token file problem') });
  const exchange = new MeteredExchange(venue.exchange, metricsRegistry.registry, options.logger);
  const metrics = metricsRegistry;
  let runtime: Runtime | undefined;
  const commits =
    recording && config.eventLog.kind === 'memory'
      ? new CommitJournal(recording, options.logger.child({ component: 'commit-journal' }), undefined, () => (runtime ? runtime.storeHoldsLogNow(COMMIT_GATE_MS) : Promise.resolve(false)))
      : undefined;
  // A broker outage degrades the run (metric, log line, /readyz) until every broker answers again.
  const onKafkaHealth = (health: KafkaClusterHealth) =>
    runtime?.health.track('event-log', health.down.length ? `kafka: ${describeHealth(health)}` : undefined);
  const eventLog = createEventLog(config, metricsRegistry, commits, onKafkaHealth, kafkaSecurity?.security);
  // Nor does it touch the recorded run's snapshots or cache: its state lives in memory.
  const keepsState = config.state.kind === 'redis' && !replaysStore;
  const redisState =
    keepsState
      ? new RedisStateStore({ url: config.state.url, keyPrefix: config.state.keyPrefix, metrics: metrics.registry, logger: options.logger })
      : undefined;
  const stateStore: StateStore = redisState ?? new MemoryStateStore();
  const portfolioCache =
    keepsState
      ? new RedisCache({ url: config.state.url, keyPrefix: config.state.keyPrefix, metrics: metrics.registry, logger: options.logger })
      : undefined;
  const eventStore: EventStore | undefined = recording;
  const llm = composeLlm(config, options.logger, env, postgres);
  const journal: OrderJournal = recording ? new PostgresOrderJournal(recording.pool, config.store.schema) : new MemoryOrderJournal();
  const audit: AuditLog = recording ? new PostgresAuditLog(recording.pool, config.store.schema) : new MemoryAuditLog();
  llm.onBreakerTransition((transition, at) => {
    const id = deterministicId(`llm-breaker/${at}/${transition.from}->${transition.to}`);
    const record = { id, kind: 'breaker' as const, action: `${transition.from}->${transition.to}`, at, correlationId: id, reason: transition.reason, data: { dependency: 'llm', detail: transition.detail } };
    audit.append([record]).catch((err: unknown) => options.logger.error({ err, record }, 'LLM breaker transition not audited'));
  });
  let boundPort: number | undefined;
  const eventTime = new EventTimeClock();
  const infra: ChildSpec[] = recording ? [partitionMaintenance(recording, config.store.schema, options.logger, metrics)] : [];
  if (portfolioCache) infra.push(portfolioWorker(eventLog, new PortfolioCache(portfolioCache), config));
  if (portfolioCache && recording && config.state.consistencyCheck.intervalMs > 0) {
    infra.push(portfolioConsistency(new PortfolioCache(portfolioCache), recording, config, options.logger, metrics));
  }
  infra.push(
    venueFillPump({
      exchange,
      publish: (envelopes) => (runtime ? runtime.publisherPort.publish(envelopes) : Promise.reject(new Error('runtime not built'))),
      log: options.logger.child({ component: 'venue-fills' }),
      onPublishFailed: () => runtime?.metrics.failed.inc({ topic: 'order.updates', reason: 'venue-fill-not-recorded' }),
    }),
  );
  if (config.http.enabled) {
    infra.push(
      opsServer({
        host: config.http.host,
        port: config.http.port,
        allowedHosts: config.http.allowedHosts,
        registry: metrics.registry,
        healthy: () => runtime?.running ?? false,
        ready: () => {
          if (!runtime?.running) return false;
          const eventLogDown = runtime.health.components()['event-log'];
          return eventLogDown === undefined ? true : { ready: false, reasons: { 'event-log': eventLogDown } };
        },
        onListening: (port) => {
          boundPort = port;
        },
        operator: operatorApi(() => runtime, config.http.host, opsToken, commandClock(config.exchange.kind, eventTime)),
      }),
    );
  }
  runtime = new Runtime({
    eventLog,
    agents: createAgents(config, { exchange, journal, audit, ...(llm.client ? { llm: llm.client } : {}) }),
    eventTypes: domainEventTypes,
    topics: topicSpecs(config.topicPartitions),
    groupId: config.eventLog.groupId,
    ...(config.eventLog.ordinal !== undefined ? { memberMetadata: { ordinal: config.eventLog.ordinal } } : {}),
    stateStore,
    ...(eventStore ? { eventStore, storeWaitMs: config.store.rehydrationWaitMs, snapshotsAwaitStore: config.eventLog.kind === 'memory' } : {}),
    ...(config.chaos.enabled
      ? {
          faults: {
            seed: config.chaos.seed ?? config.seed,
            handlerFailureRate: config.chaos.handlerFailureRate,
            killRate: config.chaos.killRate,
            agents: config.chaos.agents,
          },
        }
      : {}),
    logger: options.logger,
    metrics,
    random: new SeededRandom(config.seed),
    supervision: config.supervision,
    snapshotEvery: config.snapshotEvery,
    maxBatchSize: config.eventLog.maxBatchSize,
    maxInFlightBatches: config.eventLog.maxInFlightBatches,
    infra,
    eventTime,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const rt = runtime;
  registerExecutionMetrics(metrics.registry, () => rt.states<ExecutionState>('execution').get('execution'));
  // What the feed boundary refuses is dead-lettered with its reason code and the whole line.
  const feedLog = options.logger.child({ component: 'feed' });
  const feedWindow = config.eventLog.kind === 'kafka' ? new FeedWindow(() => rt.recordsBehind(), KAFKA_FEED_AHEAD) : undefined;
  const feed = createFeed(
    config.feed,
    config.seed,
    config.events,
    (error) => {
      rt.metrics.failed.inc({ topic: 'feed', reason: error.code });
      void rt.publisherPort.deadLetter({
        topic: 'price.ticks',
        reason: error.code,
        detail: `${error.file}:${error.line}: ${error.reason}`,
        original: Buffer.from(error.text),
      });
    },
    (warning) => feedLog.warn(warning),
  );
  let continuing = false;
  let closing: Promise<void> | undefined;
  const pump = new FeedPump({
    feed,
    publisher: rt.publisherPort,
    // With the in-process log only what is stored survives: each chunk waits until it is.
    drained: () => rt.whenIdle({ stored: config.eventLog.kind === 'memory' && eventStore !== undefined }),
    // Kafka keeps the backlog and a seed does not fix its interleaving anyway: the feed runs ahead.
    ...(feedWindow ? { admit: (published: number) => feedWindow.admit(published) } : {}),
    ...(config.events !== undefined ? { maxEvents: config.events } : {}),
    ...(config.feed.ratePerSec !== undefined ? { ratePerSec: config.feed.ratePerSec } : {}),
    // Only a continued run skips what the store holds (a replay of an earlier run's store does not).
    ...(eventStore ? { alreadyStored: (ids: readonly string[]) => (continuing ? eventStore.storedIds(ids) : Promise.resolve(new Set<string>())) } : {}),
  });
  const deployments = recording ? new PostgresDeploymentStore(recording.pool, config.store.schema) : undefined;
  const where = [
    postgres ? `postgres schema ${config.store.schema}` : '',
    keepsState ? `redis prefix ${config.state.keyPrefix}` : '',
  ].filter(Boolean).join(' + ') || 'memory';
  return {
    config,
    runtime: rt,
    eventLog,
    exchange,
    journal,
    audit,
    pump,
    httpPort: () => boundPort,
    open: async ({ fresh = false } = {}) => {
      // A store that is not there stops the start with one clear line (StoreUnreachableError).
      await postgres?.checkReachable();
      // TLS settings a broker refuses stop the start at once (KafkaTlsError); kafkajs would retry them like an outage.
      const tls = kafkaSecurity?.security.tls;
      if (tls) await checkKafkaTls(config.eventLog.brokers, tls);
      if (config.state.requiredAtStart) {
        const timeoutMs = config.state.connectTimeoutMs;
        await Promise.all([redisState?.checkReachable(timeoutMs), portfolioCache?.checkReachable(timeoutMs)]);
      }
      const start = await openDeployment(
        {
          eventLog,
          ...(eventLog instanceof MemoryEventLog ? { restorable: eventLog } : {}),
          ...(eventStore ? { eventStore } : {}),
          ...(deployments ? { deployments } : {}),
          stateStore,
          where,
          ...(portfolioCache ? { clearCaches: () => portfolioCache.clear() } : {}),
        },
        {
          fingerprint: runFingerprint(config),
          topics: topicSpecs(config.topicPartitions),
          storeGroupId: rt.storeGroupId,
          fresh,
          replaysStore,
          log: options.logger,
        },
      );
      await venue.open();
      continuing = start.mode === 'continue';
      return start;
    },
    storedCounts: async () => (eventStore ? eventStore.countByTopic() : undefined),
    close: ({ now = false } = {}) => {
      if (now) {
        // Pending writes fail at once instead of retrying against a store that is not answering.
        void postgres?.close().catch(() => undefined);
        void redisState?.close().catch(() => undefined);
        void portfolioCache?.close().catch(() => undefined);
      }
      closing ??= closeInOrder([
        ['exchange', () => exchange.close()],
        ['venue', () => venue.release()],
        ['llm', () => llm.release()],
        ['ops token', () => opsToken?.close()],
        ['event log', () => eventLog.close()],
        ['kafka secrets', () => kafkaSecurity?.release()],
        ['commit journal', () => commits?.close()],
        ['event store', () => postgres?.close()],
        ['state store', () => redisState?.close()],
        ['portfolio cache', () => portfolioCache?.close()],
      ], options.logger);
      return closing;
    },
  };
}

/** Closes each part in turn; one that fails is logged and the others are still closed. */
async function closeInOrder(parts: readonly [string, () => unknown][], logger: Logger): Promise<void> {
  for (const [part, close] of parts) {
    try {
      await close();
    } catch (err) {
      logger.warn({ err, part }, 'closing failed');
    }
  }
}

/** Creates upcoming daily partitions and drops expired ones, hourly, as a supervised infra worker. */
function partitionMaintenance(store: PostgresEventStore, schema: string, logger: Logger, metrics: RuntimeMetrics): ChildSpec {
  return {
    id: 'partition-maintenance',
    restart: 'permanent',
    shutdown: 10_000,
    type: 'worker',
    start: () => {
      const job = new PartitionMaintenanceJob({ pool: store.pool, schema, logger, metrics: metrics.registry });
      job.start();
      return { stop: () => job.stop(), kill: () => void job.stop() };
    },
  };
}

/** Compares the portfolio cache with the fold of the stored fills and ticks, and repairs it, every interval. */
function portfolioConsistency(cache: PortfolioCache, store: PostgresEventStore, config: Config, logger: Logger, metrics: RuntimeMetrics): ChildSpec {
  return {
    id: 'portfolio-consistency',
    restart: 'permanent',
    shutdown: 10_000,
    type: 'worker',
    start: () => {
      const job = new ConsistencyJob({
        cache,
        truth: () => foldPositions(store.replay({ types: positionEventTypes, order: 'offset' })),
        repair: config.state.consistencyCheck.repair,
        intervalMs: config.state.consistencyCheck.intervalMs,
        logger,
        metrics: metrics.registry,
      });
      job.start();
      return { stop: () => job.stop(), kill: () => void job.stop() };
    },
  };
}

/** Projects the position actors' state changes into the Redis portfolio cache (its own group). */
function portfolioWorker(eventLog: EventLog, cache: PortfolioCache, config: Config): ChildSpec {
  const types = new EventTypeRegistry(domainEventTypes);
  const project = portfolioProjection(cache, config.execution.initialBalance);
  return groupConsumer({
    id: 'portfolio-cache',
    eventLog,
    groupId: `${config.eventLog.groupId}-portfolio`,
    topics: ['state.changes'],
    maxBatchSize: config.eventLog.maxBatchSize,
    shutdownMs: 5000,
    eachBatch: async (consumer, batch) => {
      const events = [];
      for (const record of batch.records) {
        try {
          events.push(types.decode(record.value));
        } catch {
          // Dead-lettered by the router; a projection only reads valid events.
        }
      }
      await project(events);
      await consumer.commit(batch, batch.records[batch.records.length - 1]!.offset + 1);
    },
  });
}

/** The settings that decide what a run's feed produces: a continued run must have the same. */
function runFingerprint(config: Config): Record<string, unknown> {
  const f = config.feed;
  return {
    seed: config.seed,
    feed: f.kind,
    ...(f.path !== undefined ? { feedPath: resolve(f.path) } : {}),
    tokens: f.tokens,
    ...(f.kind === 'synthetic'
      ? { tickIntervalMs: f.tickIntervalMs, startTime: f.startTime, liquidationProbability: f.liquidationProbability, sentimentProbability: f.sentimentProbability }
      : {}),
    eventLog: config.eventLog.kind,
  };
}

function createEventLog(
  config: Config,
  metrics: RuntimeMetrics,
  commits: CommitJournal | undefined,
  onKafkaHealth: (health: KafkaClusterHealth) => void,
  security: KafkaSecurity | undefined,
): EventLog {
  const c = config.eventLog;
  if (c.kind === 'memory') {
    return new MemoryEventLog({
      retention: c.retention,
      retentionRecords: c.retentionRecords,
      ...(commits ? { onCommit: (groupId: string, tp: TopicPartition, offset: number) => commits.record(groupId, tp, offset) } : {}),
    });
  }
  return new KafkaEventLog({
    brokers: c.brokers,
    clientId: c.clientId,
    createTopics: c.createTopics,
    ...(c.replicationFactor !== undefined ? { replicationFactor: c.replicationFactor } : {}),
    ...(c.minInsyncReplicas !== undefined ? { minInsyncReplicas: c.minInsyncReplicas } : {}),
    connectTimeoutMs: c.connectTimeoutMs,
    idempotentProducer: c.idempotentProducer,
    retry: { initialMs: c.retryInitialMs, maxMs: c.retryMaxMs },
    sessionTimeoutMs: c.sessionTimeoutMs,
    heartbeatIntervalMs: c.heartbeatIntervalMs,
    maxWaitTimeMs: c.maxWaitTimeMs,
    onHealth: onKafkaHealth,
    metrics: metrics.registry,
    ...(security ? { security } : {}),
  });
}
