// The event log of an environment: the in-process log (which keeps only what the event store holds,
// so a run recording into a store commits its offsets through the commit journal) or Kafka (which
// keeps its records itself, with TLS and SASL from compose-kafka-security.ts).
import type { Logger } from 'pino';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { KafkaEventLog } from '../adapters/eventlog/kafka/kafka-event-log.js';
import { describeHealth } from '../adapters/eventlog/kafka/broker-watch.js';
import type { Config } from '../config/schema.js';
import type { RuntimeMetrics } from '../runtime/observe/metrics.js';
import type { EventLog, RestorableLog, TopicPartition } from '../runtime/ports/event-log.js';
import type { EventStore } from '../runtime/ports/event-store.js';
import type { Runtime } from '../runtime/runtime.js';
import { CommitJournal } from '../runtime/intake/commit-journal.js';
import { composeKafkaSecurity, type ComposedKafkaSecurity } from './compose-kafka-security.js';

/** How long a batch of group commits waits for the store to hold what the log held (then it is tried later). */
const COMMIT_GATE_MS = 5000;

export interface ComposedEventLog {
  readonly eventLog: EventLog;
  /**
   * The log keeps its records beyond this process (Kafka). The in-process log does not: only what
   * the store holds survives, and a start restores the log from it (`restorable`).
   */
  readonly durable: boolean;
  readonly restorable?: RestorableLog;
  /** Group commits held back until the store holds what they cover (in-process log recording into a store). */
  readonly commits?: CommitJournal;
}

export interface EventLogOptions {
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  /** The store the run records into, if any. */
  readonly recording: EventStore | undefined;
  readonly security: ComposedKafkaSecurity | undefined;
  /** The runtime once built: the commit journal's store gate, the brokers' health. */
  readonly runtime: () => Runtime | undefined;
}

/** Kafka's TLS files and SASL password, checked before anything is opened; none for the in-process log. */
export function composeEventLogSecurity(config: Config, logger: Logger, env: NodeJS.ProcessEnv): ComposedKafkaSecurity | undefined {
  return config.eventLog.kind === 'kafka' ? composeKafkaSecurity(config.eventLog, logger, env) : undefined;
}

export function composeEventLog(config: Config, options: EventLogOptions): ComposedEventLog {
  const { recording, runtime } = options;
  const c = config.eventLog;
  if (c.kind === 'memory') {
    const commits = recording
      ? new CommitJournal(recording, options.logger.child({ component: 'commit-journal' }), undefined, () => runtime()?.storeHoldsLogNow(COMMIT_GATE_MS) ?? Promise.resolve(false))
      : undefined;
    const log = new MemoryEventLog({
      retention: c.retention,
      retentionRecords: c.retentionRecords,
      ...(commits ? { onCommit: (groupId: string, tp: TopicPartition, offset: number) => commits.record(groupId, tp, offset) } : {}),
    });
    return { eventLog: log, durable: false, restorable: log, ...(commits ? { commits } : {}) };
  }
  const security = options.security?.security;
  const log = new KafkaEventLog({
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
    // A broker outage degrades the run (metric, log line, /readyz) until every broker answers again.
    onHealth: (health) => runtime()?.health.track('event-log', health.down.length ? `kafka: ${describeHealth(health)}` : undefined),
    metrics: options.metrics.registry,
    ...(security ? { security } : {}),
  });
  return { eventLog: log, durable: true };
}
