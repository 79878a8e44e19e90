// The composition root: the only place that wires adapters to ports. It takes the Environment
// (app/environments.ts: the event log, stores, venue, LLM client and clocks the Config chose) and
// wires it into a running Regent: agents, runtime, workers, ops server, feed pump.
import type { Logger } from 'pino';
import { createAgents } from '../actors/index.js';
import { domainEventTypes } from '../actors/events.js';
import type { ExecutionState } from '../actors/execution/state.js';
import { createFeed } from '../adapters/feeds/index.js';
import { opsServer } from '../adapters/http/ops-server.js';
import { topicSpecs } from '../config/topics.js';
import type { Config } from '../config/schema.js';
import { deterministicId } from '../runtime/events/ids.js';
import { SeededRandom } from '../runtime/kit/random.js';
import { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { AuditTrail } from '../runtime/ports/audit-trail.js';
import type { EventLog } from '../runtime/ports/event-log.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import type { ChildSpec } from '../runtime/ports/supervision.js';
import { Runtime } from '../runtime/runtime.js';
import { applicationTree } from '../supervisors/tree.js';
import { openDeployment, type DeploymentStart } from './deployment.js';
import { createEnvironment, type Environment } from './environments.js';
import { registerExecutionMetrics } from './execution-metrics.js';
import { operatorApi } from './operator-api.js';
import { runFingerprint } from './run-fingerprint.js';
import { portfolioConsistency } from './workers/consistency-job.js';
import { FeedPump } from './workers/feed-pump.js';
import { FeedWindow } from './workers/feed-window.js';
import { partitionMaintenance } from './workers/partition-maintenance.js';
import { portfolioCacheWorker } from './workers/portfolio-cache.js';
import { venueFillPump } from './workers/venue-fill-pump.js';

/**
 * On a log that keeps its records (Kafka), how many records a consumer group may have to go before
 * the feed waits (looked at once per as many events): about twenty chunks, so brokers and consumers
 * always have work queued.
 */
const DURABLE_LOG_FEED_AHEAD = 2000;

export interface Regent {
  readonly config: Config;
  readonly runtime: Runtime;
  readonly eventLog: EventLog;
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
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
  const metrics = new RuntimeMetrics({ defaultMetrics: true });
  let runtime: Runtime | undefined;
  const environment = createEnvironment(config, { logger: options.logger, env: options.env ?? process.env, metrics, runtime: () => runtime });
  const { eventLog, exchange, journal, audit, llm, recording } = environment;
  llm.onBreakerTransition((transition, at) => {
    const id = deterministicId(`llm-breaker/${at}/${transition.from}->${transition.to}`);
    const record = { id, kind: 'breaker' as const, action: `${transition.from}->${transition.to}`, at, correlationId: id, reason: transition.reason, data: { dependency: 'llm', detail: transition.detail } };
    audit.append([record]).catch((err: unknown) => options.logger.error({ err, record }, 'LLM breaker transition not audited'));
  });
  let boundPort: number | undefined;
  const services = workers(config, environment, options.logger, metrics, () => runtime);
  if (config.http.enabled) {
    services.push(
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
        operator: operatorApi(() => runtime, config.http.host, environment.opsToken, environment.clocks.command),
      }),
    );
  }
  try {
    runtime = new Runtime({
      eventLog,
      agents: createAgents(config, { exchange, journal, audit, ...(llm.client ? { llm: llm.client } : {}) }),
      eventTypes: domainEventTypes,
      topics: topicSpecs(config.topicPartitions),
      groupId: config.eventLog.groupId,
      ...(config.eventLog.ordinal !== undefined ? { memberMetadata: { ordinal: config.eventLog.ordinal } } : {}),
      stateStore: environment.stateStore,
      ...(recording ? { eventStore: recording, storeWaitMs: config.store.rehydrationWaitMs, snapshotsAwaitStore: !environment.durableLog } : {}),
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
      tree: applicationTree(config.supervision),
      snapshotEvery: config.snapshotEvery,
      maxBatchSize: config.eventLog.maxBatchSize,
      maxInFlightBatches: config.eventLog.maxInFlightBatches,
      services,
      eventTime: environment.clocks.eventTime,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
  } catch (err) {
    // A tree or agent the runtime refuses (TreeError): what the environment opened is closed again.
    void environment.close({ now: true }).catch(() => undefined);
    throw err;
  }
  const rt = runtime;
  registerExecutionMetrics(metrics.registry, () => rt.states<ExecutionState>('execution').get('execution'));
  // What the feed boundary refuses is dead-lettered with its reason code and the whole line.
  const feedLog = options.logger.child({ component: 'feed' });
  const feedWindow = environment.durableLog ? new FeedWindow(() => rt.recordsBehind(), DURABLE_LOG_FEED_AHEAD) : undefined;
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
  const pump = new FeedPump({
    feed,
    publisher: rt.publisherPort,
    // With the in-process log only what is stored survives: each chunk waits until it is.
    drained: () => rt.whenIdle({ stored: !environment.durableLog && recording !== undefined }),
    // Kafka keeps the backlog and a seed does not fix its interleaving anyway: the feed runs ahead.
    ...(feedWindow ? { admit: (published: number) => feedWindow.admit(published) } : {}),
    ...(config.events !== undefined ? { maxEvents: config.events } : {}),
    ...(config.feed.ratePerSec !== undefined ? { ratePerSec: config.feed.ratePerSec } : {}),
    // Only a continued run skips what the store holds (a replay of an earlier run's store does not).
    ...(recording ? { alreadyStored: (ids: readonly string[]) => (continuing ? recording.storedIds(ids) : Promise.resolve(new Set<string>())) } : {}),
  });
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
      await environment.checkReachable();
      const start = await openDeployment(environment.deployment, {
        fingerprint: runFingerprint(config),
        topics: topicSpecs(config.topicPartitions),
        storeGroupId: rt.storeGroupId,
        fresh,
        replaysStore: environment.kind === 'replay',
        log: options.logger,
      });
      await environment.venue.open();
      continuing = start.mode === 'continue';
      return start;
    },
    storedCounts: async () => (recording ? recording.countByTopic() : undefined),
    close: (closeOptions) => environment.close(closeOptions),
  };
}

/** The services beside the agents: store partitions, the portfolio cache and its check, the venue's own fills. */
function workers(config: Config, environment: Environment, logger: Logger, metrics: RuntimeMetrics, runtime: () => Runtime | undefined): ChildSpec[] {
  const { recording, portfolioCache } = environment;
  const services: ChildSpec[] = recording ? [partitionMaintenance(recording, config.store.schema, logger, metrics)] : [];
  if (portfolioCache) services.push(portfolioCacheWorker(environment.eventLog, portfolioCache, config));
  if (portfolioCache && recording && config.state.consistencyCheck.intervalMs > 0) {
    services.push(portfolioConsistency(portfolioCache, recording, config, logger, metrics));
  }
  services.push(
    venueFillPump({
      exchange: environment.exchange,
      publish: (envelopes) => runtime()?.publisherPort.publish(envelopes) ?? Promise.reject(new Error('runtime not built')),
      log: logger.child({ component: 'venue-fills' }),
      onPublishFailed: () => runtime()?.metrics.failed.inc({ topic: 'order.updates', reason: 'venue-fill-not-recorded' }),
    }),
  );
  return services;
}
