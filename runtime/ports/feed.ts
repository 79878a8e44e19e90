// A market feed: a finite or endless stream of envelopes that the runtime publishes to the log.
import type { Envelope } from '../events/envelope.js';

export interface Feed {
  readonly name: string;
  events(): Iterable<Envelope> | AsyncIterable<Envelope>;
}
