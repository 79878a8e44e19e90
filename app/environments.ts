// The environment a run trades in, chosen from the Config: its event log, stores, venue, LLM client
// and clocks. Every choice of an adapter by its kind is made here and in the helpers this calls
// (environment-*.ts, compose-*.ts); app/compose.ts wires what comes out to the runtime and the agents.
import type { Logger } from 'pino';
import { checkKafkaTls } from '../adapters/eventlog/kafka/tls-check.js';
import type { PostgresEventStore } from '../adapters/store/postgres/postgres-event-store.js';
import type { Config } from '../config/schema.js';
import { readSecret, type Secret } from '../config/secrets.js';
import { EventTimeClock } from '../runtime/event-time-clock.js';
import type { CommitJournal } from '../runtime/intake/commit-journal.js';
import type { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { AuditTrail } from '../runtime/ports/audit-trail.js';
import type { Clock } from '../runtime/ports/clock.js';
import type { EventLog } from '../runtime/ports/event-log.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import type { PortfolioCache } from '../runtime/ports/portfolio-cache.js';
import type { StateStore } from '../runtime/ports/state-store.js';
import type { Runtime } from '../runtime/runtime.js';
import type { CachedPosition } from '../adapters/state/redis/portfolio-cache.js';
import { commandClock } from './command-clock.js';
import { composeExchange, type ComposedExchange } from './compose-exchange.js';
import type { ComposedKafkaSecurity } from './compose-kafka-security.js';
import { composeLlm, type ComposedLlm } from './compose-llm.js';
import type { DeploymentPorts } from './deployment.js';
import { composeEventLog, composeEventLogSecurity } from './environment-event-log.js';
import { composeEventStore, composeRecords, composeStateStores } from './environment-stores.js';
import { MeteredExchange } from '../adapters/exchange/metered.js';

/**
 * live: a real venue (hyperliquid or binance, testnet or mainnet). paper: the paper venue.
 * replay: the model is answered from an earlier run's event store (llm.replay 'store'), which the
 * run reads and never writes. (Issue 15 adds 'backtest' here, with its bundle in createEnvironment.)
 */
export type EnvironmentKind = 'live' | 'paper' | 'replay';

export function environmentKind(config: Config): EnvironmentKind {
  if (config.llm.enabled && config.llm.replay === 'store') return 'replay';
  return config.exchange.kind === 'paper' ? 'paper' : 'live';
}

export interface Environment {
  readonly kind: EnvironmentKind;
  readonly eventLog: EventLog;
  /** The event log keeps its records beyond this process (Kafka); the in-process log only what the store holds. */
  readonly durableLog: boolean;
  /** The event store this run records into: none in memory, none for a replay. */
  readonly recording?: PostgresEventStore;
  /** The event store a replay reads the earlier run's answers from. */
  readonly replaying?: PostgresEventStore;
  readonly stateStore: StateStore;
  readonly portfolioCache?: PortfolioCache<CachedPosition>;
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
  /** The configured venue adapter, its secrets and its book. */
  readonly venue: ComposedExchange;
  /** The venue as the agents call it: timed, counted and logged (MeteredExchange). */
  readonly exchange: Exchange;
  readonly llm: ComposedLlm;
  /** Event time (the runtime moves it), and the clock that dates operator commands. */
  readonly clocks: { readonly eventTime: EventTimeClock; readonly command: Clock };
  readonly commits?: CommitJournal;
  readonly kafkaSecurity?: ComposedKafkaSecurity;
  /** The ops API's bearer token (OPS_API_TOKEN[_FILE]), when one is given. */
  readonly opsToken?: Secret;
  /** What a start looks at, and may erase, to decide between a fresh and a continued run. */
  readonly deployment: DeploymentPorts;
  /** Stops a start whose store, brokers or (when required) Redis cannot be used, before anything runs. */
  checkReachable(): Promise<void>;
  /**
   * Closes what the environment opened, in order (after the runtime stopped). `now`: the store
   * connections are ended first, so pending writes fail at once (a shutdown past its deadline).
   */
  close(options?: { readonly now?: boolean }): Promise<void>;
}

export interface EnvironmentOptions {
  readonly logger: Logger;
  /** Where secrets are read from. */
  readonly env: NodeJS.ProcessEnv;
  readonly metrics: RuntimeMetrics;
  /** The runtime once built (the commit journal's store gate, the brokers' health). */
  readonly runtime: () => Runtime | undefined;
}

/**
 * Throws before anything is opened when the config cannot run here: a venue or Kafka without its
 * secrets (MissingSecretsError), unusable secrets or TLS files, a replay without an event store.
 */
export function createEnvironment(config: Config, options: EnvironmentOptions): Environment {
  const { logger, env, metrics } = options;
  const kind = environmentKind(config);
  const postgres = composeEventStore(config, { logger, metrics });
  if (kind === 'replay' && !postgres) {
    throw new Error('llm.replay "store" answers from the event store: it needs store.kind postgres (--store postgres)');
  }
  const recording = kind === 'replay' ? undefined : postgres;
  const replaying = kind === 'replay' ? postgres : undefined;
  const records = composeRecords(recording, config.store.schema);
  // Credentials first: a venue or a broker without them refuses to start before anything is opened.
  const kafkaSecurity = composeEventLogSecurity(config, logger, env);
  const venue = composeExchange(config, logger, env, records.venueBook);
  const opsToken = readSecret('OPS_API_TOKEN', env, { onError: (err) => logger.error({ err }, 'ops token file problem') });
  const exchange = new MeteredExchange(venue.exchange, metrics.registry, logger);
  const log = composeEventLog(config, { logger, metrics, recording, security: kafkaSecurity, runtime: options.runtime });
  // A replay does not touch the recorded run's snapshots or cache either: its state lives in memory.
  const state = composeStateStores(config, kind === 'replay', { logger, metrics });
  const llm = composeLlm(config, logger, env, replaying);
  const eventTime = new EventTimeClock();
  const where = [postgres ? `postgres schema ${config.store.schema}` : '', state.redisState ? `redis prefix ${config.state.keyPrefix}` : '']
    .filter(Boolean)
    .join(' + ') || 'memory';
  const { cache, redisState } = state;
  let closing: Promise<void> | undefined;
  return {
    kind,
    eventLog: log.eventLog,
    durableLog: log.durable,
    ...(recording ? { recording } : {}),
    ...(replaying ? { replaying } : {}),
    stateStore: state.stateStore,
    ...(state.portfolioCache ? { portfolioCache: state.portfolioCache } : {}),
    journal: records.journal,
    audit: records.audit,
    venue,
    exchange,
    llm,
    clocks: { eventTime, command: commandClock(config.exchange.kind, eventTime) },
    ...(log.commits ? { commits: log.commits } : {}),
    ...(kafkaSecurity ? { kafkaSecurity } : {}),
    ...(opsToken ? { opsToken } : {}),
    deployment: {
      eventLog: log.eventLog,
      ...(log.restorable ? { restorable: log.restorable } : {}),
      ...(recording ? { eventStore: recording } : {}),
      ...(records.deployments ? { deployments: records.deployments } : {}),
      stateStore: state.stateStore,
      where,
      ...(cache ? { clearCaches: () => cache.clear() } : {}),
    },
    checkReachable: async () => {
      // A store that is not there stops the start with one clear line (StoreUnreachableError).
      await postgres?.checkReachable();
      // TLS settings a broker refuses stop the start at once (KafkaTlsError); kafkajs would retry them like an outage.
      const tls = kafkaSecurity?.security.tls;
      if (tls) await checkKafkaTls(config.eventLog.brokers, tls);
      if (config.state.requiredAtStart) {
        const timeoutMs = config.state.connectTimeoutMs;
        await Promise.all([redisState?.checkReachable(timeoutMs), cache?.checkReachable(timeoutMs)]);
      }
    },
    close: ({ now = false } = {}) => {
      if (now) {
        // Pending writes fail at once instead of retrying against a store that is not answering.
        void postgres?.close().catch(() => undefined);
        void redisState?.close().catch(() => undefined);
        void cache?.close().catch(() => undefined);
      }
      closing ??= closeInOrder([
        ['exchange', () => exchange.close()],
        ['venue', () => venue.release()],
        ['llm', () => llm.release()],
        ['ops token', () => opsToken?.close()],
        ['event log', () => log.eventLog.close()],
        ['kafka secrets', () => kafkaSecurity?.release()],
        ['commit journal', () => log.commits?.close()],
        ['event store', () => postgres?.close()],
        ['state store', () => redisState?.close()],
        ['portfolio cache', () => cache?.close()],
      ], logger);
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
