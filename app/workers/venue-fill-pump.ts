// Records the venue's fill stream in the event log: each fill becomes an `order.fill` event whose
// id derives from the venue and fill id, so a fill streamed twice (or also returned in an order
// answer) is one event, and a replay books exactly the fills that happened. A supervised infra worker.
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { fillFactId, VenueFill, venueFillData } from '../../actors/execution/events.js';
import { workerSpec, type ChildSpec } from '../../runtime/ports/supervision.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { deterministicId } from '../../runtime/events/ids.js';
import type { Exchange, Fill } from '../../runtime/ports/exchange.js';

export interface VenueFillPumpOptions {
  readonly exchange: Exchange;
  /** Publishes to the log (the runtime's publisher, resolved when the worker starts). */
  readonly publish: (envelopes: readonly Envelope[]) => Promise<void>;
  readonly log: Logger;
  /** Counts fills that could not be published (reconciliation by order id still finds them). */
  readonly onPublishFailed?: () => void;
}

export function fillEnvelope(venue: string, fill: Fill): Envelope {
  const id = deterministicId(fillFactId(venue, fill.fillId));
  return {
    id,
    type: VenueFill.type,
    ts: fill.ts,
    token: fill.token,
    source: `venue:${venue}`,
    correlationId: fill.clientOrderId,
    data: venueFillData(venue, fill),
  };
}

export function venueFillPump(options: VenueFillPumpOptions): ChildSpec {
  const { exchange, log } = options;
  return workerSpec('venue-fills', 2000, async (link) => {
    const subscription: Subscription = exchange.fills.subscribe({
      next: (fill) => {
        options.publish([fillEnvelope(exchange.venue, fill)]).catch((err: unknown) => {
          options.onPublishFailed?.();
          log.error({ err, venue: exchange.venue, fillId: fill.fillId, clientOrderId: fill.clientOrderId }, 'venue fill not recorded; reconciliation will find it');
        });
      },
      error: (err: unknown) => link.failed(err instanceof Error ? err : new Error(String(err))),
    });
    return {
      stop: async () => subscription.unsubscribe(),
      kill: () => subscription.unsubscribe(),
    };
  });
}
