// Start-up's first question to a cluster: does any broker answer? Asked with a client that does not
// retry by itself, again every few hundred ms until the connect timeout, so an unreachable cluster
// is reported within that time (kafkajs's own retries take about half a minute) with the last
// reason. A refusal that waiting cannot fix (authentication, an untrusted certificate) ends it at
// once with the client's own error.
import kafkajs, { type KafkaConfig } from 'kafkajs';
import { EventLogUnreachableError } from '../../../runtime/ports/event-log.js';
import { chain } from './broker-errors.js';

const PAUSE_MS = 250;
const FINAL_NAMES = new Set(['KafkaJSSASLAuthenticationError']);
const UNTRUSTED_CERTIFICATE = /certificate|self[- ]signed|CERT_|unable to verify/i;

export async function awaitReachable(config: KafkaConfig, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const brokers = Array.isArray(config.brokers) ? config.brokers : [];
  let last: unknown;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const admin = new kafkajs.Kafka({ ...config, connectionTimeout: Math.min(remaining, 3000), retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      return;
    } catch (err) {
      last = err;
      // Not unreachable: refused. Its own error says why (the CLI prints it in one line).
      if (isFinal(err)) throw err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(PAUSE_MS, Math.max(0, deadline - Date.now()))));
  }
  throw new EventLogUnreachableError(brokers, `no broker answered within ${formatSeconds(timeoutMs)} (eventLog.connectTimeoutMs)${last ? `; last error: ${reason(last)}` : ''}`, { cause: last });
}

function isFinal(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.name && FINAL_NAMES.has(e.name)) return true;
    if (e.message && UNTRUSTED_CERTIFICATE.test(e.message)) return true;
  }
  return false;
}

/** The innermost message: kafkajs repeats its cause's text around it. */
function reason(err: unknown): string {
  let innermost: string | undefined;
  for (const e of chain(err)) if (e.message) innermost = e.message;
  return innermost ?? String(err);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
