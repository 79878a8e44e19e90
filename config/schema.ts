// The zod schema of every Regent setting, each with its default (DESIGN.md, Layout: config/). The
// actors' settings are slices kept with their actors (actors/<name>/config.ts), composed here with
// the settings of the adapters and the runtime (whose defaults are runtime/runtime-defaults.ts).
// Objects are strict, so a misspelt key in a file or a REGENT_* variable is an error, not ignored.
import { defaultSupervision, runtimeDefaults } from '../runtime/runtime-defaults.js';
import { z } from 'zod';
import { executionSchema } from '../actors/execution/config.js';
import { marketDataTypes } from '../actors/market/events.js';
import { positionSchema } from '../actors/position/config.js';
import { riskSchema } from '../actors/risk/config.js';
import { tradingSchema } from '../actors/trading/config.js';
import { nonNeg, nonNegInt, posInt, posNum, unit } from '../runtime/kit/setting-numbers.js';
import { topicNames } from './topics.js';

const http = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9464),
  /**
   * Host names the ops server answers besides loopback names (and, off loopback, IP addresses and
   * this machine's host name): the DNS-rebinding guard. `*.domain` allows any name under domain.
   */
  allowedHosts: z
    .array(z.string().regex(/^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/, 'a host name without port or scheme (*.domain for any name under it)'))
    .default([]),
});

/** Kafka over TLS. File paths are settings; a passphrase of the key is a secret (KAFKA_TLS_KEY_PASSPHRASE[_FILE]). */
const kafkaTls = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** PEM file of the CA(s) that signed the brokers' certificates; default: Node's bundled public CAs. */
    caFile: z.string().min(1).optional(),
    /** PEM files of a client certificate and its private key, for brokers that require one (mutual TLS). */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** The name the brokers' certificates are checked against (and sent as SNI) instead of each broker's host. */
    servername: z.string().min(1).optional(),
    /** false accepts any broker certificate: for a test cluster only. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .superRefine(
    (t, ctx) => {
      if (t?.enabled) {
        if ((t.certFile === undefined) !== (t.keyFile === undefined)) {
          const missing = t.certFile === undefined ? 'certFile' : 'keyFile';
          const given = missing === 'certFile' ? 'keyFile' : 'certFile';
          ctx.addIssue({ code: 'custom', path: [missing], message: `required with eventLog.tls.${given} (a client certificate needs its key)`, params: { relatedPath: `eventLog.tls.${given}` } });
        }
        return;
      }
      // Files named while TLS is off would be silently unused: the connection would go out in the clear.
      for (const key of ['caFile', 'certFile', 'keyFile', 'servername'] as const) {
        if (t?.[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'set only with eventLog.tls.enabled true' });
      }
    },
    { when: () => true },
  );

/** SASL authentication to Kafka; the password is a secret (KAFKA_SASL_PASSWORD[_FILE]), never a setting. */
const kafkaSasl = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z
    .custom<never>(() => false, { error: 'never a setting: the password comes only from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE' })
    .optional(),
});

const eventLog = z
  .strictObject({
    kind: z.enum(['memory', 'kafka']).default('memory'),
    /** Kafka bootstrap servers (host:port), for kind kafka. */
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port').describe('host:port (e.g. 127.0.0.1:9092)'))
      .min(1)
      .default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('regent'),
    /** Kafka: create the catalog topics the cluster lacks at start-up; false = only check that they all exist with their partition counts. */
    createTopics: z.boolean().default(true),
    /** Kafka: replication factor of the topics Regent creates (unset: the cluster's default.replication.factor). */
    replicationFactor: posInt().optional(),
    /** Kafka: min.insync.replicas of the topics Regent creates (unset: the cluster's); at most replicationFactor. */
    minInsyncReplicas: posInt().optional(),
    /** Kafka: idempotent producer (a request sent again after a lost answer is not written twice); the cluster must allow IdempotentWrite. */
    idempotentProducer: z.boolean().default(true),
    /** Kafka: how long start-up waits for a broker to answer before it reports the cluster unreachable. */
    connectTimeoutMs: posInt().default(10_000),
    /** Consumer group of the runtime (pods of one deployment share it). */
    groupId: z.string().min(1).default(runtimeDefaults.groupId),
    /** This pod's shard index (the StatefulSet ordinal): pod k of N owns the k-th partition range. */
    ordinal: nonNegInt().optional(),
    sessionTimeoutMs: posInt().default(30_000),
    heartbeatIntervalMs: posInt().default(3000),
    retryInitialMs: posInt().default(1000),
    retryMaxMs: posInt().default(16_000),
    /**
     * Longest a Kafka fetch waits for records before it answers empty (a broker answers sooner when
     * records arrive). Also what stopping a consumer waits for its fetch in flight, and on brokers
     * that only answer an empty fetch when the wait is over (librdkafka's mock cluster), each step.
     */
    maxWaitTimeMs: posInt().default(250),
    /**
     * In-process log: `committed` keeps only what some group reading the topic has not committed
     * (memory stays flat); `records` keeps `retentionRecords` per partition.
     */
    retention: z.enum(['committed', 'records']).default('committed'),
    /**
     * In-process log: records kept per partition of a topic no group reads (dead letters, and topics
     * only a store would read), or of every topic with retention `records`.
     */
    retentionRecords: posInt().default(1000),
    maxBatchSize: posInt().default(runtimeDefaults.maxBatchSize),
    maxInFlightBatches: posInt().default(runtimeDefaults.maxInFlightBatches),
    tls: kafkaTls.prefault({}),
    /** Unset: no authentication. */
    sasl: kafkaSasl.optional(),
  })
  .refine((e) => e.minInsyncReplicas === undefined || e.replicationFactor === undefined || e.minInsyncReplicas <= e.replicationFactor, {
    path: ['minInsyncReplicas'],
    message: 'min.insync.replicas cannot exceed the replication factor (no write could ever be acknowledged)',
  });

