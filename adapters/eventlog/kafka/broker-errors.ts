// Which kafkajs failures mean "a broker is unreachable or a partition has no reachable leader
// right now": worth waiting out (the cluster moves leaders or the broker returns), unlike a bad
// request. kafkajs often wraps them (retries exceeded, or a bail as non-retriable): the cause
// chain decides.

const UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  // batching-producer.ts: records still unacknowledged after several sends while leaders moved.
  'RecordsNotAcknowledgedError',
]);

export interface KafkaJsErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

/** The error and its causes, outermost first (kafkajs wraps a cause in retry and bail errors). */
export function* chain(err: unknown): Generator<KafkaJsErrorLike> {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as KafkaJsErrorLike).cause) {
    seen.add(e);
    yield e as KafkaJsErrorLike;
  }
}

export function isBrokerUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.name && UNAVAILABLE.has(e.name)) return true;
    // NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE, NOT_COORDINATOR, ... (a leader is moving)
    if (e.name === 'KafkaJSProtocolError' && e.retriable === true) return true;
  }
  return false;
}

