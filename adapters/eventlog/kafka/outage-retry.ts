// Waits out a broker outage around one call: while it fails because a broker is unreachable (see
// broker-errors.ts), it is tried again after an exponential backoff, or sooner when the cluster's
// health changes (a leader moved, the broker is back). Any other failure, or a closed log, ends it.
import { isBrokerUnavailable } from './broker-errors.js';

export interface OutageRetryOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly closed: () => boolean;
  /** Resolves at the next change of the cluster's health (or when the log closes). */
  readonly changed: () => Promise<void>;
  /** Told of every failure that will be tried again (e.g. to reconnect a client). */
  readonly onUnavailable?: (err: unknown, attempt: number) => void | Promise<void>;
}

/** The log was closed while a call waited for the cluster. */
export class EventLogClosedError extends Error {
  override readonly name = 'EventLogClosedError';
  constructor(readonly what: string, cause?: unknown) {
    super(`${what}: the event log is closed${cause instanceof Error ? ` (it was waiting for a broker: ${cause.message})` : ''}`, { cause });
  }
}

export async function whileUnavailable<T>(what: string, call: () => Promise<T>, options: OutageRetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (options.closed()) throw new EventLogClosedError(what);
    try {
      return await call();
    } catch (err) {
      if (!isBrokerUnavailable(err)) throw err;
      if (options.closed()) throw new EventLogClosedError(what, err);
      await options.onUnavailable?.(err, attempt);
      const backoff = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt - 1, 20));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, backoff))), options.changed()]);
      clearTimeout(timer);
      if (options.closed()) throw new EventLogClosedError(what, err);
    }
  }
}