export const feedKinds = ['synthetic', 'csv', 'jsonl'] as const;

const feed = z
  .strictObject({
    kind: z.enum(feedKinds).default('synthetic'),
    /** File to read; required for the csv and jsonl kinds. */
    path: z.string().min(1).optional(),
    tokens: z.array(z.string().min(1)).min(1).default(['BTC', 'ETH', 'SOL', 'ARB', 'DOGE']),
    tickIntervalMs: posInt().default(1000),
    /** Event time of the first synthetic tick, ms since epoch. */
    startTime: nonNegInt().default(Date.UTC(2026, 0, 1)),
    liquidationProbability: unit().default(0.02),
    sentimentProbability: unit().default(0.1),
    /** Wall-clock pacing in events per second; unset = as fast as the pipeline takes them. */
    ratePerSec: posNum().optional(),
    /** Event types a csv or jsonl feed may carry; any other line is dead-lettered. */
    allowedTypes: z.array(z.enum(marketDataTypes)).min(1).default([...marketDataTypes]),
    /** Largest move of a price from the token's last accepted one, as a fraction (0.5 = 50 %). */
    maxPriceJump: posNum().default(0.5),
  })
  .refine((f) => !((f?.kind === 'csv' || f?.kind === 'jsonl') && f.path === undefined), {
    path: ['path'],
    // `when` runs the check even if other feed fields are bad, so every problem is listed at once.
    when: () => true,
    error: (iss) => `required when feed.kind is "${(iss.input as { kind?: string } | undefined)?.kind}"`,
    params: { relatedPath: 'feed.kind' },
  });

export const exchangeKinds = ['paper', 'hyperliquid', 'binance'] as const;
export type ExchangeKind = (typeof exchangeKinds)[number];

// Credentials are never settings: they come from the environment or mounted files (config/secrets.ts).
const exchange = z.strictObject({
  kind: z.enum(exchangeKinds).default('paper'),
  /** Real venues: the testnet unless this is set to false on purpose. */
  testnet: z.boolean().default(true),
  /** Overrides the venue's URL (a local test server, a proxy). */
  baseUrl: z.url().optional(),
  requestTimeoutMs: posInt().default(5000),
  /** Marketable orders are IOC limits this far beyond the reference price. */
  maxSlippageBps: nonNeg().default(50),
  /** Paper: simulated slippage, fee, partial fills and answer latency. */
  slippageBps: nonNeg().default(5),
  feeBps: nonNeg().default(4),
  fillSlices: posInt().default(1),
  fillIntervalMs: nonNegInt().default(0),
  latencyMs: nonNegInt().default(0),
  hyperliquid: z
    .strictObject({
      /** The trading account when the key is an API wallet; default: the key's own address. */
      accountAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
      vaultAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
    })
    .prefault({}),
  binance: z
    .strictObject({
      quoteAsset: z.string().min(1).default('USDT'),
      recvWindow: posInt().max(60_000).default(5000),
    })
    .prefault({}),
});

const llm = z.strictObject({
  /** Ask a model for trading decisions when an API key is present (ANTHROPIC_API_KEY[_FILE]). */
  enabled: z.boolean().default(true),
  /** A fast model: the answer must come within timeoutMs, and the request is made when the rules would signal. */
  model: z.string().min(1).default('claude-haiku-4-5'),
  baseUrl: z.url().optional(),
  timeoutMs: posInt().default(4000),
  maxRequestsPerMinute: posInt().default(20),
  /** The model answers with a confidence; below this the rule-based signal stands. */
  minConfidence: unit().default(0.5),
  /**
   * Event time after which a request still unanswered is given up for its token. Live, event time is
   * wall time; a fast replay (recorded answers) runs far ahead of it, hence the generous default.
   */
  abandonAfterMs: posInt().default(600_000),
  /**
   * Backtests: answer every request from recorded decisions instead of a model (no key needed):
   * 'store' = the llm.decision events in the event store (store.kind postgres), or a path to a
   * JSON-lines file of llm.decision envelopes. Unknown requests fall back to the rules.
   */
  replay: z.string().min(1).optional(),
  /** Timeouts, HTTP errors and refused connections in a window open the circuit: rule-based until a probe succeeds. */
  breaker: z
    .strictObject({ failureThreshold: posInt().default(3), windowMs: posInt().default(60_000), openMs: posInt().default(60_000) })
    .prefault({}),
});

