// A delivery is what the router hands an actor: a run of events from one partition, in order,
// with their log positions. It is done (and its offsets may be committed) once every event has
// been applied, skipped as a duplicate or dead-lettered, and everything it emitted is published.
import type { Envelope, RecordPosition } from '../events/envelope.js';

export interface Delivery {
  readonly events: Envelope[];
  /** Log position per event; undefined for events that did not come from the log. */
  readonly positions: (RecordPosition | undefined)[];
  /** Index of the next event to handle; survives restarts. */
  next: number;
  /** Crashes the event at `next` has caused so far. */
  attempts: number;
  readonly publishes: Promise<void>[];
  readonly onDone: () => void;
}

export function createDelivery(
  events: Envelope[],
  positions: (RecordPosition | undefined)[],
  onDone: () => void = () => {},
): Delivery {
  return { events, positions, next: 0, attempts: 0, publishes: [], onDone };
}

export function remaining(delivery: Delivery): number {
  return delivery.events.length - delivery.next;
}

/** Adds work the delivery must wait for; a failure is handled when the delivery completes. */
export function track(delivery: Delivery, work: Promise<void>): void {
  work.catch(() => undefined); // marks it handled now; complete() still sees the rejection
  delivery.publishes.push(work);
}
