// Decodes log records once for every consumer group of a process. The in-process log hands each
// group (the keyed intake, the singleton intake, the store writer) the same Buffer for a record,
// so the groups after the first find its envelope here instead of parsing and validating it again.
// Only the last `capacity` decoded values are remembered, in a ring: the groups read a record
// within moments of each other (the feed pump keeps them within a few thousand records), envelopes
// die young, and no more than `capacity` stay alive (a WeakMap keyed by the Buffer would keep one
// alive as long as the log retains its record). The runtime uses it only on a log that says it
// shares record values (EventLog.sharesRecordValues): on Kafka each consumer fetches buffers of
// its own, and every lookup would miss. Envelopes are never written to, so handing one object to
// several groups is as safe as handing it to the several actors of one group.
import type { Envelope } from './envelope.js';
import type { EventTypeRegistry } from './event-types.js';
import { RecentMap } from '../kit/recent-map.js';

/** What the intakes and the store writer decode records with. */
export interface RecordDecoder {
  /** Throws DecodeError for a value that is not a valid event. */
  decode(value: Buffer | string): Envelope;
}

export const SHARED_DECODES = 8192;

export class SharedDecoder implements RecordDecoder {
  private readonly decoded: RecentMap<Buffer | string, Envelope>;

  constructor(
    private readonly types: Pick<EventTypeRegistry, 'decode'>,
    capacity = SHARED_DECODES,
  ) {
    this.decoded = new RecentMap(capacity);
  }

  decode(value: Buffer | string): Envelope {
    const known = this.decoded.get(value);
    if (known) return known;
    // A value that fails throws before it is remembered: each group dead-letters it itself.
    const envelope = this.types.decode(value);
    this.decoded.set(value, envelope);
    return envelope;
  }
}
