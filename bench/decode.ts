// What decoding one record costs (JSON + envelope schema + the type's zod schema, as every
// consumer group that reads it pays: the keyed intake, the singleton intake, the store writer),
// next to what a shared decode would cost instead: a WeakMap lookup per group and one decode.
import { domainEventTypes } from '../actors/events.js';
import { benchTicks } from './ticks.js';
import { EventTypeRegistry, encodeEnvelope } from '../runtime/events/event-types.js';
import type { Envelope } from '../runtime/events/envelope.js';

export interface DecodeCost {
  readonly records: number;
  /** Microseconds per record: EventTypeRegistry.decode. */
  readonly decodeUs: number;
  /** Microseconds per record: a WeakMap miss (get + set) on top of the decode, for a group that decodes first. */
  readonly cachedMissUs: number;
  /** Microseconds per record: a WeakMap hit, what every later group would pay. */
  readonly cachedHitUs: number;
}

function bestOf(passes: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < passes; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

export function decodeCost(count: number, passes = 5): DecodeCost {
  const values = benchTicks(count, 7).map(encodeEnvelope);
  const types = new EventTypeRegistry(domainEventTypes);
  let sink: Envelope | undefined;
  const decodeMs = bestOf(passes, () => {
    for (const v of values) sink = types.decode(v);
  });
  let cache = new WeakMap<Buffer, Envelope>();
  const missMs = bestOf(passes, () => {
    cache = new WeakMap();
    for (const v of values) {
      let e = cache.get(v);
      if (!e) cache.set(v, (e = types.decode(v)));
      sink = e;
    }
  });
  const hitMs = bestOf(passes, () => {
    for (const v of values) sink = cache.get(v) ?? types.decode(v);
  });
  if (!sink) throw new Error('nothing decoded');
  const us = (ms: number) => (ms * 1000) / values.length;
  return { records: values.length, decodeUs: us(decodeMs), cachedMissUs: us(missMs), cachedHitUs: us(hitMs) };
}
