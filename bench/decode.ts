// What decoding one record costs (JSON + envelope schema + the type's zod schema), and what the
// runtime's shared decoder (runtime/events/shared-decoder.ts) costs the consumer groups that read
// it: the first group decodes and remembers it, each other group finds it.
import { domainEventTypes } from '../actors/events.js';
import { benchTicks } from './ticks.js';
import { EventTypeRegistry, encodeEnvelope } from '../runtime/events/event-types.js';
import { SharedDecoder } from '../runtime/events/shared-decoder.js';
import type { Envelope } from '../runtime/events/envelope.js';

export interface DecodeCost {
  readonly records: number;
  /** Microseconds per record: EventTypeRegistry.decode. */
  readonly decodeUs: number;
  /** Microseconds per record through the shared decoder for the group that reads it first (decode + remember). */
  readonly cachedMissUs: number;
  /** Microseconds per record through the shared decoder for each other group (a lookup). */
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
  // As two consumer groups read a record: the first decodes it through the shared decoder, the
  // second finds it there (runs of 1,000 records, well inside the decoder's ring).
  let missMs = 0;
  let hitMs = 0;
  for (let pass = 0; pass < passes; pass++) {
    const shared = new SharedDecoder(types);
    let miss = 0;
    let hit = 0;
    for (let i = 0; i < values.length; i += 1000) {
      const run = values.slice(i, i + 1000);
      let t = performance.now();
      for (const v of run) sink = shared.decode(v);
      miss += performance.now() - t;
      t = performance.now();
      for (const v of run) sink = shared.decode(v);
      hit += performance.now() - t;
    }
    missMs = pass === 0 ? miss : Math.min(missMs, miss);
    hitMs = pass === 0 ? hit : Math.min(hitMs, hit);
  }
  if (!sink) throw new Error('nothing decoded');
  const us = (ms: number) => (ms * 1000) / values.length;
  return { records: values.length, decodeUs: us(decodeMs), cachedMissUs: us(missMs), cachedHitUs: us(hitMs) };
}
