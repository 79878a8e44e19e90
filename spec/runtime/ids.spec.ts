import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { deterministicId, SequenceIds } from '../../runtime/events/ids.js';

describe('deterministic ids', () => {
  it('keeps the ids every stored event and snapshot already carries (name-based, uuid-shaped)', () => {
    expect(deterministicId('synthetic:7:0')).to.equal('7810bae1-1434-50c9-bde5-423ba3a1213f');
    expect(new SequenceIds('ns').next()).to.equal(deterministicId('ns:0'));
  });

  it('derives the id from the SHA-1 of the name in the RFC 4122 version-5 layout', () => {
    for (const name of ['a', 'cause/position:SOL/0', 'ünïcødé', 'x'.repeat(500)]) {
      const h = createHash('sha1').update(name).digest('hex');
      const id = deterministicId(name);
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id.replace(/-/g, '').slice(0, 12)).to.equal(h.slice(0, 12));
      expect(id.slice(-12)).to.equal(h.slice(20, 32));
    }
  });
});
