// A delivery is what the router hands an actor: a run of events from one partition, in order,
// with their log positions. It is done (and its offsets may be committed) once every event has
// been applied, skipped as a duplicate or dead-lettered, and everything it emitted is published:
// `done` settles then, and it is all the partition's commit waits for.
import type { Envelope, RecordPosition } from '../events/envelope.js';

export class Delivery {
  /** Index of the next event to handle; survives restarts. */
  next = 0;
  /** Crashes the event at `next` has caused so far. */
  attempts = 0;
  /** Resolves once the delivery is done; rejects with the first of its publishes that failed. */
  readonly done: Promise<void>;
  private readonly publishes: Promise<void>[] = [];
  private settle!: (outcome: Promise<unknown>) => void;

  constructor(
    readonly events: Envelope[],
    /** Log position per event; undefined for events that did not come from the log. */
    readonly positions: (RecordPosition | undefined)[],
  ) {
    this.done = new Promise<void>((resolve) => {
      this.settle = (outcome) => resolve(outcome.then(() => undefined));
    });
    // Whoever finishes a delivery reports its failure; those awaiting `done` still see it.
    this.done.catch(() => undefined);
  }

  /** Events still to handle. */
  get remaining(): number {
    return this.events.length - this.next;
  }

  /** Adds a publish or dead letter the delivery must wait for before it is done. */
  track(work: Promise<void>): void {
    work.catch(() => undefined); // handled now, though it is awaited only once the delivery finishes
    this.publishes.push(work);
  }

  /** Nothing more is to be handled: `done` follows the publishes. A second call changes nothing. */
  finish(): void {
    this.settle(Promise.all(this.publishes));
  }
}