const store = z.strictObject({
  /** Where every consumed event is persisted: none (embedded default) or PostgreSQL. */
  kind: z.enum(['none', 'postgres']).default('none'),
  url: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/postgres'),
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('regent'),
  /** How long a restarted actor waits for the store writer to catch up before using its in-memory state. */
  rehydrationWaitMs: nonNegInt().default(runtimeDefaults.storeWaitMs),
  /** How long opening a connection may take before PostgreSQL counts as unreachable (a refused one fails at once). */
  connectTimeoutMs: posInt().default(10_000),
});

const state = z.strictObject({
  /** Where actor snapshots live: memory (embedded default) or Redis. */
  kind: z.enum(['memory', 'redis']).default('memory'),
  url: z.string().min(1).default('redis://127.0.0.1:6379'),
  keyPrefix: z.string().default('regent:'),
  /**
   * With --store postgres: how often the portfolio cache is compared with the fold of the stored
   * fills and ticks (ms; 0 = never), and whether what differs is rewritten.
   */
  consistencyCheck: z.strictObject({ intervalMs: nonNegInt().default(300_000), repair: z.boolean().default(true) }).prefault({}),
  /** With requiredAtStart: how long a start waits for Redis to answer (a refused connection fails at once). */
  connectTimeoutMs: posInt().default(5000),
  /** Redis is a cache: by default a start without it goes on degraded (actors rebuild from the event store); true refuses to start. */
  requiredAtStart: z.boolean().default(false),
});

const chaos = z.strictObject({
  /** Seeded fault injection for chaos runs (staging, specs); never on by default. */
  enabled: z.boolean().default(false),
  /** Seed of the fault schedule; defaults to the run's seed. */
  seed: nonNegInt().optional(),
  handlerFailureRate: unit().default(0.001),
  killRate: unit().default(0.0005),
  agents: z.array(z.string().min(1)).default(['position', 'risk', 'execution']),
});

const supervision = z.strictObject({
  maxRestarts: nonNegInt().default(defaultSupervision.maxRestarts),
  withinMs: posInt().default(defaultSupervision.withinMs),
  backoffMinMs: nonNegInt().default(defaultSupervision.backoffMinMs),
  backoffMaxMs: nonNegInt().default(defaultSupervision.backoffMaxMs),
  jitter: unit().default(defaultSupervision.jitter),
  maxMessageRetries: nonNegInt().default(defaultSupervision.maxMessageRetries),
  shutdownMs: nonNegInt().default(defaultSupervision.shutdownMs),
});

const shutdown = z.strictObject({
  /**
   * How long a stop (Ctrl-C, SIGTERM, --duration, --events) may take to drain, store and close.
   * Past it Regent stops waiting, says how many events it could not store, and exits 4.
   */
  deadlineMs: posInt().default(30_000),
});

export const configSchema = z.strictObject({
  seed: nonNegInt().default(42),
  /** Stop after the feed produced this many events. */
  events: posInt().optional(),
  durationSec: posNum().optional(),
  /** Unset: warn for the readable form, info for JSON (runtime/logger.ts). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /** auto: readable when stderr is a terminal, JSON lines otherwise. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  http: http.prefault({}),
  eventLog: eventLog.prefault({}),
  /** Per-topic partition counts overriding the catalog (config/topics.ts). */
  topicPartitions: z.partialRecord(z.enum(topicNames), posInt()).optional(),
  feed: feed.prefault({}),
  trading: tradingSchema.prefault({}),
  risk: riskSchema.prefault({}),
  execution: executionSchema.prefault({}),
  exchange: exchange.prefault({}),
  llm: llm.prefault({}),
  store: store.prefault({}),
  state: state.prefault({}),
  chaos: chaos.prefault({}),
  supervision: supervision.prefault({}),
  shutdown: shutdown.prefault({}),
  positions: positionSchema.prefault({}),
  snapshotEvery: posInt().default(runtimeDefaults.snapshotEvery),
}).superRefine(overridesOfTradedTokens, { when: () => true });

/**
 * A per-token limit for a token nobody trades is a typo (`btc` for BTC) that would leave the real
 * token unlimited: refuse it. Runs even when other settings are bad, so it is listed with them.
 */
function overridesOfTradedTokens(config: unknown, ctx: z.core.$RefinementCtx): void {
  const c = config as { feed?: { tokens?: unknown }; execution?: { positionLimitOverrides?: unknown } } | undefined;
  const tokens = c?.feed?.tokens;
  const overrides = c?.execution?.positionLimitOverrides;
  if (!Array.isArray(tokens) || typeof overrides !== 'object' || overrides === null) return;
  for (const token of Object.keys(overrides)) {
    if (tokens.includes(token)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['execution', 'positionLimitOverrides', token],
      message: `${token} is not a traded token (feed.tokens: ${tokens.join(', ')})`,
      input: (overrides as Record<string, unknown>)[token],
    });
  }
}

export type Config = z.output<typeof configSchema>;

/** Every setting at its default. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
