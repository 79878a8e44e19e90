import { expect } from 'chai';
import { z } from 'zod';
import { SharedDecoder } from '../../runtime/events/shared-decoder.js';
import { DecodeError, defineEvent, encodeEnvelope, EventTypeRegistry } from '../../runtime/events/event-types.js';
import type { Envelope } from '../../runtime/events/envelope.js';

const Tick = defineEvent('tick', 'ticks', z.object({ price: z.number().positive() }));
const tick = (id: string, price = 100): Envelope => ({ id, type: 'tick', ts: 1, token: 'SOL', source: 'spec', correlationId: id, data: { price } });

function counting() {
  const types = new EventTypeRegistry([Tick]);
  let decodes = 0;
  return {
    types: { decode: (value: Buffer | string) => (decodes++, types.decode(value)) },
    decodes: () => decodes,
  };
}

describe('shared decoder', () => {
  it('decodes a record value once for every group that reads that same value', () => {
    const { types, decodes } = counting();
    const shared = new SharedDecoder(types);
    const value = encodeEnvelope(tick('a'));
    const first = shared.decode(value);
    const second = shared.decode(value);
    expect(second).to.equal(first);
    expect(first).to.deep.equal(tick('a'));
    expect(decodes()).to.equal(1);
  });

  it('decodes equal bytes in another Buffer again (each Kafka consumer fetches its own)', () => {
    const { types, decodes } = counting();
    const shared = new SharedDecoder(types);
    shared.decode(encodeEnvelope(tick('a')));
    shared.decode(encodeEnvelope(tick('a')));
    expect(decodes()).to.equal(2);
  });

  it('remembers only the last capacity values', () => {
    const { types, decodes } = counting();
    const shared = new SharedDecoder(types, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => encodeEnvelope(tick(id)));
    for (const v of [a!, b!, c!, a!]) shared.decode(v);
    expect(decodes()).to.equal(4);
    shared.decode(a!);
    shared.decode(c!);
    expect(decodes()).to.equal(4);
  });

  it('remembers no failure: every group that reads a bad record gets the typed error and dead-letters it', () => {
    const { types, decodes } = counting();
    const shared = new SharedDecoder(types);
    const bad = encodeEnvelope(tick('bad', -1));
    const errors = [0, 1].map(() => {
      try {
        shared.decode(bad);
        return undefined;
      } catch (err) {
        return err;
      }
    });
    expect(errors.map((e) => e instanceof DecodeError && e.reason)).to.deep.equal(['invalid-data', 'invalid-data']);
    expect(decodes()).to.equal(2);
  });
});
