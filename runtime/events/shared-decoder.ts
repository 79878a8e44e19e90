// Decodes log records once for every consumer group of a process. The in-process log hands each
// group (the keyed intake, the singleton intake, the store writer) the same Buffer for a record,
// so the groups after the first find its envelope here instead of parsing and validating it again.
// Only the last `capacity` decoded values are remembered, in a ring: the groups read a record
// within moments of each other (the feed pump keeps them within a few thousand records), envelopes
// die young, and no more than `capacity` stay alive (a WeakMap keyed by the Buffer would keep one
// alive as long as the log retains its record). On Kafka each consumer fetches buffers of its own,
// so every lookup misses and costs one Map insert. Envelopes are never written to, so handing one
// object to several groups is as safe as handing it to the several actors of one group.
import type { Envelope } from './envelope.js';
import type { EventTypeRegistry } from './event-types.js';

/** What the intakes and the store writer decode records with. */
export interface RecordDecoder {
  /** Throws DecodeError for a value that is not a valid event. */
  decode(value: Buffer | string): Envelope;
}

export const SHARED_DECODES = 8192;

export class SharedDecoder implements RecordDecoder {
  private readonly byValue = new Map<Buffer | string, Envelope>();
  private readonly ring: (Buffer | string | undefined)[];
  private head = 0;

  constructor(
    private readonly types: Pick<EventTypeRegistry, 'decode'>,
    private readonly capacity = SHARED_DECODES,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<Buffer | string | undefined>(capacity);
  }

  decode(value: Buffer | string): Envelope {
    const known = this.byValue.get(value);
    if (known) return known;
    // A value that fails throws before it is remembered: each group dead-letters it itself.
    const envelope = this.types.decode(value);
    const evicted = this.ring[this.head];
    if (evicted !== undefined) this.byValue.delete(evicted);
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    this.byValue.set(value, envelope);
    return envelope;
  }
}
