// Measures any Exchange without changing what it does: every call is timed, its outcome counted and
// logged (debug for each call; warn for a rejected or unresolved order and for a lookup that failed),
// and fills are counted as they stream. Results and errors pass through untouched. Log lines name
// fields one by one, never the request object, so nothing added to OrderRequest later can leak.
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { share, tap, type Observable } from 'rxjs';
import {
  ExchangeHaltedError,
  ExchangeUnavailableError,
  type CancelResult,
  type Exchange,
  type Fill,
  type OrderRequest,
  type OrderState,
  type PlaceResult,
  type VenuePosition,
} from '../../runtime/ports/exchange.js';

export type ExchangeOperation = 'place' | 'cancel' | 'order' | 'openOrders' | 'positions';
/** place and cancel: the venue's outcome. Lookups: ok, or what they threw. A throw from place or cancel (which the port forbids) is counted as its error kind too. */
export type ExchangeCallOutcome = 'confirmed' | 'rejected' | 'unresolved' | 'ok' | 'unavailable' | 'halted' | 'error';

const LABELS = ['venue', 'operation'] as const;
const OUTCOME_LABELS = ['venue', 'operation', 'outcome'] as const;

class ExchangeMetrics {
  readonly seconds: Histogram<(typeof LABELS)[number]>;
  readonly outcomes: Counter<(typeof OUTCOME_LABELS)[number]>;
  readonly fills: Counter<'venue'>;

  constructor(registry: Registry) {
    // Several exchanges may share one registry: reuse a metric already registered under the name.
    this.seconds = reuse(registry, 'regent_exchange_request_seconds', Histogram, () =>
      new Histogram({
        name: 'regent_exchange_request_seconds',
        help: 'Time an Exchange port call takes, by venue and operation',
        labelNames: LABELS,
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
    );
    this.outcomes = reuse(registry, 'regent_exchange_outcomes_total', Counter, () =>
      new Counter({ name: 'regent_exchange_outcomes_total', help: 'Exchange port calls by outcome', labelNames: OUTCOME_LABELS, registers: [registry] }),
    );
    this.fills = reuse(registry, 'regent_exchange_fills_total', Counter, () =>
      new Counter({ name: 'regent_exchange_fills_total', help: 'Fills received on the venue fill stream', labelNames: ['venue'] as const, registers: [registry] }),
    );
  }
}

function reuse<M>(registry: Registry, name: string, kind: abstract new (...args: never[]) => unknown, create: () => M): M {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return create();
  if (!(found instanceof kind)) throw new TypeError(`metric ${name} is already registered as a ${found.constructor.name}, not a ${kind.name}`);
  return found as M;
}

function errorOutcome(error: unknown): ExchangeCallOutcome {
  if (error instanceof ExchangeUnavailableError) return 'unavailable';
  if (error instanceof ExchangeHaltedError) return 'halted';
  return 'error';
}

export class MeteredExchange implements Exchange {
  readonly venue: string;
  readonly unknownMeansNeverSent: boolean;
  /** The inner stream, counted once per fill however many subscribe. */
  readonly fills: Observable<Fill>;
  private readonly metrics: ExchangeMetrics;
  private readonly log: Logger;

  constructor(
    private readonly inner: Exchange,
    registry: Registry,
    logger: Logger,
  ) {
    this.venue = inner.venue;
    this.unknownMeansNeverSent = inner.unknownMeansNeverSent;
    this.metrics = new ExchangeMetrics(registry);
    this.log = logger.child({ component: 'exchange', venue: inner.venue });
    const fillCount = this.metrics.fills.labels(this.venue);
    this.fills = inner.fills.pipe(
      tap({
        next: () => fillCount.inc(),
        error: (error: unknown) => this.log.error({ err: error }, 'venue fill stream failed'),
      }),
      share(),
    );
  }

  place(order: OrderRequest): Promise<PlaceResult> {
    return this.measure('place', { clientOrderId: order.clientOrderId, token: order.token }, () => this.inner.place(order), (r) => r.outcome, problemOf);
  }

  cancel(clientOrderId: string, token: string): Promise<CancelResult> {
    return this.measure('cancel', { clientOrderId, token }, () => this.inner.cancel(clientOrderId, token), (r) => r.outcome, problemOf);
  }

  order(clientOrderId: string, token: string): Promise<OrderState | undefined> {
    return this.measure('order', { clientOrderId, token }, () => this.inner.order(clientOrderId, token), ok);
  }

  openOrders(): Promise<readonly OrderState[]> {
    return this.measure('openOrders', {}, () => this.inner.openOrders(), ok);
  }

  positions(): Promise<readonly VenuePosition[]> {
    return this.measure('positions', {}, () => this.inner.positions(), ok);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Times one call, counts its outcome and logs it: a debug line always, a warn line when `problem`
   * finds one in the result or the call threw (error for a halted venue). A throw is rethrown as is.
   */
  private async measure<T>(
    operation: ExchangeOperation,
    fields: { readonly clientOrderId?: string; readonly token?: string },
    call: () => Promise<T>,
    outcomeOf: (result: T) => ExchangeCallOutcome,
    problem: (result: T) => Record<string, unknown> | undefined = () => undefined,
  ): Promise<T> {
    const stopTimer = this.metrics.seconds.startTimer({ venue: this.venue, operation });
    let result: T;
    try {
      result = await call();
    } catch (error) {
      const outcome = errorOutcome(error);
      const line = this.finish(operation, outcome, stopTimer, fields);
      if (outcome === 'halted') this.log.error({ ...line, err: error }, `exchange ${operation} halted: the venue refuses every request`);
      else this.log.warn({ ...line, err: error }, `exchange ${operation} ${outcome}`);
      throw error;
    }
    const outcome = outcomeOf(result);
    const line = this.finish(operation, outcome, stopTimer, fields);
    const detail = problem(result);
    if (detail) this.log.warn({ ...line, ...detail }, `exchange ${operation} ${outcome}`);
    return result;
  }

  /** Stops the timer, counts the outcome, writes the debug line; returns the fields every line carries. */
  private finish(
    operation: ExchangeOperation,
    outcome: ExchangeCallOutcome,
    stopTimer: () => number,
    fields: { readonly clientOrderId?: string; readonly token?: string },
  ): CallLine {
    const durationMs = stopTimer() * 1000;
    this.metrics.outcomes.inc({ venue: this.venue, operation, outcome });
    const line = { ...fields, operation, outcome, durationMs };
    if (this.log.isLevelEnabled('debug')) this.log.debug(line, `exchange ${operation}`);
    return line;
  }
}

interface CallLine {
  readonly clientOrderId?: string;
  readonly token?: string;
  readonly operation: ExchangeOperation;
  readonly outcome: ExchangeCallOutcome;
  readonly durationMs: number;
}

const ok = (): ExchangeCallOutcome => 'ok';

/** What a warn line adds for a place or cancel that did not end confirmed; undefined when it did. */
function problemOf(result: PlaceResult | CancelResult): Record<string, unknown> | undefined {
  if (result.outcome === 'confirmed') return undefined;
  if (result.outcome === 'unresolved') return { reason: result.reason };
  return {
    reason: result.reason,
    ...(result.code !== undefined ? { code: result.code } : {}),
    ...('retryAfterMs' in result && result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    ...('halt' in result && result.halt ? { halt: true } : {}),
  };
}
